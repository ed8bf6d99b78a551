//! `async_std::stream::interval`: periodic ticks, the first one a period away, and what happens to missed ticks.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/interval.rs`.
//!
//! An interval is a `Stream` of `()`: each `next()` completes once per period. Its first tick comes
//! one period after it is created; a tick at once is `stream::once(()).chain(interval(..))`. Unlike
//! tokio's and smol's intervals it keeps no fixed schedule: when a tick is taken, `Interval` arms a
//! fresh timer for a whole period from that moment (`poll_next` in `src/stream/interval.rs` is
//! `self.delay = timer_after(interval)`). Time spent between ticks, up to a period, is absorbed, as
//! the timer was already running, but each tick's wake-up latency is added to the schedule (the
//! ticks below drift by a few ms); and after a stall the one missed tick fires at once and the
//! schedule restarts from there, which is tokio's `MissedTickBehavior::Delay`. The other
//! behaviours are not available.
//!
//! Guide: 指南 2.5.2.6 定时器 (interval); 教程 定时器和延迟 (间隔定时器).
//! The guides never say when the first tick comes nor what happens to missed ticks; this measures both, in ms instead of 1 s.
//!
//! Differences from tokio: `stream::interval` needs async-std's `unstable` feature; its first tick
//! comes one period later (tokio's `interval` ticks at once); the ticks come from
//! `StreamExt::next`, not a `tick()` method, and carry no `Instant`; there is no
//! `MissedTickBehavior`: after a stall the interval always behaves like tokio's `Delay` (tokio's
//! default is `Burst`). A fixed schedule (`Burst` or `Skip`) is a loop of sleeps to computed
//! deadlines, as in `sleep_until.rs`.
//!
//! ```text
//! cargo run -p examples-async-std --example interval
//! ```
//!
//! Prints four ticks of `interval(50 ms)` (the first at about 50 ms) and the first tick of
//! `once(()).chain(interval(50 ms))` (at about 0 ms), then the times of three ticks taken after a
//! 250 ms stall: ~350 450 550, tokio's `Delay`.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `stream::interval`
//! ```

use std::time::{Duration, Instant};

use async_std::stream::{self, StreamExt, interval};
use async_std::task;

/// Takes the tick at 100 ms, stalls for 250 ms (standing in for slow work), then returns the times,
/// since the interval started, of the next three ticks. (tokio's twin also takes a tick at 0 ms,
/// which this interval does not have.)
async fn ticks_after_stall() -> Vec<u128> {
    let started = Instant::now();
    let mut ticker = interval(Duration::from_millis(100));
    ticker.next().await;
    // By the end of this the ticks due at 200 and 300 ms have been missed.
    task::sleep(Duration::from_millis(250)).await;
    let mut times = Vec::new();
    for _ in 0..3 {
        ticker.next().await;
        times.push(started.elapsed().as_millis());
    }
    times
}

async fn run() {
    let started = Instant::now();
    let mut ticker = interval(Duration::from_millis(50));
    for i in 0..4 {
        ticker.next().await;
        println!("tick {i} at {} ms", started.elapsed().as_millis());
    }
    let started = Instant::now();
    let mut ticker = stream::once(()).chain(interval(Duration::from_millis(50)));
    ticker.next().await;
    println!(
        "once(()).chain(interval(50 ms)): tick 0 at {} ms",
        started.elapsed().as_millis()
    );

    // One missed-tick behaviour, so one stall; the line reads as its tokio twin's `Delay` line.
    let delay = ticks_after_stall().await;
    println!("Delay: after the stall, ticks at {delay:?} ms");
}

fn main() {
    task::block_on(run());
}
