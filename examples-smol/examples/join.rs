//! `future::zip`: several futures awaited at once, on one task, finishing when the slowest does.
//!
//! `zip` polls its futures concurrently inside the current task: while one waits on a timer or a
//! socket, the others make progress. That is concurrency, not parallelism (no new task, no other
//! thread), and it is timed here: three waits of 100, 150 and 200 ms take about 200 ms together,
//! against 450 ms when each is awaited in turn. `try_zip` does the same for fallible futures and
//! returns at the first error, dropping the rest.
//!
//! Guide: 指南 2.5.4.1 并发执行 (join! 宏); 教程 快速开始 (基本示例).
//! The guide joins three futures that are ready at once (`async { 1 + 1 }`), which looks the same
//! as running them in turn; here each future waits, and the elapsed time shows the overlap.
//!
//! Differences from tokio: futures-lite has no `join!` macro: `zip` and `try_zip` are functions of
//! exactly two futures, nested for more, which nests the results too (`((a, b), c)`). The `futures`
//! crate's `join!` and `try_join!` take any number of futures and run on smol just as well (timed
//! here too), at the cost of one more dependency.
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
    let (a, b, c) = (
        fetch(1, 100).await,
        fetch(2, 150).await,
        fetch(3, 200).await,
    );
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
