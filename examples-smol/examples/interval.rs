//! `smol::Timer::interval`: periodic ticks, the first a period away, and missed ticks.
//!
//! An interval `Timer` is a `Stream`: each `next()` yields the `Instant` the tick was due at, on a
//! fixed schedule that time spent between ticks does not push back. After an overrun it fires the
//! missed ticks back to back (each deadline is the last *deadline* plus the period); to restart or
//! rejoin the schedule instead, call `set_interval` or `set_interval_at`. Differences from tokio:
//! - the first tick is a period away, where `tokio::time::interval`'s is at once;
//!   `Timer::interval_at(Instant::now(), period)` ticks at once too (both shown).
//! - no `MissedTickBehavior`: the timer always does `Burst`; `tick` below writes `Delay`, `Skip`.
//! - tokio's twin needs tokio-stream's `IntervalStream` for a `Stream`; a `Timer` is one already.
//!
//! Guide: 指南 2.5.2.6 定时器 (interval); 教程 定时器和延迟 (间隔定时器); neither says when ticks come.
//!
//! ```text
//! cargo run -p examples-smol --example interval
//! ```
//!
//! Prints four ticks of `Timer::interval(50 ms)` (the first at about 50 ms), the first tick of
//! `interval_at(now, 50 ms)` (about 0 ms), then three ticks after a 250 ms stall for each way of
//! handling missed ones: Burst ~350 350 400, Delay ~350 450 550, Skip ~350 400 500.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! ```

use std::time::{Duration, Instant};

use smol::Timer;
use smol::stream::StreamExt;

/// What to do about ticks missed while the loop was busy; the names are tokio's.
#[derive(Clone, Copy)]
enum MissedTicks {
    /// Fire them all back to back: what `Timer` does by itself.
    Burst,
    /// Fire one now and restart the schedule from here.
    Delay,
    /// Fire one now and rejoin the original schedule, dropping the rest.
    Skip,
}

/// Waits for the next tick of `ticker`, a `period` interval, and then deals with missed ticks as
/// `missed` says.
async fn tick(ticker: &mut Timer, period: Duration, missed: MissedTicks) {
    let due = ticker.next().await.expect("an interval timer yields forever");
    let now = Instant::now();
    // The next tick is already due: at least one tick was missed.
    if now >= due + period {
        match missed {
            MissedTicks::Burst => {}
            MissedTicks::Delay => ticker.set_interval(period),
            MissedTicks::Skip => {
                // The first tick of the original schedule that is still in the future.
                let behind = (now - due).as_nanos() / period.as_nanos();
                let behind = u32::try_from(behind).unwrap_or(u32::MAX);
                let next = due + period.saturating_mul(behind.saturating_add(1));
                ticker.set_interval_at(next, period);
            }
        }
    }
}

/// Takes the ticks at 0 and 100 ms, stalls for 250 ms (standing in for slow work), then returns the
/// times, since the interval started, of the next three ticks.
async fn ticks_after_stall(missed: MissedTicks) -> Vec<u128> {
    let started = Instant::now();
    let period = Duration::from_millis(100);
    // A schedule starting now, like tokio's `interval`, so the numbers compare with its twin.
    let mut ticker = Timer::interval_at(started, period);
    tick(&mut ticker, period, missed).await;
    tick(&mut ticker, period, missed).await;
    // By the end of this the ticks due at 200 and 300 ms have been missed.
    Timer::after(Duration::from_millis(250)).await;
    let mut times = Vec::new();
    for _ in 0..3 {
        tick(&mut ticker, period, missed).await;
        times.push(started.elapsed().as_millis());
    }
    times
}

async fn run() {
    let started = Instant::now();
    let mut ticker = Timer::interval(Duration::from_millis(50));
    for i in 0..4 {
        ticker.next().await;
        println!("tick {i} at {} ms", started.elapsed().as_millis());
    }
    let started = Instant::now();
    let mut ticker = Timer::interval_at(started, Duration::from_millis(50));
    ticker.next().await;
    println!("interval_at(now, 50 ms): tick 0 at {} ms", started.elapsed().as_millis());

    // The three run side by side so the example takes one stall, not three; the results are
    // printed afterwards in a fixed order.
    let (burst, (delay, skip)) = smol::future::zip(
        ticks_after_stall(MissedTicks::Burst),
        smol::future::zip(
            ticks_after_stall(MissedTicks::Delay),
            ticks_after_stall(MissedTicks::Skip),
        ),
    )
    .await;
    for (name, times) in [("Burst", burst), ("Delay", delay), ("Skip", skip)] {
        println!("{name:<5}: after the stall, ticks at {times:?} ms");
    }
}

fn main() {
    smol::block_on(run());
}
