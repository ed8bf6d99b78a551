//! `task::spawn_blocking`: blocking or CPU-heavy code off the runtime's threads, its result back.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/spawn_blocking.rs
//!
//! A task that blocks its thread (a `std::thread::sleep`, a long loop, a blocking file or database
//! call) stops every other task scheduled on that thread. `task::spawn_blocking` moves the closure
//! to a pool of threads meant for blocking, and its return value comes back through the
//! `JoinHandle`. With a ticker task on the same thread the difference is stark: it keeps ticking
//! while a job blocks in the pool, and is frozen while the job blocks its thread. Next to the smol
//! twin:
//! - the same pool: `spawn_blocking` wraps smol's `unblock` (threads named `blocking-N`);
//! - no `LocalExecutor`: the ticker is `task::spawn_local`ed onto the `block_on` thread, `main`.
//!
//! Guide: 指南 2.5.2.2 (spawn_blocking), 2.5.9.3; 教程 性能调优 (任务调度优化); see README, Errata.
//! ```text
//! cargo run -p examples-async-std --example spawn_blocking
//! ```
//! Prints the sum `499999500000` and the pool thread that computed it, then how often a 25 ms
//! ticker ticked during a 150 ms blocking job: five or so times with `spawn_blocking`, zero times
//! when the job blocks the thread the ticker runs on.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `spawn_local`, `race`, `interval`
//! ```

use std::future::Future;
use std::thread;
use std::time::Duration;

use async_std::channel;
use async_std::prelude::FutureExt;
use async_std::stream::{self, StreamExt};
use async_std::task;

const TICK: Duration = Duration::from_millis(25);
const BLOCK: Duration = Duration::from_millis(150);

/// Runs `job` while a task on this thread ticks every `TICK`, and returns how many ticks it got in.
async fn ticks_during(job: impl Future<Output = ()>) -> u32 {
    // Dropping `stop` closes the channel, which is the ticker's signal to stop.
    let (stop, stopped) = channel::bounded::<()>(1);
    // The schedule starts now, not when the task first runs; the first tick is one period ahead.
    // Each later tick is one period after the previous one was taken, not on a fixed grid, so on
    // a busy machine the ticks drift late and 150 ms may hold a tick fewer than the nominal six.
    let mut ticks = stream::interval(TICK);
    // `spawn_local`: the ticker runs on this thread, the one inside `block_on`, and nowhere else.
    let ticker = task::spawn_local(async move {
        let mut count = 0;
        loop {
            // `race` polls its own future first: ticks that piled up while the thread was
            // blocked are overdue when the ticker finally runs, and must not count.
            let stop_now = async {
                // Returns `Err` once `stop` is dropped: nothing is ever sent.
                let _ = stopped.recv().await;
                true
            }
            .race(async {
                ticks.next().await;
                false
            })
            .await;
            if stop_now {
                break count;
            }
            count += 1;
        }
    });
    job.await;
    drop(stop);
    ticker.await
}

async fn run() {
    let (sum, pool_thread) = task::spawn_blocking(|| {
        let mut sum: u64 = 0;
        for i in 0..1_000_000u64 {
            sum += i;
        }
        let name = thread::current().name().unwrap_or("<unnamed>").to_owned();
        (sum, name)
    })
    .await;
    println!("sum of 0..1_000_000 from the blocking pool (thread `{pool_thread}`): {sum}");

    let ticks = ticks_during(async {
        task::spawn_blocking(|| thread::sleep(BLOCK)).await;
    })
    .await;
    println!("150 ms blocking job on spawn_blocking:  the ticker task ticked {ticks} times");

    // The wrong way, for contrast: the job blocks the ticker's only thread, so it never runs.
    let ticks = ticks_during(async {
        thread::sleep(BLOCK);
    })
    .await;
    println!("150 ms blocking job on the main thread: the ticker task ticked {ticks} times");
}

fn main() {
    // `run` and the ticker it spawns with `spawn_local` share this one thread: whatever blocks it
    // stops them both.
    task::block_on(run());
}
