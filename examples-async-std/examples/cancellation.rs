//! Cancellation: a closed channel as stop signal, `JoinHandle::cancel`, and dropping a future.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/cancellation.rs
//!
//! A stop signal asks; the task decides when to stop. Here it is a channel nobody sends on:
//! dropping its one `Sender` closes it for every `Receiver` clone; one worker checks it between
//! units, another waits on it first, beside a flooded inbox. `cancel().await` stops a task without
//! asking; dropping a future (`timeout`, a losing branch) does the same, and what it held is gone:
//! it was cancel-safe only if that loses nothing. Next to the smol twin:
//! - one channel, no child tokens: `close()` on any clone closes it for all (the first line below);
//! - a dropped `JoinHandle` detaches its task, where a dropped smol `Task` cancels it.
//!
//! Guide: 指南 2.5.6.3 取消安全, titled cancel safety but never showing it; this does.
//! ```text
//! cargo run -p examples-async-std --example cancellation
//! ```
//! Prints that closing one clone closed all; that the stop came as unit 3 began and only that unit
//! finished after it (about 90 ms in all), the message worker at once; that a detached task kept
//! ticking and a cancelled one did not; then what a dropped future lost and its fix kept.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! futures = "0.3"
//! anyhow = "1"
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::{Duration, Instant};

use async_std::channel::{self, Receiver, Sender};
use async_std::future::timeout;
use async_std::task;
use futures::{FutureExt, select_biased};

/// The unit at whose start `run` sends the stop.
const STOP_AT: u32 = 3;

/// Checks the stop signal only between units: a unit, once started, always completes. Returns how
/// many units it finished.
async fn unit_worker(stop: Receiver<()>, progress: Sender<u32>) -> u32 {
    let mut finished = 0;
    for unit in 1..=100 {
        if stop.is_closed() {
            break;
        }
        // Nobody listening any more is no reason to stop working.
        let _ = progress.send(unit).await;
        task::sleep(Duration::from_millis(30)).await;
        finished = unit;
    }
    // Runs on every path out of the loop: this is where files are flushed, peers told, etc.
    finished
}

/// Handles its inbox until `stop` closes, then drains what is already queued. Returns when it
/// stopped and how many messages it drained.
async fn message_worker(stop: Receiver<()>, inbox: Receiver<u64>) -> (Instant, usize) {
    loop {
        // `select_biased!` (from `futures`) is tokio's `select!` with `biased;`.
        select_biased! {
            // The stop request first: polled first, a flooded inbox would win every pass and the
            // stop would wait for as long as messages keep coming. Nothing is ever sent on
            // `stop`: this completes, with `Err`, once it is closed.
            _ = stop.recv().fuse() => break,
            // `recv` is cancel-safe: losing the race to the stop signal drops no message.
            message = inbox.recv().fuse() => match message {
                Ok(_message) => task::sleep(Duration::from_millis(1)).await, // its handling
                Err(_closed) => break,
            },
        }
    }
    let stopped = Instant::now();
    // Senders now fail; what they queued before is still ours to take, without waiting.
    inbox.close();
    let mut drained = 0;
    while inbox.try_recv().is_ok() {
        drained += 1;
    }
    (stopped, drained)
}

/// Keeps `inbox` full for up to 2 s, or until it is closed.
async fn flood(inbox: Sender<u64>) {
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < Duration::from_secs(2) && inbox.send(n).await.is_ok() {
        n += 1;
    }
}

/// Ticks `ticks` every 10 ms until `stop` closes. `_alive` is dropped when the task ends, however
/// it ends, which closes the channel behind it.
async fn ticker(ticks: Arc<AtomicU32>, stop: Receiver<()>, _alive: Sender<()>) {
    while !stop.is_closed() {
        task::sleep(Duration::from_millis(10)).await;
        ticks.fetch_add(1, Relaxed);
    }
}

/// How many times `ticks` moves in the next 50 ms: 0 means its task really stopped.
async fn ticks_in_next_50_ms(ticks: &AtomicU32) -> u32 {
    let before = ticks.load(Relaxed);
    task::sleep(Duration::from_millis(50)).await;
    ticks.load(Relaxed) - before
}

/// Cancel-safe: progress goes into the caller's buffer, so a dropped call loses nothing.
async fn fill_to_three(rx: &Receiver<u32>, got: &mut Vec<u32>) {
    while got.len() < 3 {
        let Ok(value) = rx.recv().await else { break };
        got.push(value);
    }
}

/// Not cancel-safe: the same loop, but the buffer is a local that dies with the future.
async fn take_three(rx: &Receiver<u32>) -> Vec<u32> {
    let mut got = Vec::new();
    fill_to_three(rx, &mut got).await;
    got
}

async fn run() -> anyhow::Result<()> {
    // The `Sender` stays alive, so what closes the channel is `close()` on the clone alone. So a
    // subtree that must stop on its own needs a channel of its own, and its tasks wait on both.
    let (_spare_tx, spare) = channel::bounded::<()>(1);
    let clone = spare.clone();
    clone.close();
    println!("clone closed alone: original closed = {}", spare.is_closed());

    let started = Instant::now();
    let (stop_tx, stop) = channel::bounded::<()>(1);
    let (progress_tx, progress_rx) = channel::bounded(1);
    let (inbox_tx, inbox_rx) = channel::bounded(8);
    let units = task::spawn(unit_worker(stop.clone(), progress_tx));
    let messages = task::spawn(message_worker(stop.clone(), inbox_rx));
    let flooder = task::spawn(flood(inbox_tx));
    // Stop as soon as unit 3 has started: a fixed point in the work, not a guess by timer.
    while let Ok(unit) = progress_rx.recv().await {
        if unit == STOP_AT {
            break;
        }
    }
    // The only `Sender` goes: the channel closes, and every clone of `stop` sees it.
    drop(stop_tx);
    let stopped_at = Instant::now();
    // No `?`: awaiting a `JoinHandle` gives the task's output itself.
    let finished = units.await;
    println!("unit worker: finished {finished} whole units, then cleaned up");
    // Units before STOP_AT were done before the stop; only the one in hand finishes after it.
    println!(
        "  units finished after the stop (sent as unit {STOP_AT} began): {}",
        finished.saturating_sub(STOP_AT - 1)
    );
    let (stopped, drained) = messages.await;
    let latency = stopped.saturating_duration_since(stopped_at).as_millis();
    println!("message worker: stopped {latency} ms after the stop, then drained {drained} queued");
    flooder.await;
    println!("tree stopped {} ms after start", started.elapsed().as_millis());

    // Dropping the handle detaches the task: it goes on until it stops by itself.
    let ticks = Arc::new(AtomicU32::new(0));
    let (stop_tx, stop) = channel::bounded::<()>(1);
    let (alive_tx, alive) = channel::bounded::<()>(1);
    drop(task::spawn(ticker(ticks.clone(), stop, alive_tx)));
    println!(
        "JoinHandle dropped: the task ticked {} times in the next 50 ms (detached, not cancelled)",
        ticks_in_next_50_ms(&ticks).await
    );
    drop(stop_tx);
    // `recv` fails once the task has ended and dropped `_alive`; nothing is ever sent.
    if alive.recv().await.is_err() {
        println!("  closing its stop channel ended it (no handle is left to cancel it)");
    }

    // `cancel().await` stops a task without its cooperation: this one's stop channel stays open.
    // It is tokio's `abort()` and `await` in one: it returns once the future is dropped, with
    // `Some(output)` if the task had already finished and `None` if it was cut short.
    let ticks = Arc::new(AtomicU32::new(0));
    let (_stop_tx, stop) = channel::bounded::<()>(1);
    let (alive_tx, _alive) = channel::bounded::<()>(1);
    let handle = task::spawn(ticker(ticks.clone(), stop, alive_tx));
    task::sleep(Duration::from_millis(25)).await;
    let output = handle.cancel().await;
    println!(
        "cancel().await returned {output:?}, then the task ticked {} times in 50 ms",
        ticks_in_next_50_ms(&ticks).await
    );

    let (tx, rx) = channel::bounded(8);
    tx.send(1).await?;
    tx.send(2).await?;
    let cut = timeout(Duration::from_millis(20), take_three(&rx)).await;
    println!("take_three dropped: {}, still queued: {}", cut.is_err(), rx.len());

    tx.send(1).await?;
    tx.send(2).await?;
    let mut got = Vec::new();
    let cut = timeout(Duration::from_millis(20), fill_to_three(&rx, &mut got)).await;
    println!("fill_to_three dropped: {}, kept {got:?}", cut.is_err());
    tx.send(3).await?;
    fill_to_three(&rx, &mut got).await;
    println!("fill_to_three called again: {got:?}");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
