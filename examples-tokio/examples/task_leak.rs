//! Task leak: a timeout on a `JoinHandle` stops the waiting, not the task.
//!
//! Dropping a `JoinHandle` detaches its task: it keeps running, with no handle left to stop it or
//! learn how it ended. `timeout(d, handle)` takes the handle by value, so when the time is up the
//! handle is dropped and the task leaks, still holding whatever it holds (memory, a connection,
//! a lock). Awaiting `&mut handle` keeps the handle, and `abort()` on timeout cancels the task;
//! awaiting it afterwards confirms it stopped (`is_cancelled()`). A `JoinSet` or tokio-util's
//! `AbortOnDropHandle` does the same by owning the task, so leaving the scope cancels it.
//!
//! Guide: 教程 故障排除 1 任务泄漏; see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example task_leak
//! ```
//!
//! A job that ticks a counter every 10 ms times out after 50 ms twice: the guide's way it goes on
//! ticking afterwards; with `abort()` it is cancelled and ticks no more.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! anyhow = "1"
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, timeout};

const TICK: Duration = Duration::from_millis(10);
const PATIENCE: Duration = Duration::from_millis(50);

/// A job of ten seconds, far longer than we are willing to wait; it ticks `ticks` as it goes.
fn spawn_slow_job(ticks: Arc<AtomicU32>) -> JoinHandle<()> {
    tokio::spawn(async move {
        for _ in 0..1000 {
            sleep(TICK).await;
            ticks.fetch_add(1, Relaxed);
        }
    })
}

/// How many times the job ticks in the next 50 ms: 0 means it really stopped.
async fn ticks_in_next_50_ms(ticks: &AtomicU32) -> u32 {
    let before = ticks.load(Relaxed);
    sleep(Duration::from_millis(50)).await;
    ticks.load(Relaxed) - before
}

async fn run() -> anyhow::Result<()> {
    let ticks = Arc::new(AtomicU32::new(0));
    let handle = spawn_slow_job(ticks.clone());
    let started = Instant::now();
    // The guide's way: `handle` moves into `timeout` and is dropped with it when time runs out.
    if timeout(PATIENCE, handle).await.is_ok() {
        anyhow::bail!("the 10 s job finished within 50 ms");
    }
    println!("guide: timed out after {} ms", started.elapsed().as_millis());
    println!(
        "guide: the job then ticked {} more times in 50 ms: leaked, and no handle is left to stop it",
        ticks_in_next_50_ms(&ticks).await
    );

    let ticks = Arc::new(AtomicU32::new(0));
    let mut handle = spawn_slow_job(ticks.clone());
    let started = Instant::now();
    if timeout(PATIENCE, &mut handle).await.is_ok() {
        anyhow::bail!("the 10 s job finished within 50 ms");
    }
    println!("fix:   timed out after {} ms", started.elapsed().as_millis());
    handle.abort();
    // `abort()` only requests cancellation; the task is gone once awaiting it says so.
    match handle.await {
        Err(e) if e.is_cancelled() => println!("fix:   aborted, is_cancelled() = true"),
        Err(e) => anyhow::bail!("the job failed: {e}"),
        Ok(()) => anyhow::bail!("the job finished instead of being cancelled"),
    }
    println!(
        "fix:   the job then ticked {} more times in 50 ms",
        ticks_in_next_50_ms(&ticks).await
    );
    // The leaked job is still ticking; only the runtime shutting down at the end of `main` stops it.
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
