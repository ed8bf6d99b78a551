//! Selecting with async-std: `futures::select!`, the loser is dropped, and what that costs.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/select.rs
//!
//! `select!` runs the first branch to complete and drops the others' futures on the spot, in a loop
//! on every pass another branch wins: a branch must be *cancel-safe*, losing nothing if dropped
//! part-way. `Receiver::recv` is; a future that took one message and waits for a second is not. The
//! fix: create it once, pin it, poll it by `&mut`, so losing a race only pauses it. Next to smol:
//! - `futures::select!` picks at random among ready branches and `select_biased!` the first, where
//!   smol's twin uses futures-lite's `race` (random) and `or` (biased);
//! - async-std's own `FutureExt::race` (`unstable`) takes the first: its docs say that "resolution
//!   will occur in the order that they have been passed" (unspecified only for `try_race`).
//!
//! Guide: 指南 2.5.4.1 并发执行 (select! 宏); it races two sleeps and stops there.
//! ```text
//! cargo run -p examples-async-std --example select
//! ```
//! The winner of a race and the loser dropped; how often `select!`, `select_biased!` and `race`
//! take the first of two ready futures; the values got by a `recv()` loop (all 6), by a pair-reader
//! made anew each pass (some lost), and by the same reader pinned once (all 6).
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
    let mut reporter = DropReporter { label, finished: false };
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
    println!("race: `{winner}` won after {} ms", started.elapsed().as_millis());

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
    // One timer kept across passes, polled through `&mut` by `next()`. A `task::sleep(d)` made
    // anew in each pass would restart its countdown whenever another branch wins, and might never
    // fire: for a deadline in a loop, keep one timer future, or sleep until a fixed `Instant`.
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
