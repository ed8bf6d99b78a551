//! `tokio::time::interval`: periodic ticks, the immediate first tick, and missed ticks.
//!
//! An interval's first `tick()` completes at once; after that it completes once per period on a
//! fixed schedule, so time spent between ticks does not push the schedule back. When the loop body
//! overruns and ticks are missed, `MissedTickBehavior` decides what happens: `Burst` (the default)
//! fires the missed ticks back to back to catch up, `Delay` restarts the schedule from the late
//! tick, and `Skip` drops the missed ticks and rejoins the original schedule. Wrapped in
//! tokio-stream's `IntervalStream`, the ticks are a `Stream` that takes adapters (`take` below).
//!
//! Guide: 指南 2.5.2.6 定时器 (interval); 教程 定时器和延迟 (间隔定时器); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example interval
//! ```
//!
//! Prints four ticks of a 50 ms interval (the first at about 0 ms), then for each missed-tick
//! behaviour the times of three ticks of a 100 ms interval after a 250 ms stall:
//! Burst ~350 350 400, Delay ~350 450 550, Skip ~350 400 500.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! tokio-stream = "0.1"
//! ```

use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior, interval, sleep};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::IntervalStream;

/// Takes the ticks at 0 and 100 ms, stalls for 250 ms (standing in for slow work), then returns the
/// times, since the interval started, of the next three ticks.
async fn ticks_after_stall(behavior: MissedTickBehavior) -> Vec<u128> {
    let started = Instant::now();
    let mut ticker = interval(Duration::from_millis(100));
    ticker.set_missed_tick_behavior(behavior);
    ticker.tick().await;
    ticker.tick().await;
    // By the end of this the ticks due at 200 and 300 ms have been missed.
    sleep(Duration::from_millis(250)).await;
    let mut times = Vec::new();
    for _ in 0..3 {
        ticker.tick().await;
        times.push(started.elapsed().as_millis());
    }
    times
}

async fn run() {
    // As a `Stream` (tokio-stream's `IntervalStream`), the ticks take stream adapters.
    let started = Instant::now();
    let mut ticks = IntervalStream::new(interval(Duration::from_millis(50))).take(4);
    let mut i = 0;
    while let Some(_at) = ticks.next().await {
        println!("tick {i} at {} ms", started.elapsed().as_millis());
        i += 1;
    }

    // The three run side by side so the example takes one stall, not three; the results are
    // printed afterwards in a fixed order.
    let (burst, delay, skip) = tokio::join!(
        ticks_after_stall(MissedTickBehavior::Burst),
        ticks_after_stall(MissedTickBehavior::Delay),
        ticks_after_stall(MissedTickBehavior::Skip),
    );
    for (name, times) in [("Burst", burst), ("Delay", delay), ("Skip", skip)] {
        println!("{name:<5}: after the stall, ticks at {times:?} ms");
    }
}

#[tokio::main]
async fn main() {
    run().await;
}
