//! `select!`: the first branch to finish wins, the others are dropped, and what that costs.
//!
//! `select!` polls its branches together and runs the handler of the first to complete; every
//! other branch's future is dropped on the spot. In a loop, that drop happens on every iteration
//! that another branch wins, so a branch must be *cancel-safe*: dropping it part-way must lose
//! nothing. `mpsc::Receiver::recv`, `sleep` and `Interval::tick` are cancel-safe; a future that
//! has already taken a message out of a channel and is waiting for a second is not, and its first
//! message is lost with it. The fix is to create such a future once, pin it, and poll it by
//! `&mut` across iterations, so that losing a race pauses it instead of destroying it.
//!
//! Guide: 指南 2.5.4.1 并发执行 (select! 宏).
//! The guide races two sleeps and stops there; this shows the loser being dropped, which branches
//! are cancel-safe, messages lost by one that is not, and the fix.
//!
//! ```text
//! cargo run -p examples-tokio --example select
//! ```
//!
//! Prints the winner of a race and that the loser was dropped; then the values received by a
//! `recv()` loop (all 6), by a pair-reading future recreated each iteration (some lost), and by
//! the same future pinned once (all 6).
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "sync", "time"] }
//! ```

use std::pin::pin;
use std::time::Duration;

use tokio::sync::mpsc::{self, Receiver};
use tokio::time::{Instant, interval, sleep};

const SENT: [u32; 6] = [1, 2, 3, 4, 5, 6];

/// Reports a future that is dropped before it finished, so a reader sees the losing branch go.
struct DropReporter {
    label: &'static str,
    finished: bool,
}
impl Drop for DropReporter {
    fn drop(&mut self) {
        if !self.finished {
            println!("{}: dropped before finishing", self.label);
        }
    }
}

async fn labelled_sleep(label: &'static str, ms: u64) -> &'static str {
    let mut reporter = DropReporter {
        label,
        finished: false,
    };
    sleep(Duration::from_millis(ms)).await;
    reporter.finished = true;
    label
}

/// Sends [`SENT`] 30 ms apart, then closes the channel.
fn producer() -> Receiver<u32> {
    let (tx, rx) = mpsc::channel(8);
    tokio::spawn(async move {
        for value in SENT {
            sleep(Duration::from_millis(30)).await;
            if tx.send(value).await.is_err() {
                break;
            }
        }
    });
    rx
}

/// NOT cancel-safe: if it is dropped after the first `recv`, that value is gone with it.
async fn recv_pair(rx: &mut Receiver<u32>) -> Option<[u32; 2]> {
    let first = rx.recv().await?;
    let second = rx.recv().await?;
    Some([first, second])
}

async fn run() {
    let started = Instant::now();
    let winner = tokio::select! {
        w = labelled_sleep("fast (50 ms)", 50) => w,
        w = labelled_sleep("slow (100 ms)", 100) => w,
    };
    println!(
        "race: `{winner}` won after {} ms",
        started.elapsed().as_millis()
    );

    // 1. `recv()` is cancel-safe: losing to the ticker many times loses nothing.
    let mut rx = producer();
    let mut ticker = interval(Duration::from_millis(10));
    let mut got = Vec::new();
    loop {
        tokio::select! {
            value = rx.recv() => match value {
                Some(value) => got.push(value),
                None => break,
            },
            _ = ticker.tick() => {}
        }
    }
    println!("recv() in a select loop: got {got:?}");

    // 2. A pair-reading future recreated each iteration: a tick that wins while it holds its first
    // value drops that value with it.
    let mut rx = producer();
    let mut got = Vec::new();
    loop {
        tokio::select! {
            pair = recv_pair(&mut rx) => match pair {
                Some(pair) => got.extend(pair),
                None => break,
            },
            _ = ticker.tick() => {}
        }
    }
    let lost = SENT.len() - got.len();
    println!("recv_pair() recreated each iteration: got {got:?}, lost {lost}");

    // 3. The fix: create the future once per pair, pin it, and poll it by `&mut` until it is done.
    // A tick now only pauses it; the value it holds waits inside it.
    let mut rx = producer();
    let mut got = Vec::new();
    loop {
        let mut pair = pin!(recv_pair(&mut rx));
        let pair = loop {
            tokio::select! {
                pair = &mut pair => break pair,
                _ = ticker.tick() => {}
            }
        };
        match pair {
            Some(pair) => got.extend(pair),
            None => break,
        }
    }
    println!("recv_pair() pinned and resumed: got {got:?}");
}

#[tokio::main]
async fn main() {
    run().await;
}
