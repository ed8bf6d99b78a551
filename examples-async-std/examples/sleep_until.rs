//! Sleeping until an instant with async-std, and keeping periodic work on schedule without drift.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/sleep_until.rs`.
//!
//! `task::sleep(period)` measures from whenever it is called, so in a loop the time spent working
//! (and any late wake-up) is added to every period and the schedule drifts. Computing each
//! deadline from the previous one (`next += period`) and sleeping for what is left until it
//! absorbs the work time instead: run `k` starts `k` periods after the start, however long each
//! run took. async-std has no `sleep_until`, so `sleep_until` below is that computation:
//! `deadline.saturating_duration_since(Instant::now())`, zero for a deadline already past, then
//! `task::sleep`.
//!
//! Guide: 教程 定时器和延迟 (高级定时器).
//! The guide waits 5 s, then 1 s per run; this keeps to milliseconds and times the deadline loop against a naive `sleep` loop.
//!
//! Differences from tokio: no `sleep_until` (smol has `Timer::at`): the remaining time is computed
//! from a `std::time::Instant`, and the sleep is armed a moment after that computation, so it can
//! only be late, by as little as the two calls take, never early. async-std's
//! `stream::interval` is *not* the library form of this pattern, as tokio's `interval` is: it
//! re-arms its timer from the moment each tick is taken, not from a fixed grid (see
//! `interval.rs`). async-std has no `join!` macro (its `FutureExt::join` method needs the
//! `unstable` feature); the two loops run side by side under `futures::join!`.
//!
//! ```text
//! cargo run -p examples-async-std --example sleep_until
//! ```
//!
//! Prints one wake at about 100 ms, then five 50 ms-period runs of 20 ms work: about 350 ms in all
//! with `sleep`, about 270 ms with `sleep_until`.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! futures = "0.3"
//! ```

use std::time::{Duration, Instant};

use async_std::task;

const PERIOD: Duration = Duration::from_millis(50);
const WORK: Duration = Duration::from_millis(20);
const RUNS: u32 = 5;

/// Sleeps until `deadline`, or not at all if it has passed: async-std's missing `sleep_until`.
async fn sleep_until(deadline: Instant) {
    task::sleep(deadline.saturating_duration_since(Instant::now())).await;
}

/// Stands in for the periodic job.
async fn work() {
    task::sleep(WORK).await;
}

/// Waits a full period after each run: the work time adds to every period.
async fn naive_loop() -> Duration {
    let started = Instant::now();
    for _ in 0..RUNS {
        task::sleep(PERIOD).await;
        work().await;
    }
    started.elapsed()
}

/// Waits until the next point on a fixed grid: the work time comes out of the period.
async fn scheduled_loop() -> Duration {
    let started = Instant::now();
    let mut next = started;
    for _ in 0..RUNS {
        next += PERIOD;
        sleep_until(next).await;
        work().await;
    }
    started.elapsed()
}

async fn run() {
    let started = Instant::now();
    sleep_until(started + Duration::from_millis(100)).await;
    println!(
        "sleep_until(now + 100 ms) woke after {} ms",
        started.elapsed().as_millis()
    );

    // Both loops run side by side; they only wait on timers, so neither slows the other down.
    let (naive, scheduled) = futures::join!(naive_loop(), scheduled_loop());
    println!(
        "{RUNS} runs, {} ms period, {} ms work each:",
        PERIOD.as_millis(),
        WORK.as_millis()
    );
    println!("  sleep(period) then work: {} ms", naive.as_millis());
    println!("  sleep_until(next):       {} ms", scheduled.as_millis());
}

fn main() {
    task::block_on(run());
}
