//! Selecting in smol: `or` and `race` instead of `select!`, the loser dropped, and what that costs.
//!
//! `or(a, b)` returns the first output and drops the other future on the spot, in a loop on every
//! pass another branch wins: a branch must be *cancel-safe*, losing nothing if dropped part-way.
//! `Receiver::recv` is; a future that took one message and waits for a second is not. The fix:
//! create it once, pin it, poll it by `&mut`, so losing a race only pauses it. A timeout in a loop
//! is the same: `Timer::after(d)` made anew each pass restarts; keep a deadline or one `Timer`.
//! Differences from tokio:
//! - no `select!`: `or`/`race` take two futures of one output type, so each branch maps into an
//!   enum; `or` is biased to its first future (`biased;`), `race` picks at random (the default).
//!
//! Guide: 指南 2.5.4.1 并发执行 (select! 宏); it races two sleeps and stops there.
//!
//! ```text
//! cargo run -p examples-smol --example select
//! ```
//!
//! The winner of a race and the loser dropped; how often `or` and `race` take the first of two
//! ready futures; the values got by a `recv()` loop (all 6), by a pair-reader made anew each pass
//! (some lost), by the same reader pinned once (all 6); a remade timeout never firing.
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
    let mut reporter = DropReporter { label, finished: false };
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
    let winner =
        future::or(labelled_sleep("fast (50 ms)", 50), labelled_sleep("slow (100 ms)", 100)).await;
    println!("race: `{winner}` won after {} ms", started.elapsed().as_millis());

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
    // One timer kept across passes; `next()` polls it through `&mut`, so a lost race leaves it
    // counting (section 4 shows what a timer made anew in each pass does instead).
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

    // 4. A 50 ms timeout in a loop that a 10 ms tick keeps winning. `Timer::after(d)` fixes its
    // deadline when it is made, so one made anew in each pass restarts its countdown and never
    // fires. A deadline fixed once (`Timer::at`) fires on time, as would one `Timer` kept across
    // passes and polled by `&mut`, like `ticker` above.
    let limit = Duration::from_millis(50);
    let remade = timeout_in_loop(|| Timer::after(limit)).await;
    let deadline = Instant::now() + limit;
    let fixed = timeout_in_loop(|| Timer::at(deadline)).await;
    let shown =
        |ms: Option<u128>| ms.map_or("never, in 20 ticks".to_owned(), |ms| format!("{ms} ms"));
    println!(
        "50 ms timeout, remade each pass: {}; Timer::at(deadline): {}",
        shown(remade),
        shown(fixed)
    );
}

/// Races a fresh 10 ms ticker against `timer()` for up to 20 ticks; the ms until the timer won.
async fn timeout_in_loop(mut timer: impl FnMut() -> Timer) -> Option<u128> {
    let started = Instant::now();
    let mut ticker = Timer::interval(Duration::from_millis(10));
    for _ in 0..20 {
        // The tick goes first: when both are ready, `or` takes the tick, so the timer wins only a
        // pass in which it is due and the tick is not.
        let step = async {
            ticker.next().await;
            Step::Tick
        }
        .or(async { Step::Done(timer().await) })
        .await;
        if let Step::Done(_) = step {
            return Some(started.elapsed().as_millis());
        }
    }
    None
}

fn main() {
    smol::block_on(run());
}
