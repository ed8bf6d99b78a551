//! `FutureExt::join`: several futures awaited at once, on one task, done when the slowest is.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/join.rs
//!
//! `a.join(b)` polls both futures concurrently inside the current task: while one waits on a timer
//! or a socket, the other makes progress. That is concurrency, not parallelism (no new task, no
//! other thread): three waits of 100, 150 and 200 ms take about 200 ms together, against 450 ms
//! awaited in turn. `try_join` returns at the first error, dropping the rest. Next to the smol
//! twin:
//! - `join` and `try_join` are `FutureExt` methods (smol: the `zip` and `try_zip` functions), need
//!   the `unstable` feature, and take one other future each, so three nest as `((a, b), c)`;
//! - `futures::join!` takes any number and needs no unstable feature, as on smol (timed here too).
//!
//! Guide: 指南 2.5.4.1 并发执行 (join! 宏); 教程 快速开始; their futures are ready at once, so no overlap shows.
//! ```text
//! cargo run -p examples-async-std --example join
//! ```
//! Prints the joined results with their total time (about 200 ms), the same with `futures::join!`,
//! the same work awaited in turn (about 450 ms), and the error `try_join` returned early.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # for `FutureExt::join` and `try_join`
//! futures = { version = "0.3", default-features = false, features = ["async-await"] }
//! ```

use std::time::{Duration, Instant};

use async_std::prelude::FutureExt;
use async_std::task;

/// Stands in for a request that takes `ms` milliseconds and answers `value`.
async fn fetch(value: u32, ms: u64) -> u32 {
    task::sleep(Duration::from_millis(ms)).await;
    value
}

async fn fail_after(ms: u64) -> Result<u32, String> {
    task::sleep(Duration::from_millis(ms)).await;
    Err(format!("failed after {ms} ms"))
}

async fn run() {
    let started = Instant::now();
    let ((a, b), c) = fetch(1, 100).join(fetch(2, 150)).join(fetch(3, 200)).await;
    println!(
        "join: ({a}, {b}, {c}) after {} ms (the slowest, not the sum)",
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
    let result = async { Ok(fetch(1, 300).await) }.try_join(fail_after(50)).await;
    println!(
        "try_join: {result:?} after {} ms (the slow future was dropped)",
        started.elapsed().as_millis()
    );
}

fn main() {
    task::block_on(run());
}
