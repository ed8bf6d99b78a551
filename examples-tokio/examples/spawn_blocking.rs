//! `spawn_blocking`: blocking or CPU-heavy code off the runtime's threads, and its result back.
//!
//! A task that blocks its thread (a `std::thread::sleep`, a long loop, a blocking file or database
//! call) stops every other task scheduled on that thread. `spawn_blocking` moves the closure to a
//! separate pool of threads meant for blocking, and its return value comes back through the
//! `JoinHandle`. On a current-thread runtime, one thread for all tasks, the difference is stark: a
//! ticker task keeps ticking while a job blocks in the pool, and is frozen while the same job
//! blocks the runtime thread itself. tokio's own caveats for CPU-heavy work: the pool grows to 512
//! threads by default, and a job cannot be aborted once it runs (`abort()` has no effect then);
//! sustained CPU work belongs on rayon or a dedicated thread pool.
//!
//! Guide: 指南 2.5.2.2 任务调度 (spawn_blocking), 2.5.9.3 避免阻塞; 教程 性能调优 (任务调度优化); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example spawn_blocking
//! ```
//!
//! Prints the sum `499999500000`, then how often a 25 ms ticker ticked during a 150 ms blocking
//! job: five or six times with `spawn_blocking`, zero times when the job blocks the runtime thread.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt", "sync", "time"] }
//! anyhow = "1"
//! ```

use std::future::Future;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task;
use tokio::time::{Instant, interval_at};

const TICK: Duration = Duration::from_millis(25);
const BLOCK: Duration = Duration::from_millis(150);

/// Runs `job` while a spawned task ticks every `TICK`, and returns how many ticks it got in.
async fn ticks_during(job: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<u32> {
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    // The schedule starts now, not when the task first runs, and one period ahead: `interval`'s
    // immediate first tick would count as progress that did not happen.
    let mut ticks = interval_at(Instant::now() + TICK, TICK);
    let ticker = tokio::spawn(async move {
        let mut count = 0;
        loop {
            tokio::select! {
                // Checked first: ticks that piled up while the thread was blocked are overdue
                // when the ticker finally runs, and must not count.
                biased;
                _ = &mut stop_rx => break count,
                _ = ticks.tick() => count += 1,
            }
        }
    });
    job.await?;
    // Sending only fails if the ticker is gone, which the `ticker.await?` below reports.
    let _ = stop_tx.send(());
    Ok(ticker.await?)
}

async fn run() -> anyhow::Result<()> {
    let sum = task::spawn_blocking(|| {
        let mut sum: u64 = 0;
        for i in 0..1_000_000u64 {
            sum += i;
        }
        sum
    })
    .await?;
    println!("sum of 0..1_000_000 from the blocking pool: {sum}");

    let ticks = ticks_during(async {
        task::spawn_blocking(|| std::thread::sleep(BLOCK)).await?;
        Ok(())
    })
    .await?;
    println!("150 ms blocking job on spawn_blocking:     the ticker task ticked {ticks} times");

    // The wrong way, for contrast: the job blocks the only runtime thread, so the ticker never runs.
    let ticks = ticks_during(async {
        std::thread::sleep(BLOCK);
        Ok(())
    })
    .await?;
    println!("150 ms blocking job on the runtime thread: the ticker task ticked {ticks} times");
    Ok(())
}

// One runtime thread for every task: whatever blocks it stops them all.
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    run().await
}
