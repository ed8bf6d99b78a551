//! `future::zip`: several futures awaited at once, on one task, finishing when the slowest does.
//!
//! `zip` polls its futures concurrently inside the current task: while one waits on a timer or a
//! socket, the others make progress. That is concurrency, not parallelism (no new task, no other
//! thread): three waits of 100, 150 and 200 ms take about 200 ms together, against 450 ms awaited
//! in turn. `try_zip` returns at the first error, dropping the rest. Differences from tokio:
//! - no `join!`: `zip` and `try_zip` take exactly two futures, nested for more (`((a, b), c)`).
//! - `futures::join!` takes any number and runs on smol just as well (timed here too).
//!
//! Guide: 指南 2.5.4.1 并发执行 (join! 宏); 教程 快速开始; their futures are ready at once, so no overlap shows.
//!
//! ```text
//! cargo run -p examples-smol --example join
//! ```
//!
//! Prints the zipped results with their total time (about 200 ms), the same with `futures::join!`,
//! the same work awaited in turn (about 450 ms), and the error `try_zip` returned early.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! futures = { version = "0.3", default-features = false, features = ["async-await"] }
//! ```

use std::time::{Duration, Instant};

use smol::Timer;
use smol::future::{try_zip, zip};

/// Stands in for a request that takes `ms` milliseconds and answers `value`.
async fn fetch(value: u32, ms: u64) -> u32 {
    Timer::after(Duration::from_millis(ms)).await;
    value
}

async fn fail_after(ms: u64) -> Result<u32, String> {
    Timer::after(Duration::from_millis(ms)).await;
    Err(format!("failed after {ms} ms"))
}

async fn run() {
    let started = Instant::now();
    let ((a, b), c) = zip(zip(fetch(1, 100), fetch(2, 150)), fetch(3, 200)).await;
    println!(
        "zip: ({a}, {b}, {c}) after {} ms (the slowest, not the sum)",
        started.elapsed().as_millis()
    );

    let started = Instant::now();
    let (a, b, c) = futures::join!(fetch(1, 100), fetch(2, 150), fetch(3, 200));
    println!(
        "futures::join!: ({a}, {b}, {c}) after {} ms (the same, with a flat tuple)",
        started.elapsed().as_millis()
    );

    let started = Instant::now();
    let (a, b, c) = (fetch(1, 100).await, fetch(2, 150).await, fetch(3, 200).await);
    println!(
        "awaited in turn: ({a}, {b}, {c}) after {} ms (the sum)",
        started.elapsed().as_millis()
    );

    // The 300 ms future is dropped as soon as the 50 ms one fails.
    let started = Instant::now();
    let result = try_zip(async { Ok(fetch(1, 300).await) }, fail_after(50)).await;
    println!(
        "try_zip: {result:?} after {} ms (the slow future was dropped)",
        started.elapsed().as_millis()
    );
}

fn main() {
    smol::block_on(run());
}
