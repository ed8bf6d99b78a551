//! `task::spawn_blocking`: run blocking or CPU-heavy code off the runtime's threads and get its result back.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/spawn_blocking.rs`.
//!
//! A task that blocks its thread (a `std::thread::sleep`, a long loop, a blocking file or database
//! call) stops every other task scheduled on that thread. `task::spawn_blocking` moves the closure
//! to a separate pool of threads meant for blocking (the `blocking` crate's, threads named
//! `blocking-N`, the same pool as smol's `unblock`), and its return value comes back through the
//! `JoinHandle`. With tasks that all run on one thread the difference is stark: a ticker task
//! keeps ticking while a job blocks in the pool, and is frozen when the same job blocks that thread
//! itself.
//!
//! Guide: 指南 2.5.2.2 任务调度 (spawn_blocking), 2.5.9.3 避免阻塞; 教程 性能调优 (任务调度优化).
//! The tutorial's `let mut sum = 0` sums 0..1_000_000 in an inferred `i32`, which overflows (a panic in debug builds); this sums into a `u64`.
//!
//! Differences from tokio: awaiting `spawn_blocking`'s handle gives the closure's value, not a
//! `Result<_, JoinError>`. There is no current-thread runtime: the ticker is spawned with
//! `task::spawn_local`, which runs it on the thread inside `task::block_on`, here `main`. There is
//! no `select!`: the ticker races its two events with `race`, which polls its own future first, and
//! ticks with `stream::interval`, which first fires one period after it is created, so there is no
//! immediate tick to skip. `spawn_local`, `race` and `stream::interval` need
//! `features = ["unstable"]`; `spawn_blocking` does not.
//!
//! ```text
//! cargo run -p examples-async-std --example spawn_blocking
//! ```
//!
//! Prints the sum `499999500000` and the pool thread that computed it, then how often a 25 ms
//! ticker ticked during a 150 ms blocking job: five or so times with `spawn_blocking`, zero times
//! when the job blocks the thread the ticker runs on.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `spawn_local`, `race`, `stream::interval`
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
