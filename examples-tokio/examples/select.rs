//! `select!`: the first branch to finish wins, the others are dropped, and what that costs.
//!
//! `select!` polls its branches together and runs the handler of the first to complete; every
//! other branch's future is dropped on the spot, in a loop on every pass another branch wins. So a
//! branch must be *cancel-safe*: dropping it part-way must lose nothing. `mpsc::Receiver::recv` and
//! `Interval::tick` are; a future that took one message and waits for a second is not. The fix:
//! create it once, pin it, poll it by `&mut`, so losing a race only pauses it. A timeout in a loop
//! is the same: `sleep(d)` made anew each pass restarts its countdown and may never fire; keep a
//! deadline (`sleep_until`) or one pinned `Sleep`.
//!
//! Guide: 指南 2.5.4.1 并发执行 (select! 宏); it races two sleeps and stops there.
//!
//! ```text
//! cargo run -p examples-tokio --example select
//! ```
//!
//! The winner of a race and the loser dropped; the values got by a `recv()` loop (all 6), by a
//! pair-reader made anew each pass (some lost), by the same reader pinned once (all 6); a remade
//! timeout never firing, and one with a fixed deadline firing on time.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "sync", "time"] }
//! ```

use std::pin::pin;
use std::time::Duration;

use tokio::sync::mpsc::{self, Receiver};
use tokio::time::{Instant, Sleep, interval, sleep, sleep_until};

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
    println!("race: `{winner}` won after {} ms", started.elapsed().as_millis());

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

    // 4. A 50 ms timeout in a loop that a 10 ms tick keeps winning. `sleep(d)` fixes its deadline
    // when it is made, so one made anew in each pass restarts its countdown and never fires. A
    // deadline fixed once (`sleep_until`) fires on time, as would one `Sleep` pinned before the
    // loop and polled by `&mut`, like `pair` above.
    let limit = Duration::from_millis(50);
    let remade = timeout_in_loop(|| sleep(limit)).await;
    let deadline = Instant::now() + limit;
    let fixed = timeout_in_loop(|| sleep_until(deadline)).await;
    let shown =
        |ms: Option<u128>| ms.map_or("never, in 20 ticks".to_owned(), |ms| format!("{ms} ms"));
    println!(
        "50 ms timeout, remade each pass: {}; sleep_until(deadline): {}",
        shown(remade),
        shown(fixed)
    );
}

/// Races a fresh 10 ms ticker against `timer()` for up to 20 ticks; the ms until the timer won.
async fn timeout_in_loop(mut timer: impl FnMut() -> Sleep) -> Option<u128> {
    let started = Instant::now();
    let mut ticker = interval(Duration::from_millis(10));
    for _ in 0..20 {
        tokio::select! {
            // The tick goes first, so the timer wins only a pass in which it is due and the tick
            // is not (unbiased, a tie would be a coin toss).
            biased;
            _ = ticker.tick() => {}
            _ = timer() => return Some(started.elapsed().as_millis()),
        }
    }
    None
}

#[tokio::main]
async fn main() {
    run().await;
}
