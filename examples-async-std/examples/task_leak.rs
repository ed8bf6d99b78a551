//! Task leak: a timeout on a `JoinHandle` stops the waiting, not the task.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/task_leak.rs
//!
//! Dropping a `JoinHandle` detaches its task: it keeps running, with no handle left to stop it or
//! learn how it ended. `timeout(d, handle)` takes the handle by value, so when the time is up the
//! handle is dropped and the task leaks, still holding whatever it holds (memory, a connection, a
//! lock). Awaiting `&mut handle` keeps the handle, and `handle.cancel().await` on timeout cancels
//! the task: it returns `None` once the unfinished task's future is dropped. Next to the smol twin:
//! - the guide's code leaks here as in tokio; a dropped smol `Task` cancels, so smol's twin needs
//!   `.detach()` to show the leak;
//! - async-std has no `JoinSet` nor `AbortOnDropHandle` that would cancel on drop.
//!
//! Guide: 教程 故障排除 1 任务泄漏; what the guide gets wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example task_leak
//! ```
//! A job that ticks a counter every 10 ms times out after 50 ms twice: the guide's way it goes on
//! ticking afterwards; with `cancel().await` it is cancelled and ticks no more.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! anyhow = "1"
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::{Duration, Instant};

use async_std::future::timeout;
use async_std::task::{self, JoinHandle};

const TICK: Duration = Duration::from_millis(10);
const PATIENCE: Duration = Duration::from_millis(50);

/// A job of ten seconds, far longer than we are willing to wait; it ticks `ticks` as it goes.
fn spawn_slow_job(ticks: Arc<AtomicU32>) -> JoinHandle<()> {
    task::spawn(async move {
        for _ in 0..1000 {
            task::sleep(TICK).await;
            ticks.fetch_add(1, Relaxed);
        }
    })
}

/// How many times the job ticks in the next 50 ms: 0 means it really stopped.
async fn ticks_in_next_50_ms(ticks: &AtomicU32) -> u32 {
    let before = ticks.load(Relaxed);
    task::sleep(Duration::from_millis(50)).await;
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
    // Returns once the job's future has been dropped: `None` because it never finished.
    match handle.cancel().await {
        None => println!("fix:   cancel().await returned None: cancelled"),
        Some(()) => anyhow::bail!("the job finished instead of being cancelled"),
    }
    println!(
        "fix:   the job then ticked {} more times in 50 ms",
        ticks_in_next_50_ms(&ticks).await
    );
    // The leaked job is still ticking; only the process ending at the end of `main` stops it.
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
