//! Avoid blocking: measure the stall one blocking call inflicts on every other task, and the fixes.
//!
//! A heartbeat task wants to run every 10 ms and records its longest gap while another task, on the
//! same single worker thread, waits 150 ms in four ways. `std::thread::sleep` (like any blocking
//! call: file or database I/O, a long computation, a contended `std` lock) holds the worker, so the
//! heartbeat stalls for the whole wait. `tokio::time::sleep` yields the thread; `spawn_blocking`
//! runs the call on the blocking pool; `block_in_place` keeps it on the current thread but first
//! hands this worker's other tasks to a new thread (it panics on a current-thread runtime).
//!
//! Guide: 指南 2.5.9.3 避免阻塞; see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example avoid_blocking
//! ```
//!
//! Prints the heartbeat's worst gap for each way of waiting: about 150 ms for `std::thread::sleep`,
//! about 10 ms for the other three.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "sync", "time"] }
//! anyhow = "1"
//! ```

use std::future::Future;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::{Instant, sleep};

const BEAT: Duration = Duration::from_millis(10);
const WAIT: Duration = Duration::from_millis(150);

/// Runs `waiter` as a task next to a 10 ms heartbeat task and returns the heartbeat's worst gap.
async fn worst_gap(waiter: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<u128> {
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    let heartbeat = tokio::spawn(async move {
        let mut last = Instant::now();
        let mut worst = Duration::ZERO;
        loop {
            let stop = tokio::select! {
                _ = &mut stop_rx => true,
                () = sleep(BEAT) => false,
            };
            // Measured on either branch: if the stop and a late beat arrive together, the gap
            // since the last beat still counts.
            worst = worst.max(last.elapsed());
            last = Instant::now();
            if stop {
                break worst;
            }
        }
    });
    // A few beats first, so the gap measured is the waiter's doing, not start-up.
    sleep(3 * BEAT).await;
    tokio::spawn(waiter).await?;
    // Sending only fails if the heartbeat is gone, which `heartbeat.await?` reports.
    let _ = stop_tx.send(());
    Ok(heartbeat.await?.as_millis())
}

async fn run() -> anyhow::Result<()> {
    println!("heartbeat every 10 ms; another task waits 150 ms with:");
    let gap = worst_gap(async { std::thread::sleep(WAIT) }).await?;
    println!("  std::thread::sleep            worst gap {gap} ms  (the worker was blocked)");
    let gap = worst_gap(sleep(WAIT)).await?;
    println!("  tokio::time::sleep            worst gap {gap} ms");
    let gap = worst_gap(async {
        // The `JoinError` would only say the closure panicked; a sleep cannot.
        let _ = tokio::task::spawn_blocking(|| std::thread::sleep(WAIT)).await;
    })
    .await?;
    println!("  spawn_blocking(thread::sleep) worst gap {gap} ms");
    // `block_in_place` panics on a current-thread runtime: it needs a worker to hand off to.
    let gap = worst_gap(async { tokio::task::block_in_place(|| std::thread::sleep(WAIT)) }).await?;
    println!("  block_in_place(thread::sleep) worst gap {gap} ms");
    Ok(())
}

// One worker thread runs every spawned task (`main` itself runs on the main thread): the same
// situation as a current-thread runtime, or a multi-thread one whose workers are all busy.
#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() -> anyhow::Result<()> {
    run().await
}
