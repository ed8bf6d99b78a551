//! `async_std::stream::interval`: periodic ticks, the first a period away, and missed ticks.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/interval.rs
//!
//! An interval is a `Stream` of `()`: each `next()` completes once per period, the first one a
//! period after the interval is created (for a tick at once, `stream::once(()).chain(..)`). It
//! keeps no fixed schedule: each tick taken arms a fresh timer for a whole period, so wake-up
//! latency adds up (the ticks below drift by a few ms) and, after a stall, the one missed tick
//! fires at once and the schedule restarts from there. Next to the smol twin:
//! - smol's `Timer::interval` keeps a fixed schedule and fires missed ticks back to back (tokio's
//!   `Burst`); async-std's always behaves like tokio's `Delay`, with no other choice;
//! - `stream::interval` needs async-std's `unstable` feature;
//! - tokio's twin needs tokio-stream's `IntervalStream` for a `Stream`; `interval` is one already.
//!
//! Guide: 指南 2.5.2.6 定时器 (interval); 教程 定时器和延迟 (间隔定时器); neither says when ticks come.
//! ```text
//! cargo run -p examples-async-std --example interval
//! ```
//! Prints four ticks of `interval(50 ms)` (the first at about 50 ms), the first tick of
//! `once(()).chain(interval(50 ms))` (about 0 ms), then the three ticks after a 250 ms stall, at
//! about 350, 450 and 550 ms.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `stream::interval`
//! ```

use std::time::{Duration, Instant};

use async_std::stream::{self, StreamExt, interval};
use async_std::task;

// Each tick re-arms the timer a whole period from when it is taken (`poll_next` in async-std's
// `src/stream/interval.rs`: `self.delay = timer_after(interval)`). A fixed schedule (`Burst` or
// `Skip`) is a loop of sleeps to computed deadlines, as in `sleep_until.rs`.

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
    println!("once(()).chain(interval(50 ms)): tick 0 at {} ms", started.elapsed().as_millis());

    // One missed-tick behaviour, so one stall; the line reads as its tokio twin's `Delay` line.
    let delay = ticks_after_stall().await;
    println!("Delay: after the stall, ticks at {delay:?} ms");
}

fn main() {
    task::block_on(run());
}
