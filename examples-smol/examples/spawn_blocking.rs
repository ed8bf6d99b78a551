//! `smol::unblock`: blocking or CPU-heavy code off the executor's threads, and its result back.
//!
//! A task that blocks its thread (a `std::thread::sleep`, a long loop, a blocking file or database
//! call) stops every other task scheduled on that thread. `smol::unblock` moves the closure to a
//! pool of threads meant for blocking (the `blocking` crate's, named `blocking-N`), and its return
//! value comes back through the `Task` it returns. On a `LocalExecutor`, one thread for all tasks,
//! the difference is stark: a ticker task keeps ticking while a job blocks in the pool, and is
//! frozen while the job blocks the executor's thread. Differences from tokio:
//! - `unblock(f).await` gives the closure's value, not a `Result<_, JoinError>`.
//! - `Timer::interval` first fires a period after it is made: no immediate tick to skip.
//!
//! Guide: 指南 2.5.2.2 (spawn_blocking), 2.5.9.3; 教程 性能调优 (任务调度优化); see README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example spawn_blocking
//! ```
//!
//! Prints the sum `499999500000` and the pool thread that computed it, then how often a 25 ms
//! ticker ticked during a 150 ms blocking job: five or six times with `unblock`, zero times when
//! the job blocks the executor thread.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! ```

use std::future::Future;
use std::thread;
use std::time::Duration;

use smol::stream::StreamExt;
use smol::{LocalExecutor, Timer, future};

const TICK: Duration = Duration::from_millis(25);
const BLOCK: Duration = Duration::from_millis(150);

/// Runs `job` while a task on `ex` ticks every `TICK`, and returns how many ticks it got in.
async fn ticks_during(ex: &LocalExecutor<'_>, job: impl Future<Output = ()>) -> u32 {
    // Dropping `stop` closes the channel, which is the ticker's signal to stop.
    let (stop, stopped) = smol::channel::bounded::<()>(1);
    // The schedule starts now, not when the task first runs; the first tick is one period ahead.
    let mut ticks = Timer::interval(TICK);
    let ticker = ex.spawn(async move {
        let mut count = 0;
        loop {
            // `or` polls its first future first: ticks that piled up while the thread was
            // blocked are overdue when the ticker finally runs, and must not count.
            let stop_now = future::or(
                async {
                    // Returns `Err` once `stop` is dropped: nothing is ever sent.
                    let _ = stopped.recv().await;
                    true
                },
                async {
                    ticks.next().await;
                    false
                },
            )
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

async fn run(ex: &LocalExecutor<'_>) {
    let (sum, pool_thread) = smol::unblock(|| {
        let mut sum: u64 = 0;
        for i in 0..1_000_000u64 {
            sum += i;
        }
        let name = thread::current().name().unwrap_or("<unnamed>").to_owned();
        (sum, name)
    })
    .await;
    println!("sum of 0..1_000_000 from the blocking pool (thread `{pool_thread}`): {sum}");

    let ticks = ticks_during(ex, async {
        smol::unblock(|| thread::sleep(BLOCK)).await;
    })
    .await;
    println!("150 ms blocking job on smol::unblock:        the ticker task ticked {ticks} times");

    // The wrong way, for contrast: the job blocks the only executor thread, so the ticker never runs.
    let ticks = ticks_during(ex, async {
        thread::sleep(BLOCK);
    })
    .await;
    println!("150 ms blocking job on the executor thread: the ticker task ticked {ticks} times");
}

fn main() {
    // One thread for every task: whatever blocks it stops them all.
    let ex = LocalExecutor::new();
    smol::block_on(ex.run(run(&ex)));
}
