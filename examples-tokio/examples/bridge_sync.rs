//! Bridging sync and async code: `block_on` from plain threads, `spawn_blocking` from tasks.
//!
//! Sync code that needs an async result blocks its thread on the future: `Runtime::block_on`, or
//! `Handle::block_on` with a handle taken from the runtime, on a thread the runtime does not drive.
//! Async code that must call blocking code hands it to `spawn_blocking`'s pool and awaits it;
//! `block_in_place` runs it where it is, on a multi-thread runtime only (it panics on a
//! current-thread one), at a cost: the worker becomes a blocking thread and hands its other tasks
//! to another. The classic mistake, a sync helper that calls `block_on`, reached from a task,
//! panics: "Cannot start a runtime from within a runtime."; run the helper on `spawn_blocking`, or
//! better, `.await` the async function itself.
//!
//! Guide: beyond the guides (calling async code from sync code, and blocking code from async).
//!
//! ```text
//! cargo run -p examples-tokio --example bridge_sync
//! ```
//!
//! Prints each bridge's result and how often a 20 ms ticker task ticked meanwhile, the two panics'
//! first sentences (a panic hook keeps these two, and only these, off stderr), then the two fixes.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "sync", "time"] }
//! anyhow = "1"
//! ```

use std::any::Any;
use std::future::Future;
use std::panic;
use std::thread::{self, ThreadId};
use std::time::Duration;

use anyhow::anyhow;
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::sync::oneshot;
use tokio::task;
use tokio::time::{Instant, interval_at};

/// How long each call, async or blocking, takes; the ticker ticks five times meanwhile.
const WORK: Duration = Duration::from_millis(100);
const TICK: Duration = Duration::from_millis(20);

/// The async function that sync code wants to call (a client library's request, say).
async fn async_lookup(id: u32) -> u32 {
    tokio::time::sleep(WORK).await;
    id * 10
}

/// The blocking function that async code wants to call (a sync driver, a C library, `std::fs`).
fn blocking_lookup(id: u32) -> u32 {
    thread::sleep(WORK);
    id * 10
}

/// Sync code with an async call inside: blocks its thread until the future is done. Fine on a
/// plain thread; on a thread that drives the runtime's tasks it panics (`nested_block_on`).
fn sync_caller(handle: &Handle, id: u32) -> u32 {
    handle.block_on(async_lookup(id))
}

/// Async code called from sync code: `main` is not inside the runtime, nor is a thread it starts.
fn sync_to_async(rt: &Runtime) -> anyhow::Result<()> {
    let value = rt.block_on(async_lookup(1));
    println!("sync -> async, from main: rt.block_on(async_lookup(1)) = {value}");

    // A `Handle` is a cheap reference to the runtime, `Clone` and `Send`: it can go to any thread.
    let handle = rt.handle().clone();
    let plain = thread::spawn(move || sync_caller(&handle, 1));
    let value = plain.join().map_err(|_| anyhow!("the plain thread panicked"))?;
    println!("sync -> async, from a plain thread: sync_caller(&handle, 1) = {value}");
    Ok(())
}

/// Blocking code called from async code, while a ticker task shows whether the runtime goes on.
async fn async_to_blocking() -> anyhow::Result<()> {
    let (value, ticks) =
        ticks_during(async { Ok(task::spawn_blocking(|| blocking_lookup(2)).await?) }).await?;
    println!(
        "async -> blocking: spawn_blocking(blocking_lookup(2)) = {value}; {}",
        ticked(ticks.len())
    );

    // `block_in_place` is called from a spawned task, on the worker: `block_on`'s future runs on
    // `main`, which has no worker to hand off. The blocked worker gives its run queue, the ticker
    // included, to another thread (an idle blocking-pool thread, or a new one), every time.
    let ((value, blocked), ticks) = ticks_during(async {
        let job = tokio::spawn(async {
            let value = task::block_in_place(|| blocking_lookup(2));
            (value, thread::current().id())
        });
        Ok(job.await?)
    })
    .await?;
    let on_blocked = ticks.iter().filter(|&&thread| thread == blocked).count();
    println!(
        "async -> blocking: block_in_place(blocking_lookup(2)) = {value}; {}",
        ticked(ticks.len())
    );
    println!(
        "  of those ticks, {on_blocked} on the blocked worker: its tasks moved to another thread"
    );
    Ok(())
}

/// `block_in_place` needs a worker to hand off; a current-thread runtime has none, so it panics.
fn block_in_place_on_current_thread() -> anyhow::Result<()> {
    let rt = Builder::new_current_thread().enable_all().build()?;
    let joined = rt.block_on(rt.spawn(async { task::block_in_place(|| blocking_lookup(2)) }));
    println!("block_in_place on a current-thread runtime panics: {}", panic_text(joined)?);
    Ok(())
}

/// The same sync helper called from inside the runtime: a panic. Then the two fixes.
async fn nested_block_on() -> anyhow::Result<()> {
    let handle = Handle::current();
    let joined = tokio::spawn(async move { sync_caller(&handle, 3) }).await;
    println!("sync_caller(&handle, 3) inside a task panics: {}", panic_text(joined)?);

    // Fix 1: keep the sync helper, run it on the blocking pool, where `block_on` is allowed.
    // (`block_in_place(|| sync_caller(..))` works too, on a multi-thread runtime.)
    let handle = Handle::current();
    let (value, ticks) =
        ticks_during(async { Ok(task::spawn_blocking(move || sync_caller(&handle, 3)).await?) })
            .await?;
    println!("fix: spawn_blocking(sync_caller(&handle, 3)) = {value}; {}", ticked(ticks.len()));

    // Fix 2, when the caller is async anyway: no bridge at all.
    let (value, ticks) = ticks_during(async { Ok(async_lookup(3).await) }).await?;
    println!("fix: async_lookup(3).await = {value}; {}", ticked(ticks.len()));
    Ok(())
}

/// Runs `job` while a spawned task ticks every `TICK`; returns the job's output and the thread
/// each tick ran on.
async fn ticks_during<T>(
    job: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<(T, Vec<ThreadId>)> {
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    // The first tick one period ahead: `interval`'s immediate one would count as progress.
    let mut ticks = interval_at(Instant::now() + TICK, TICK);
    let ticker = tokio::spawn(async move {
        let mut threads = Vec::new();
        loop {
            tokio::select! {
                // Checked first: ticks that piled up while the ticker could not run must not count.
                biased;
                _ = &mut stop_rx => break threads,
                _ = ticks.tick() => threads.push(thread::current().id()),
            }
        }
    });
    let output = job.await;
    // Sending only fails if the ticker is gone, which `ticker.await?` reports.
    let _ = stop_tx.send(());
    let threads = ticker.await?;
    Ok((output?, threads))
}

fn ticked(ticks: usize) -> String {
    format!("ticker ticked {ticks} times meanwhile")
}

/// The first sentence of the panic a joined task ended with; an error if it did not panic.
fn panic_text<T>(joined: Result<T, task::JoinError>) -> anyhow::Result<String> {
    let payload = match joined {
        Ok(_) => return Err(anyhow!("the task returned instead of panicking")),
        Err(e) => e.try_into_panic().map_err(|_| anyhow!("the task was cancelled"))?,
    };
    let message = panic_message(&*payload);
    let first = message.find(". ").map_or(message, |end| &message[..=end]);
    Ok(first.to_owned())
}

/// The text of a panic payload: `panic!` makes a `&'static str` or a `String`.
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&'static str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "(a non-string panic payload)"
    }
}

/// The two panics shown above, printed on stdout; the hook keeps them off stderr. Any other panic
/// still goes to the default hook.
fn hide_expected_panics() {
    const EXPECTED: [&str; 2] = [
        "can call blocking only when running on the multi-threaded runtime",
        "Cannot start a runtime from within a runtime.",
    ];
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let message = info.payload_as_str().unwrap_or_default();
        if !EXPECTED.iter().any(|expected| message.starts_with(expected)) {
            default_hook(info);
        }
    }));
}

fn main() -> anyhow::Result<()> {
    hide_expected_panics();
    // One worker, so that the ticker and the `block_in_place` task start on the same thread.
    let rt = Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    sync_to_async(&rt)?;
    rt.block_on(async_to_blocking())?;
    block_in_place_on_current_thread()?;
    rt.block_on(nested_block_on())
    // Dropping `rt` shuts it down and joins its worker and blocking threads.
}
