//! Task leak: a dropped smol `Task` cancels its job, a detached one leaks it; keep it and cancel.
//!
//! A smol `Task` owns its task: dropping it cancels the job at its next `.await`. So the guide's
//! `timeout(d, handle)`, which drops the handle when the time is up, cancels the job here, where in
//! tokio it leaks it. The leak comes with `.detach()`: a timeout on the channel the job reports on
//! stops the waiting, not the job, which goes on holding whatever it holds (memory, a connection,
//! a lock). The fix keeps the `Task`, waits on `&mut task`, and on timeout calls `cancel().await`,
//! which returns once the job has stopped: `None`, as it never finished. Differences from tokio:
//! - a dropped `JoinHandle` detaches, a dropped `Task` cancels: `.detach()` is the dropped handle.
//! - `abort()`, `await` and `is_cancelled()` are one call, `task.cancel().await`.
//!
//! Guide: 教程 故障排除 1 任务泄漏; what the guide gets wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example task_leak
//! ```
//!
//! A job ticking every 10 ms times out after 50 ms three times: the guide's way it ticks no more;
//! detached, it goes on ticking; with `cancel()` it is cancelled (`None`) and ticks no more.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! anyhow = "1"
//! ```

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::{Duration, Instant};

use smol::future::FutureExt;
use smol::{LocalExecutor, Timer, channel};

const TICK: Duration = Duration::from_millis(10);
const PATIENCE: Duration = Duration::from_millis(50);

/// A job of ten seconds, far longer than we are willing to wait; it ticks `ticks` as it goes.
/// (`Arc` and an atomic, rather than `Rc` and a `Cell`, so that it also runs on a multi-thread
/// `Executor`.)
async fn slow_job(ticks: Arc<AtomicU32>) {
    for _ in 0..1000 {
        Timer::after(TICK).await;
        ticks.fetch_add(1, Relaxed);
    }
}

/// How many times the job ticks in the next 50 ms: 0 means it really stopped.
async fn ticks_in_next_50_ms(ticks: &AtomicU32) -> u32 {
    let before = ticks.load(Relaxed);
    Timer::after(Duration::from_millis(50)).await;
    ticks.load(Relaxed) - before
}

/// `fut`'s output, or `None` if `limit` passes first (and `fut` is dropped): tokio's `timeout`,
/// made of a `Timer` and `or`.
async fn timeout<T>(limit: Duration, fut: impl Future<Output = T>) -> Option<T> {
    async { Some(fut.await) }
        .or(async {
            Timer::after(limit).await;
            None
        })
        .await
}

async fn run(ex: &LocalExecutor<'_>) -> anyhow::Result<()> {
    let ticks = Arc::new(AtomicU32::new(0));
    let task = ex.spawn(slow_job(ticks.clone()));
    let started = Instant::now();
    // The guide's way: `task` moves into `timeout` and is dropped with it when time runs out.
    if timeout(PATIENCE, task).await.is_some() {
        anyhow::bail!("the 10 s job finished within 50 ms");
    }
    println!("guide:    timed out after {} ms", started.elapsed().as_millis());
    println!(
        "guide:    the job then ticked {} more times in 50 ms: dropping its Task cancelled it",
        ticks_in_next_50_ms(&ticks).await
    );

    let ticks = Arc::new(AtomicU32::new(0));
    // Detached, the job can only report back through a channel: its future holds the sender,
    // so the channel closes when the job ends, and `recv` then returns (with `Err`).
    let (done, finished) = channel::bounded::<()>(1);
    let job = slow_job(ticks.clone());
    ex.spawn(async move {
        let _done = done;
        job.await;
    })
    .detach();
    let started = Instant::now();
    if timeout(PATIENCE, finished.recv()).await.is_some() {
        anyhow::bail!("the 10 s job finished within 50 ms");
    }
    println!("detached: timed out after {} ms", started.elapsed().as_millis());
    println!(
        "detached: the job then ticked {} more times in 50 ms: leaked, and no Task is left to stop it",
        ticks_in_next_50_ms(&ticks).await
    );

    let ticks = Arc::new(AtomicU32::new(0));
    let mut task = ex.spawn(slow_job(ticks.clone()));
    let started = Instant::now();
    // `&mut task` is a future too (a `Task` is `Unpin`), and the `Task` stays ours.
    if timeout(PATIENCE, &mut task).await.is_some() {
        anyhow::bail!("the 10 s job finished within 50 ms");
    }
    println!("fix:      timed out after {} ms", started.elapsed().as_millis());
    // Cancels the job and returns once its future has been dropped.
    match task.cancel().await {
        None => println!("fix:      cancelled, cancel() = None"),
        Some(()) => anyhow::bail!("the job finished instead of being cancelled"),
    }
    println!(
        "fix:      the job then ticked {} more times in 50 ms",
        ticks_in_next_50_ms(&ticks).await
    );
    // The detached job is still ticking; only dropping the executor at the end of `main` stops
    // it (on `smol::spawn`'s global executor, which is never dropped, it would run until the
    // process exits).
    Ok(())
}

// One thread, a `LocalExecutor`: a job is never in the middle of a tick when its `Task` is
// dropped, so the counts are exact.
fn main() -> anyhow::Result<()> {
    let ex = LocalExecutor::new();
    smol::block_on(ex.run(run(&ex)))
}
