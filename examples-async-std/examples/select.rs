//! Selecting with async-std: `futures::select!`, the loser is dropped, and what that costs.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/select.rs`.
//!
//! `select!` polls its branches together and runs the handler of the first to complete; every
//! other branch's future is dropped on the spot. In a loop, that drop happens on every iteration
//! that another branch wins, so a branch must be *cancel-safe*: dropping it part-way must lose
//! nothing. `async_std::channel::Receiver::recv` is cancel-safe (its future only takes a message
//! in the same poll that returns it; while it waits it holds nothing but a listener, which passes
//! on a wake-up it got if it is dropped), and so is an interval's `next()`; a future that has
//! already taken a message out of a channel and is waiting for a second is not, and its first
//! message is lost with it. The fix is to create such a future once, pin it, and poll it by
//! `&mut` across iterations, so that losing a race pauses it instead of destroying it.
//!
//! Guide: 指南 2.5.4.1 并发执行 (select! 宏).
//! The guide races two sleeps and stops there; this shows the loser being dropped, which branches
//! are cancel-safe, messages lost by one that is not, and the fix.
//!
//! Differences from tokio: async-std has no `select!`; the `futures` crate's works on any runtime.
//! Its branches must be `FusedFuture`s (hence `.fuse()`), and a future named by a variable must
//! also be `Unpin` (hence the pinned `Fuse`); like tokio's, it picks at random among ready
//! branches, and `select_biased!` is tokio's `biased;`. async-std's own `FutureExt::race` (needs
//! the `unstable` feature) takes two futures with the same output and, per its source, polls the
//! left one first, so it always picks it when both are ready (its docs leave that unspecified;
//! smol's `race` of the same name picks at random). All three are measured below with two futures
//! that are ready at once. The channel is async-channel's: `recv` gives `Err` once it is closed
//! and empty, not `None`.
//!
//! ```text
//! cargo run -p examples-async-std --example select
//! ```
//!
//! Prints the winner of a race and that the loser was dropped, how often `select!`,
//! `select_biased!` and `race` pick the first of two ready futures; then the values received by a
//! `recv()` loop (all 6), by a pair-reading future recreated each iteration (some lost), and by
//! the same future pinned once (all 6).
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `stream::interval`, `FutureExt::race`
//! futures = "0.3"
//! ```

use std::pin::pin;
use std::time::{Duration, Instant};

use async_std::channel::{self, Receiver};
use async_std::prelude::FutureExt as _;
use async_std::stream::interval;
use async_std::task;
use futures::future::{self, FutureExt};
use futures::stream::StreamExt;
use futures::{select, select_biased};

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
    task::sleep(Duration::from_millis(ms)).await;
    reporter.finished = true;
    label
}

/// Sends [`SENT`] 30 ms apart, then closes the channel.
fn producer() -> Receiver<u32> {
    let (tx, rx) = channel::bounded(8);
    // The `JoinHandle` is dropped at once, which detaches the task (a dropped smol `Task` would
    // cancel it): it ends by itself once every value is sent, or early when the receiver is gone.
    task::spawn(async move {
        for value in SENT {
            task::sleep(Duration::from_millis(30)).await;
            if tx.send(value).await.is_err() {
                break;
            }
        }
    });
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
    let winner = select! {
        w = labelled_sleep("fast (50 ms)", 50).fuse() => w,
        w = labelled_sleep("slow (100 ms)", 100).fuse() => w,
    };
    println!(
        "race: `{winner}` won after {} ms",
        started.elapsed().as_millis()
    );

    // When both are ready in the same poll, `select!` tosses a coin, so neither branch can starve
    // the other in a loop; `select_biased!` and async-std's `race` always take the first.
    let (mut select_first, mut biased_first, mut race_first) = (0, 0, 0);
    for _ in 0..100 {
        select_first += select! {
            x = future::ready(1) => x,
            x = future::ready(0) => x,
        };
        biased_first += select_biased! {
            x = future::ready(1) => x,
            x = future::ready(0) => x,
        };
        race_first += future::ready(1).race(future::ready(0)).await;
    }
    println!(
        "both ready, 100 times: `select!` took the first {select_first} times, \
         `select_biased!` {biased_first}, `race` {race_first}"
    );

    // 1. `recv()` is cancel-safe: losing to the ticker many times loses nothing.
    let rx = producer();
    let mut ticker = interval(Duration::from_millis(10));
    let mut got = Vec::new();
    loop {
        select! {
            value = rx.recv().fuse() => match value {
                Ok(value) => got.push(value),
                Err(_closed) => break,
            },
            _ = ticker.next().fuse() => {}
        }
    }
    println!("recv() in a select loop: got {got:?}");

    // 2. A pair-reading future recreated each iteration: a tick that wins while it holds its first
    // value drops that value with it.
    let rx = producer();
    let mut got = Vec::new();
    loop {
        select! {
            pair = recv_pair(&rx).fuse() => match pair {
                Some(pair) => got.extend(pair),
                None => break,
            },
            _ = ticker.next().fuse() => {}
        }
    }
    let lost = SENT.len() - got.len();
    println!("recv_pair() recreated each iteration: got {got:?}, lost {lost}");

    // 3. The fix: create the future once per pair, pin it, and poll it by `&mut` until it is done.
    // A tick now only ends the borrow; the value the future holds waits inside it.
    let rx = producer();
    let mut got = Vec::new();
    loop {
        // `select!` takes a future named by a variable by `&mut`, so it must be `Unpin`: a
        // `Pin<&mut _>` is.
        let mut pair = pin!(recv_pair(&rx).fuse());
        let pair = loop {
            select! {
                pair = pair => break pair,
                _ = ticker.next().fuse() => {}
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
    task::block_on(run());
}
