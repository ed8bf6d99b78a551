//! Sleeping until an instant with async-std, and keeping periodic work on schedule without drift.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/sleep_until.rs
//!
//! `task::sleep(period)` measures from whenever it is called, so in a loop the time spent working
//! (and any late wake-up) is added to every period and the schedule drifts. Computing each deadline
//! from the previous one (`next += period`) and sleeping for what is left until it absorbs the work
//! time instead: run `k` starts `k` periods after the start while each run is shorter than the
//! period; a run longer than that makes the next ones start back to back until it catches up.
//! Next to the smol twin:
//! - no `Timer::at`: `sleep_until` below sleeps `deadline.saturating_duration_since(now)` (zero
//!   once past), armed just after that is computed, so it can only be late, never early;
//! - `stream::interval` is no substitute: it re-arms from each tick taken (see `interval.rs`).
//!
//! Guide: 教程 定时器和延迟 (高级定时器); it waits 5 s, then 1 s a run; here ms, against a naive loop.
//! ```text
//! cargo run -p examples-async-std --example sleep_until
//! ```
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
    println!("sleep_until(now + 100 ms) woke after {} ms", started.elapsed().as_millis());

    // Both loops run side by side; they only wait on timers, so neither slows the other down.
    let (naive, scheduled) = futures::join!(naive_loop(), scheduled_loop());
    println!("{RUNS} runs, {} ms period, {} ms work each:", PERIOD.as_millis(), WORK.as_millis());
    println!("  sleep(period) then work: {} ms", naive.as_millis());
    println!("  sleep_until(next):       {} ms", scheduled.as_millis());
}

fn main() {
    task::block_on(run());
}
