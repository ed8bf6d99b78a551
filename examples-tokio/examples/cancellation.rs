//! Cancellation: ask a tree of tasks to stop with a `CancellationToken`, versus dropping a future.
//!
//! A token asks; the task decides when to stop. One worker checks it between units of work, so a
//! unit is never cut in half and its cleanup always runs; another waits in `select!` on
//! `token.cancelled()` beside a flooded inbox, the token first under `biased;` (or a busy inbox
//! holds the stop off while it stays busy), and drains the queue after. Both hold child tokens:
//! cancelling the parent stops the tree, cancelling a child leaves the parent alone. Dropping a
//! future (a `timeout`, a losing branch) stops it at its `.await`, and what it held in its own
//! variables is gone: it was cancel-safe only if that loses nothing.
//!
//! Guide: 指南 2.5.6.3 取消安全, titled cancel safety but never showing it; this does.
//!
//! ```text
//! cargo run -p examples-tokio --example cancellation
//! ```
//!
//! Prints that the stop came as unit 3 began, so only that unit finished after it (about 90 ms in
//! all), the message worker stopping at once; then the messages a dropped future lost or kept.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "sync", "time"] }
//! tokio-util = "0.7"
//! anyhow = "1"
//! ```

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, timeout};
use tokio_util::sync::CancellationToken;

/// Checks the token only between units: a unit, once started, always completes.
async fn unit_worker(token: CancellationToken, progress: mpsc::Sender<u32>) -> String {
    let mut finished = 0;
    for unit in 1..=100 {
        // Reporting is an `.await` too: the caller stops reading once it has cancelled, so a
        // `send` that did not watch the token could wait forever on a full channel.
        tokio::select! {
            biased;
            () = token.cancelled() => break,
            // Nobody listening any more is no reason to stop working.
            _ = progress.send(unit) => {}
        }
        sleep(Duration::from_millis(30)).await;
        finished = unit;
    }
    // Runs on every path out of the loop: this is where files are flushed, peers told, etc.
    format!("unit worker: finished {finished} whole units, then cleaned up")
}

/// Handles its inbox until the token is cancelled, then drains what is already queued. Returns
/// when it stopped and how many messages it drained.
async fn message_worker(
    token: CancellationToken,
    mut inbox: mpsc::Receiver<u64>,
) -> (Instant, usize) {
    loop {
        tokio::select! {
            // The stop request first. With `recv` first, a flooded inbox wins every pass: each
            // message's handling awaits, so each pass is a fresh poll that tokio's cooperative
            // budget never cuts short, and the token would not be looked at while messages last.
            biased;
            () = token.cancelled() => break,
            Some(_message) = inbox.recv() => sleep(Duration::from_millis(1)).await, // its handling
        }
    }
    let stopped = Instant::now();
    // Senders now fail, and what they queued before is still ours to take, without waiting.
    inbox.close();
    let mut drained = 0;
    while inbox.try_recv().is_ok() {
        drained += 1;
    }
    (stopped, drained)
}

/// Keeps `inbox` full for up to 2 s, or until it is closed.
async fn flood(inbox: mpsc::Sender<u64>) {
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < Duration::from_secs(2) && inbox.send(n).await.is_ok() {
        n += 1;
    }
}

/// Cancel-safe: progress goes into the caller's buffer, so a dropped call loses nothing.
async fn fill_to_three(rx: &mut mpsc::Receiver<u32>, got: &mut Vec<u32>) {
    while got.len() < 3 {
        let Some(value) = rx.recv().await else { break };
        got.push(value);
    }
}

/// Not cancel-safe: the same loop, but the buffer is a local that dies with the future.
async fn take_three(rx: &mut mpsc::Receiver<u32>) -> Vec<u32> {
    let mut got = Vec::new();
    fill_to_three(rx, &mut got).await;
    got
}

async fn run() -> anyhow::Result<()> {
    let parent = CancellationToken::new();
    let spare = parent.child_token();
    spare.cancel();
    println!("child cancelled alone: parent cancelled = {}", parent.is_cancelled());

    let started = Instant::now();
    let (progress_tx, mut progress_rx) = mpsc::channel(1);
    let (inbox_tx, inbox_rx) = mpsc::channel(8);
    let units = tokio::spawn(unit_worker(parent.child_token(), progress_tx));
    let messages = tokio::spawn(message_worker(parent.child_token(), inbox_rx));
    let flooder = tokio::spawn(flood(inbox_tx));
    // Cancel as soon as unit 3 has started: a fixed point in the work, not a guess by timer.
    while let Some(unit) = progress_rx.recv().await {
        if unit == 3 {
            break;
        }
    }
    parent.cancel();
    let cancelled = Instant::now();
    println!("{}", units.await?);
    let (stopped, drained) = messages.await?;
    let latency = stopped.saturating_duration_since(cancelled).as_millis();
    println!(
        "message worker: stopped {latency} ms after the cancel, then drained {drained} queued"
    );
    flooder.await?;
    println!("tree stopped {} ms after start", started.elapsed().as_millis());

    let (tx, mut rx) = mpsc::channel(8);
    tx.send(1).await?;
    tx.send(2).await?;
    let cut = timeout(Duration::from_millis(20), take_three(&mut rx)).await;
    println!("take_three dropped: {}, still queued: {}", cut.is_err(), rx.len());

    tx.send(1).await?;
    tx.send(2).await?;
    let mut got = Vec::new();
    let cut = timeout(Duration::from_millis(20), fill_to_three(&mut rx, &mut got)).await;
    println!("fill_to_three dropped: {}, kept {got:?}", cut.is_err());
    tx.send(3).await?;
    fill_to_three(&mut rx, &mut got).await;
    println!("fill_to_three called again: {got:?}");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
