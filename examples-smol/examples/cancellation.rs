//! Cancellation: ask a tree of tasks to stop through closed channels, or drop a future or a `Task`.
//!
//! A token asks; the task decides when to stop. One worker checks it between units, another waits
//! on it beside a flooded inbox, the token first; both hold child tokens, so cancelling the parent
//! stops the tree and cancelling a child leaves the parent alone. Dropping a future (a timeout, a
//! losing branch) or a `Task` stops it at its `.await`, and what it held is gone: cancel-safe only
//! if that loses nothing. Differences from tokio:
//! - no `CancellationToken`: the `Token` below is channels that are only ever closed.
//! - no `abort()`: drop the `Task`, or `task.cancel().await` (`None` if it never finished).
//!
//! Guide: 指南 2.5.6.3 取消安全, titled cancel safety but never showing it; this does.
//!
//! ```text
//! cargo run -p examples-smol --example cancellation
//! ```
//!
//! Prints that the stop came as unit 3 began, only that unit finishing after it (about 90 ms in
//! all), and the message worker stopping at once; then what dropped futures and tasks lost or kept.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! futures = "0.3"
//! anyhow = "1"
//! ```

use std::future::Future;
use std::time::{Duration, Instant};

use smol::channel::{self, Receiver, Sender};
use smol::future::FutureExt;
use smol::{Task, Timer};

/// The unit at whose start `run` cancels the tree.
const STOP_AT: u32 = 3;

/// One level of a [`Token`] tree: a channel that is only ever closed, never sent on. `close()`
/// (or dropping its last `Sender`) makes every `recv()` on it fail at once, in every clone.
#[derive(Clone)]
struct Level {
    /// Held, never used, so that the channel stays open until `close` is called on purpose (a
    /// channel also closes by itself once its last sender is dropped).
    _open: Sender<()>,
    closed: Receiver<()>,
}

impl Level {
    fn new() -> Self {
        let (open, closed) = channel::bounded(1);
        Level { _open: open, closed }
    }
}

/// smol's stand-in for tokio-util's `CancellationToken`: cancelled once its own level or any
/// ancestor's is closed, so a parent reaches every descendant and a child reaches no one above it.
#[derive(Clone)]
struct Token {
    /// This token's own level first, then its parent's, up to the root's.
    levels: Vec<Level>,
}

impl Token {
    fn new() -> Self {
        Token { levels: vec![Level::new()] }
    }

    fn child_token(&self) -> Token {
        let mut levels = vec![Level::new()];
        levels.extend(self.levels.iter().cloned());
        Token { levels }
    }

    fn cancel(&self) {
        self.levels[0].closed.close();
    }

    fn is_cancelled(&self) -> bool {
        self.levels.iter().any(|level| level.closed.is_closed())
    }

    /// Pending until this token or an ancestor is cancelled: `recv` on a channel nobody sends on
    /// waits while it is open, and fails at once when it is closed.
    async fn cancelled(&self) {
        let closes = self.levels.iter().map(|level| Box::pin(level.closed.recv()));
        // Nothing is ever sent, so the first `recv` to end ends with `Err`: its channel closed.
        let _closed = futures::future::select_all(closes).await;
    }
}

/// Checks the token only between units: a unit, once started, always completes. Returns how many
/// units it finished.
async fn unit_worker(token: Token, progress: Sender<u32>) -> u32 {
    let mut finished = 0;
    for unit in 1..=100 {
        if token.is_cancelled() {
            break;
        }
        // Nobody listening any more is no reason to stop working.
        let _ = progress.send(unit).await;
        Timer::after(Duration::from_millis(30)).await;
        finished = unit;
    }
    // Runs on every path out of the loop: this is where files are flushed, peers told, etc.
    finished
}

/// Handles its inbox until the token is cancelled, then drains what is already queued. Returns
/// when it stopped and how many messages it drained.
async fn message_worker(token: Token, inbox: Receiver<u64>) -> (Instant, usize) {
    loop {
        // No `select!`: `or` polls its first future first (`biased;` for free). The stop request
        // goes first: polled first, a flooded inbox would win every pass and the stop would wait
        // for as long as messages keep coming.
        let next = async {
            token.cancelled().await;
            None
        }
        .or(async { inbox.recv().await.ok() });
        match next.await {
            // Its handling, which takes a moment.
            Some(_message) => {
                Timer::after(Duration::from_millis(1)).await;
            }
            None => break,
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

async fn run() -> anyhow::Result<()> {
    let parent = Token::new();
    let spare = parent.child_token();
    spare.cancel();
    println!("child cancelled alone: parent cancelled = {}", parent.is_cancelled());

    let started = Instant::now();
    let (progress_tx, progress_rx) = channel::bounded(1);
    let (inbox_tx, inbox_rx) = channel::bounded(8);
    // Both `Task`s are kept and awaited below: dropping one would cancel its worker.
    let units: Task<u32> = smol::spawn(unit_worker(parent.child_token(), progress_tx));
    let messages = smol::spawn(message_worker(parent.child_token(), inbox_rx));
    let flooder = smol::spawn(flood(inbox_tx));
    // Cancel as soon as unit 3 has started: a fixed point in the work, not a guess by timer.
    while let Ok(unit) = progress_rx.recv().await {
        if unit == STOP_AT {
            break;
        }
    }
    parent.cancel();
    let cancelled = Instant::now();
    // Awaiting a `Task` gives the worker's output itself: there is no `JoinError` to unwrap.
    let finished = units.await;
    println!("unit worker: finished {finished} whole units, then cleaned up");
    // Units before STOP_AT were done before the cancel; only the one in hand finishes after it.
    println!(
        "  units finished after the stop (sent as unit {STOP_AT} began): {}",
        finished.saturating_sub(STOP_AT - 1)
    );
    let (stopped, drained) = messages.await;
    let latency = stopped.saturating_duration_since(cancelled).as_millis();
    println!(
        "message worker: stopped {latency} ms after the cancel, then drained {drained} queued"
    );
    flooder.await;
    println!("tree stopped {} ms after start", started.elapsed().as_millis());

    let (tx, rx) = channel::bounded(8);
    tx.send(1).await?;
    tx.send(2).await?;
    let cut = timeout(Duration::from_millis(20), take_three(&rx)).await;
    println!("take_three dropped: {}, still queued: {}", cut.is_none(), rx.len());

    // The same future in a task of its own; `rx` is a cloneable handle, so the task owns one.
    tx.send(1).await?;
    tx.send(2).await?;
    let task = smol::spawn({
        let rx = rx.clone();
        async move { take_three(&rx).await }
    });
    // Cancel once the task has taken both values: a fixed point, not a guess by timer.
    while !rx.is_empty() {
        Timer::after(Duration::from_millis(1)).await;
    }
    let output = task.cancel().await;
    println!("take_three task cancelled: cancel() = {output:?}, still queued: {}", rx.len());

    tx.send(1).await?;
    tx.send(2).await?;
    let mut got = Vec::new();
    let cut = timeout(Duration::from_millis(20), fill_to_three(&rx, &mut got)).await;
    println!("fill_to_three dropped: {}, kept {got:?}", cut.is_none());
    tx.send(3).await?;
    fill_to_three(&rx, &mut got).await;
    println!("fill_to_three called again: {got:?}");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    smol::block_on(run())
}
