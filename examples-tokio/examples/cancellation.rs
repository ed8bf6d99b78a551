//! Cancellation: ask a tree of tasks to stop with a `CancellationToken`, versus dropping a future.
//!
//! A token asks; the task decides when to stop. One worker checks it between units of work, so a
//! unit is never cut in half and its cleanup after the loop always runs; another waits in
//! `select!` on `token.cancelled()` beside its inbox. Both hold child tokens, so cancelling the
//! parent stops the whole tree, while cancelling a child leaves the parent alone. Dropping a future
//! (as `timeout` or a losing `select!` branch does) is the other kind of cancellation: it stops at
//! the current `.await` and whatever the future held in its own variables is gone. A future is
//! cancel-safe when dropping it before it completes loses nothing: `mpsc::Receiver::recv` is (a
//! message is either returned or still queued); a future that has moved messages into its own
//! local `Vec` is not.
//!
//! Guide: 指南 2.5.6.3 取消安全.
//! The guide's section is titled cancel safety but never shows it; here a dropped future loses two messages, and the cancel-safe version keeps them.
//!
//! ```text
//! cargo run -p examples-tokio --example cancellation
//! ```
//!
//! Prints that the unit worker finished 3 whole units after the cancel (about 90 ms), what the
//! message worker handled, then the messages lost by a dropped future and kept by its fix.
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
        if token.is_cancelled() {
            break;
        }
        // Nobody listening any more is no reason to stop working.
        let _ = progress.send(unit).await;
        sleep(Duration::from_millis(30)).await;
        finished = unit;
    }
    // Runs on every path out of the loop: this is where files are flushed, peers told, etc.
    format!("unit worker: finished {finished} whole units, then cleaned up")
}

/// Waits on its inbox and on the token at once.
async fn message_worker(token: CancellationToken, mut inbox: mpsc::Receiver<&str>) -> String {
    let mut handled = Vec::new();
    loop {
        tokio::select! {
            // Queued messages first, then the stop request; `recv` is cancel-safe, so losing
            // the race to `cancelled()` drops no message.
            biased;
            Some(message) = inbox.recv() => handled.push(message),
            () = token.cancelled() => break,
        }
    }
    format!("message worker: handled {handled:?}, stopped while waiting for more")
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
    println!(
        "child cancelled alone: parent cancelled = {}",
        parent.is_cancelled()
    );

    let started = Instant::now();
    let (progress_tx, mut progress_rx) = mpsc::channel(1);
    let (inbox_tx, inbox_rx) = mpsc::channel(8);
    let units = tokio::spawn(unit_worker(parent.child_token(), progress_tx));
    let messages = tokio::spawn(message_worker(parent.child_token(), inbox_rx));
    inbox_tx.send("a").await?;
    inbox_tx.send("b").await?;
    // Cancel as soon as unit 3 has started: a fixed point in the work, not a guess by timer.
    while let Some(unit) = progress_rx.recv().await {
        if unit == 3 {
            break;
        }
    }
    parent.cancel();
    println!("{}", units.await?);
    println!("{}", messages.await?);
    println!(
        "tree stopped {} ms after start",
        started.elapsed().as_millis()
    );

    let (tx, mut rx) = mpsc::channel(8);
    tx.send(1).await?;
    tx.send(2).await?;
    let cut = timeout(Duration::from_millis(20), take_three(&mut rx)).await;
    println!(
        "take_three dropped: {}, still queued: {}",
        cut.is_err(),
        rx.len()
    );

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
