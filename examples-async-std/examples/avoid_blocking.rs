//! Avoid blocking: measure the stall one blocking call inflicts on every other task, and the fixes.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/avoid_blocking.rs
//!
//! A heartbeat task wants to run every 10 ms and records its longest gap while another task waits
//! 150 ms. `std::thread::sleep` (like any blocking call: file or database I/O, a long computation,
//! a contended `std` lock) holds the runtime's thread, so the heartbeat stalls for the whole wait;
//! `task::sleep` yields the thread, and `task::spawn_blocking` moves the call to a pool of threads
//! meant for blocking. Next to the smol twin:
//! - one thread for every task: smol builds a `LocalExecutor`; async-std has no builder, so `main`
//!   runs itself again with `ASYNC_STD_THREAD_COUNT=1`, read once when the runtime starts;
//! - `spawn_blocking` is smol's `unblock` (the same `blocking` pool) wrapped in a task.
//!
//! Guide: 指南 2.5.9.3 避免阻塞; it shows the fixes but not the harm, which is measured here.
//! ```text
//! cargo run -p examples-async-std --example avoid_blocking
//! ```
//! Prints the heartbeat's worst gap for each way of waiting: about 150 ms for `std::thread::sleep`,
//! about 10 ms for the other two.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! futures = "0.3"
//! anyhow = "1"
//! ```

use std::env;
use std::future::Future;
use std::process::Command;
use std::time::{Duration, Instant};

use async_std::channel;
use async_std::task;
use futures::{FutureExt, select};

const BEAT: Duration = Duration::from_millis(10);
const WAIT: Duration = Duration::from_millis(150);

/// async-std reads its thread count from this variable, once, when its runtime starts.
const THREAD_COUNT_VAR: &str = "ASYNC_STD_THREAD_COUNT";

/// Runs `waiter` as a task next to a 10 ms heartbeat task and returns the heartbeat's worst gap.
async fn worst_gap(waiter: impl Future<Output = ()> + Send + 'static) -> u128 {
    // Nothing is sent on it: closing it (dropping `stop_tx`) is the stop signal.
    let (stop_tx, stop_rx) = channel::bounded::<()>(1);
    let heartbeat = task::spawn(async move {
        let mut last = Instant::now();
        let mut worst = Duration::ZERO;
        loop {
            let stop = select! {
                _ = stop_rx.recv().fuse() => true,
                () = task::sleep(BEAT).fuse() => false,
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
    task::sleep(3 * BEAT).await;
    task::spawn(waiter).await;
    drop(stop_tx);
    heartbeat.await.as_millis()
}

async fn run() {
    println!("heartbeat every 10 ms; another task waits 150 ms with:");
    let gap = worst_gap(async { std::thread::sleep(WAIT) }).await;
    println!("  std::thread::sleep            worst gap {gap} ms  (the worker was blocked)");
    let gap = worst_gap(task::sleep(WAIT)).await;
    println!("  async_std::task::sleep        worst gap {gap} ms");
    // Inside `async`: `spawn_blocking` starts its job when called, so passed bare it would
    // start before `worst_gap`'s warm-up, not when the waiter task does. The job runs on the
    // `blocking` crate's pool (up to `BLOCKING_MAX_THREADS`, default 500); there is no
    // `block_in_place`.
    let gap = worst_gap(async { task::spawn_blocking(|| std::thread::sleep(WAIT)).await }).await;
    println!("  spawn_blocking(thread::sleep) worst gap {gap} ms");
}

fn main() -> anyhow::Result<()> {
    if env::var_os(THREAD_COUNT_VAR).is_some_and(|count| count == "1") {
        // One runtime thread runs every spawned task (`run` itself runs on the main thread,
        // under `block_on`, which does not run spawned tasks).
        task::block_on(run());
        return Ok(());
    }
    // One thread is the case where every thread is busy: with more, the heartbeat might just run
    // on another. async-std has no builder, and the runtime does not notice a blocked thread nor
    // add one. The variable is not set from here (`env::set_var` is `unsafe` in edition 2024),
    // so the same program, with the same arguments, runs again with it set; its output is ours.
    let status = Command::new(env::current_exe()?)
        .args(env::args_os().skip(1))
        .env(THREAD_COUNT_VAR, "1")
        .status()?;
    anyhow::ensure!(status.success(), "the re-run with {THREAD_COUNT_VAR}=1 failed: {status}");
    Ok(())
}
