//! Selecting in smol: `or` and `race` instead of `select!`, the loser is dropped, and what that costs.
//!
//! `future::or(a, b)` polls both futures and returns the output of the first to complete; the
//! other one is dropped with the `Or` future, on the spot. In a loop, that drop happens on every
//! iteration that another branch wins, so a branch must be *cancel-safe*: dropping it part-way
//! must lose nothing. `smol::channel::Receiver::recv` is cancel-safe (its future takes a message
//! only in the poll that returns it; while it waits it holds just a listener, whose wake-up passes
//! to another receiver if it is dropped), and so is a `Timer`'s `next()`; a future that has
//! already taken a message out of a channel and is waiting for a second is not, and its first
//! message is lost with it. The fix is to create such a future once, pin it, and poll it by `&mut`
//! across iterations, so that losing a race pauses it instead of destroying it.
//!
//! Guide: 指南 2.5.4.1 并发执行 (select! 宏).
//! The guide races two sleeps and stops there; this shows the loser being dropped, which branches
//! are cancel-safe, messages lost by one that is not, and the fix.
//!
//! Differences from tokio: no `select!` macro: `or`/`race` take two futures with the same output,
//! so each branch is an `async` block that maps its result into a small enum, and the `match` comes
//! after the race. `or` is biased to its first future when both are ready, like `select!` with
//! `biased;`; `race` picks one at random, like `select!`'s default: both are measured below with
//! two futures that are ready at once. This file uses `or`, with the channel first.
//!
//! ```text
//! cargo run -p examples-smol --example select
//! ```
//!
//! Prints the winner of a race and that the loser was dropped, how often `or` and `race` pick the
//! first of two ready futures; then the values received by a `recv()` loop (all 6), by a
//! pair-reading future recreated each iteration (some lost), and by the same future pinned once
//! (all 6).
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! ```

use std::pin::pin;
use std::time::{Duration, Instant};

use smol::Timer;
use smol::channel::{self, Receiver};
use smol::future::{self, FutureExt};
use smol::stream::StreamExt;

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
    Timer::after(Duration::from_millis(ms)).await;
    reporter.finished = true;
    label
}

/// What a loop iteration's race produced: the branch we wait for, or a tick of the ticker.
enum Step<T> {
    Done(T),
    Tick,
}

/// Sends [`SENT`] 30 ms apart, then closes the channel.
fn producer() -> Receiver<u32> {
    let (tx, rx) = channel::bounded(8);
    // Detached on purpose: dropping the `Task` would cancel the producer at once. It ends by
    // itself once every value is sent, or early when the receiver is gone.
    smol::spawn(async move {
        for value in SENT {
            Timer::after(Duration::from_millis(30)).await;
            if tx.send(value).await.is_err() {
                break;
            }
        }
    })
    .detach();
    rx
}

/// NOT cancel-safe: if it is dropped after the first `recv`, that value is gone with it.
async fn recv_pair(rx: &Receiver<u32>) -> Option<[u32; 2]> {
    let first = rx.recv().await.ok()?;
    let second = rx.recv().await.ok()?;
    Some([first, second])
}

async fn run() {
    let started = Instant::now();
    let winner = future::or(
        labelled_sleep("fast (50 ms)", 50),
        labelled_sleep("slow (100 ms)", 100),
    )
    .await;
    println!(
        "race: `{winner}` won after {} ms",
        started.elapsed().as_millis()
    );

    // When both are ready in the same poll, `or` always takes its first future; `race` tosses a
    // coin on every poll, so neither side can starve the other in a loop.
    let mut or_first = 0;
    let mut race_first = 0;
    for _ in 0..100 {
        or_first += future::or(future::ready(1), future::ready(0)).await;
        race_first += future::race(future::ready(1), future::ready(0)).await;
    }
    println!("both ready, 100 times: `or` took the first {or_first} times, `race` {race_first}");

    // 1. `recv()` is cancel-safe: losing to the ticker many times loses nothing.
    let rx = producer();
    let mut ticker = Timer::interval(Duration::from_millis(10));
    let mut got = Vec::new();
    loop {
        let step = async { Step::Done(rx.recv().await) }
            .or(async {
                ticker.next().await;
                Step::Tick
            })
            .await;
        match step {
            Step::Done(Ok(value)) => got.push(value),
            Step::Done(Err(_closed)) => break,
            Step::Tick => {}
        }
    }
    println!("recv() in a race loop: got {got:?}");

    // 2. A pair-reading future recreated each iteration: a tick that wins while it holds its first
    // value drops that value with it.
    let rx = producer();
    let mut got = Vec::new();
    loop {
        let step = async { Step::Done(recv_pair(&rx).await) }
            .or(async {
                ticker.next().await;
                Step::Tick
            })
            .await;
        match step {
            Step::Done(Some(pair)) => got.extend(pair),
            Step::Done(None) => break,
            Step::Tick => {}
        }
    }
    let lost = SENT.len() - got.len();
    println!("recv_pair() recreated each iteration: got {got:?}, lost {lost}");

    // 3. The fix: create the future once per pair, pin it, and poll it by `&mut` until it is done.
    // A tick now only drops the `&mut` borrow; the value the future holds waits inside it.
    let rx = producer();
    let mut got = Vec::new();
    loop {
        let mut pair = pin!(recv_pair(&rx));
        let pair = loop {
            let step = async { Step::Done((&mut pair).await) }
                .or(async {
                    ticker.next().await;
                    Step::Tick
                })
                .await;
            if let Step::Done(pair) = step {
                break pair;
            }
        };
        match pair {
            Some(pair) => got.extend(pair),
            None => break,
        }
    }
    println!("recv_pair() pinned and resumed: got {got:?}");
}

fn main() {
    smol::block_on(run());
}
