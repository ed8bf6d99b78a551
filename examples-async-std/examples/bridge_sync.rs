//! Bridging sync and async code: `task::block_on` from plain threads, `spawn_blocking` from tasks.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/bridge_sync.rs
//!
//! Sync code that needs an async result blocks its thread on the future with `task::block_on`, on
//! any thread: there is no runtime to enter and no handle to pass. Async code that must call
//! blocking code hands it to `task::spawn_blocking`'s pool and awaits it. A sync helper that calls
//! `block_on`, reached from async code, works, at a price, and without tokio's panic: it blocks
//! its thread and every task on it (the ticker ticks 0 times). Run the helper on `spawn_blocking`,
//! or better, `.await` the async function itself. Next to the smol twin:
//! - a `block_on` inside another one runs only its own future (a plain `futures-lite` loop), not
//!   the thread's `spawn_local` tasks: the same stall as smol's.
//! - `spawn_blocking` wraps smol's `unblock`; no `LocalExecutor`: the ticker is `spawn_local`ed.
//!
//! Guide: beyond the guides (calling async code from sync code, and blocking code from async).
//! ```text
//! cargo run -p examples-async-std --example bridge_sync
//! ```
//! Prints each bridge's result and how often a 20 ms ticker task ticked meanwhile: zero times while
//! a nested `block_on` holds the ticker's thread, five or so otherwise; then the two fixes.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `spawn_local`, `race`, `interval`
//! anyhow = "1"
//! ```

use std::future::Future;
use std::thread;
use std::time::Duration;

use anyhow::anyhow;
use async_std::channel;
use async_std::prelude::FutureExt;
use async_std::stream::{self, StreamExt};
use async_std::task;

/// How long each call, async or blocking, takes; the ticker ticks five times meanwhile.
const WORK: Duration = Duration::from_millis(100);
const TICK: Duration = Duration::from_millis(20);

/// The async function that sync code wants to call (a client library's request, say).
async fn async_lookup(id: u32) -> u32 {
    task::sleep(WORK).await;
    id * 10
}

/// The blocking function that async code wants to call (a sync driver, a C library, `std::fs`).
fn blocking_lookup(id: u32) -> u32 {
    thread::sleep(WORK);
    id * 10
}

/// Sync code with an async call inside: blocks its thread until the future is done. Fine on a
/// plain thread; inside async code it blocks that code's thread too (`nested_block_on`).
fn sync_caller(id: u32) -> u32 {
    task::block_on(async_lookup(id))
}

/// Async code called from sync code: `main` before its own `block_on`, or a thread it starts.
fn sync_to_async() -> anyhow::Result<()> {
    let value = task::block_on(async_lookup(1));
    println!("sync -> async, from main: task::block_on(async_lookup(1)) = {value}");

    // Nothing to pass along: the timer is driven by the global reactor, from any thread.
    let plain = thread::spawn(|| sync_caller(1));
    let value = plain.join().map_err(|_| anyhow!("the plain thread panicked"))?;
    println!("sync -> async, from a plain thread: sync_caller(1) = {value}");
    Ok(())
}

/// Blocking code called from async code, while a ticker task shows whether its thread goes on.
async fn async_to_blocking() {
    let (value, ticks) = ticks_during(task::spawn_blocking(|| blocking_lookup(2))).await;
    println!("async -> blocking: spawn_blocking(blocking_lookup(2)) = {value}; {}", ticked(ticks));
}

/// The same sync helper called from async code: no panic, but a blocked thread. Then the fixes.
async fn nested_block_on() {
    // The inner `block_on` runs only its own future: the thread's other tasks wait for it.
    let (value, ticks) = ticks_during(async { sync_caller(3) }).await;
    println!("sync_caller(3) inside async code = {value}, no panic; {}", ticked(ticks));

    // Fix 1: keep the sync helper, run it on the blocking pool.
    let (value, ticks) = ticks_during(task::spawn_blocking(|| sync_caller(3))).await;
    println!("fix: spawn_blocking(sync_caller(3)) = {value}; {}", ticked(ticks));

    // Fix 2, when the caller is async anyway: no bridge at all.
    let (value, ticks) = ticks_during(async_lookup(3)).await;
    println!("fix: async_lookup(3).await = {value}; {}", ticked(ticks));
}

/// Runs `job` while a task on this thread ticks every `TICK`; returns the job's output and the
/// ticks.
async fn ticks_during<T>(job: impl Future<Output = T>) -> (T, u32) {
    // Dropping `stop` closes the channel, which is the ticker's signal to stop.
    let (stop, stopped) = channel::bounded::<()>(1);
    // The schedule starts now, not when the task first runs; the first tick is one period ahead.
    // Each later tick is one period after the previous one was taken, so on a busy machine the
    // ticks drift late, and 100 ms may hold a tick fewer than the nominal five.
    let mut ticks = stream::interval(TICK);
    // `spawn_local`: the ticker runs on this thread, the one inside `block_on`, and nowhere else.
    let ticker = task::spawn_local(async move {
        let mut count = 0;
        loop {
            // `race` polls its own future first: ticks that piled up while the ticker could not
            // run are overdue when it finally does, and must not count.
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
    let output = job.await;
    drop(stop);
    (output, ticker.await)
}

fn ticked(ticks: u32) -> String {
    format!("ticker ticked {ticks} times meanwhile")
}

fn main() -> anyhow::Result<()> {
    sync_to_async()?;
    // The jobs and the ticker they run beside share this one thread: whatever blocks it stops both.
    task::block_on(async {
        async_to_blocking().await;
        nested_block_on().await;
    });
    Ok(())
}
