//! `sleep_until`: wake at an instant, and keep periodic work on schedule without drift.
//!
//! `sleep(period)` measures from whenever it is called, so in a loop the time spent working (and
//! any late wake-up) is added to every period and the schedule drifts. Computing each deadline
//! from the previous one (`next += period`) and waiting with `sleep_until(next)` absorbs the work
//! time instead: run `k` starts `k` periods after the start while each run is shorter than the
//! period; a run longer than that makes the next ones start back to back until it catches up.
//! `tokio::time::interval` is the library form of this pattern (its default catch-up is that
//! burst, `MissedTickBehavior::Burst`); reach for it in real code.
//!
//! Guide: 教程 定时器和延迟 (高级定时器); it waits 5 s, then 1 s a run; here ms, against a naive loop.
//!
//! ```text
//! cargo run -p examples-tokio --example sleep_until
//! ```
//!
//! Prints one wake at about 100 ms, then five 50 ms-period runs of 20 ms work: about 350 ms in all
//! with `sleep`, about 270 ms with `sleep_until`.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! ```

use std::time::Duration;

use tokio::time::{Instant, sleep, sleep_until};

const PERIOD: Duration = Duration::from_millis(50);
const WORK: Duration = Duration::from_millis(20);
const RUNS: u32 = 5;

/// Stands in for the periodic job.
async fn work() {
    sleep(WORK).await;
}

/// Waits a full period after each run: the work time adds to every period.
async fn naive_loop() -> Duration {
    let started = Instant::now();
    for _ in 0..RUNS {
        sleep(PERIOD).await;
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
    let (naive, scheduled) = tokio::join!(naive_loop(), scheduled_loop());
    println!("{RUNS} runs, {} ms period, {} ms work each:", PERIOD.as_millis(), WORK.as_millis());
    println!("  sleep(period) then work: {} ms", naive.as_millis());
    println!("  sleep_until(next):       {} ms", scheduled.as_millis());
}

#[tokio::main]
async fn main() {
    run().await;
}
