//! `smol::Timer::at`: wake at an instant, and keep periodic work on schedule without drift.
//!
//! `Timer::after(period)` measures from whenever it is created, so in a loop the time spent working
//! (and any late wake-up) is added to every period and the schedule drifts. Computing each deadline
//! from the previous one (`next += period`) and waiting with `Timer::at(next)` absorbs the work
//! time instead: run `k` starts `k` periods after the start while each run is shorter than the
//! period; a run longer than that makes the next ones start back to back until it catches up.
//! `Timer::interval_at(start + period, period)` is the library form of this pattern. Differences
//! from tokio:
//! - `Timer::at` takes a `std::time::Instant` (tokio's `sleep_until`, its own `Instant`).
//!
//! Guide: 教程 定时器和延迟 (高级定时器); it waits 5 s, then 1 s a run; here ms, against a naive loop.
//!
//! ```text
//! cargo run -p examples-smol --example sleep_until
//! ```
//!
//! Prints one wake at about 100 ms, then five 50 ms-period runs of 20 ms work: about 350 ms in all
//! with `Timer::after`, about 270 ms with `Timer::at`.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! ```

use std::time::{Duration, Instant};

use smol::{Timer, future};

const PERIOD: Duration = Duration::from_millis(50);
const WORK: Duration = Duration::from_millis(20);
const RUNS: u32 = 5;

/// Stands in for the periodic job.
async fn work() {
    Timer::after(WORK).await;
}

/// Waits a full period after each run: the work time adds to every period.
async fn naive_loop() -> Duration {
    let started = Instant::now();
    for _ in 0..RUNS {
        Timer::after(PERIOD).await;
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
        Timer::at(next).await;
        work().await;
    }
    started.elapsed()
}

async fn run() {
    let started = Instant::now();
    Timer::at(started + Duration::from_millis(100)).await;
    println!("Timer::at(now + 100 ms) woke after {} ms", started.elapsed().as_millis());

    // No `join!`: `future::zip` runs both loops side by side; they only wait on timers, so
    // neither slows the other down.
    let (naive, scheduled) = future::zip(naive_loop(), scheduled_loop()).await;
    println!("{RUNS} runs, {} ms period, {} ms work each:", PERIOD.as_millis(), WORK.as_millis());
    println!("  Timer::after(period) then work: {} ms", naive.as_millis());
    println!("  Timer::at(next):                {} ms", scheduled.as_millis());
}

fn main() {
    smol::block_on(run());
}
