//! `join!`: several futures awaited at once, on one task, finishing when the slowest does.
//!
//! `join!` polls all its futures concurrently inside the current task: while one waits on a
//! timer or a socket, the others make progress. That is concurrency, not parallelism (no new
//! task, no other thread), and it is timed here: three waits of 100, 150 and 200 ms take about
//! 200 ms together, against 450 ms when each is awaited in turn. `try_join!` does the same for
//! fallible futures and returns at the first error, dropping the rest.
//!
//! Guide: 指南 2.5.4.1 并发执行 (join! 宏); 教程 快速开始 (基本示例).
//! The guide joins three futures that are ready at once (`async { 1 + 1 }`), which looks the same
//! as running them in turn; here each future waits, and the elapsed time shows the overlap.
//!
//! ```text
//! cargo run -p examples-tokio --example join
//! ```
//!
//! Prints the joined results with their total time (about 200 ms), the same work awaited in turn
//! (about 450 ms), and the error `try_join!` returned early.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! ```

use std::time::Duration;

use tokio::time::{Instant, sleep};

/// Stands in for a request that takes `ms` milliseconds and answers `value`.
async fn fetch(value: u32, ms: u64) -> u32 {
    sleep(Duration::from_millis(ms)).await;
    value
}

async fn fail_after(ms: u64) -> Result<u32, String> {
    sleep(Duration::from_millis(ms)).await;
    Err(format!("failed after {ms} ms"))
}

async fn run() {
    let started = Instant::now();
    let (a, b, c) = tokio::join!(fetch(1, 100), fetch(2, 150), fetch(3, 200));
    println!(
        "join!: ({a}, {b}, {c}) after {} ms (the slowest, not the sum)",
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
    let result = tokio::try_join!(async { Ok(fetch(1, 300).await) }, fail_after(50));
    println!(
        "try_join!: {result:?} after {} ms (the slow future was dropped)",
        started.elapsed().as_millis()
    );
}

#[tokio::main]
async fn main() {
    run().await;
}
