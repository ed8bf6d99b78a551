//! Bridging sync and async code: `smol::block_on` from plain threads, `unblock` from tasks.
//!
//! Sync code that needs an async result blocks its thread on the future with `smol::block_on`, on
//! any thread: there is no runtime to enter and no handle to pass. Async code that must call
//! blocking code hands it to `smol::unblock`'s pool and awaits it. A sync helper that calls
//! `block_on`, reached from async code, works but stalls every task on its thread: run the helper
//! on `unblock`, or better, `.await` the async function itself. Differences from tokio:
//! - a nested `block_on` does not panic (tokio's "Cannot start a runtime from within a runtime"):
//!   it blocks the executor's thread, and every task on it stops (the ticker ticks 0 times).
//! - no `block_in_place`: `unblock` is the way to run blocking code from async code.
//!
//! Guide: beyond the guides (calling async code from sync code, and blocking code from async).
//!
//! ```text
//! cargo run -p examples-smol --example bridge_sync
//! ```
//!
//! Prints each bridge's result and how often a 20 ms ticker task ticked meanwhile: zero times while
//! a nested `block_on` holds the executor's thread, five or so otherwise; then the two fixes.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! anyhow = "1"
//! ```

use std::future::Future;
use std::thread;
use std::time::Duration;

use anyhow::anyhow;
use smol::stream::StreamExt;
use smol::{LocalExecutor, Timer, future};

/// How long each call, async or blocking, takes; the ticker ticks five times meanwhile.
const WORK: Duration = Duration::from_millis(100);
const TICK: Duration = Duration::from_millis(20);

/// The async function that sync code wants to call (a client library's request, say).
async fn async_lookup(id: u32) -> u32 {
    Timer::after(WORK).await;
    id * 10
}

/// The blocking function that async code wants to call (a sync driver, a C library, `std::fs`).
fn blocking_lookup(id: u32) -> u32 {
    thread::sleep(WORK);
    id * 10
}

/// Sync code with an async call inside: blocks its thread until the future is done. Fine on a
/// plain thread; inside async code it blocks the executor's thread too (`nested_block_on`).
fn sync_caller(id: u32) -> u32 {
    smol::block_on(async_lookup(id))
}

/// Async code called from sync code: `main` before it runs the executor, or a thread it starts.
fn sync_to_async() -> anyhow::Result<()> {
    let value = smol::block_on(async_lookup(1));
    println!("sync -> async, from main: smol::block_on(async_lookup(1)) = {value}");

    // Nothing to pass along: the timer is driven by smol's global reactor, from any thread.
    let plain = thread::spawn(|| sync_caller(1));
    let value = plain.join().map_err(|_| anyhow!("the plain thread panicked"))?;
    println!("sync -> async, from a plain thread: sync_caller(1) = {value}");
    Ok(())
}

/// Blocking code called from async code, while a ticker task shows whether the executor goes on.
async fn async_to_blocking(ex: &LocalExecutor<'_>) {
    let (value, ticks) = ticks_during(ex, smol::unblock(|| blocking_lookup(2))).await;
    println!("async -> blocking: unblock(blocking_lookup(2)) = {value}; {}", ticked(ticks));
}

/// The same sync helper called from async code: no panic, but a blocked thread. Then the fixes.
async fn nested_block_on(ex: &LocalExecutor<'_>) {
    // The inner `block_on` runs only its own future: the executor's other tasks wait for it.
    let (value, ticks) = ticks_during(ex, async { sync_caller(3) }).await;
    println!("sync_caller(3) inside async code = {value}, no panic; {}", ticked(ticks));

    // Fix 1: keep the sync helper, run it on the blocking pool.
    let (value, ticks) = ticks_during(ex, smol::unblock(|| sync_caller(3))).await;
    println!("fix: unblock(sync_caller(3)) = {value}; {}", ticked(ticks));

    // Fix 2, when the caller is async anyway: no bridge at all.
    let (value, ticks) = ticks_during(ex, async_lookup(3)).await;
    println!("fix: async_lookup(3).await = {value}; {}", ticked(ticks));
}

/// Runs `job` while a task on `ex` ticks every `TICK`; returns the job's output and the ticks.
async fn ticks_during<T>(ex: &LocalExecutor<'_>, job: impl Future<Output = T>) -> (T, u32) {
    // Dropping `stop` closes the channel, which is the ticker's signal to stop.
    let (stop, stopped) = smol::channel::bounded::<()>(1);
    // The schedule starts now, not when the task first runs; the first tick is one period ahead.
    let mut ticks = Timer::interval(TICK);
    let ticker = ex.spawn(async move {
        let mut count = 0;
        loop {
            // `or` polls its first future first: ticks that piled up while the ticker could not
            // run are overdue when it finally does, and must not count.
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
    let output = job.await;
    drop(stop);
    (output, ticker.await)
}

fn ticked(ticks: u32) -> String {
    format!("ticker ticked {ticks} times meanwhile")
}

fn main() -> anyhow::Result<()> {
    sync_to_async()?;
    // One thread for every task, the ticker's and the job's: whatever blocks it stops them all.
    let ex = LocalExecutor::new();
    smol::block_on(ex.run(async {
        async_to_blocking(&ex).await;
        nested_block_on(&ex).await;
    }));
    Ok(())
}
