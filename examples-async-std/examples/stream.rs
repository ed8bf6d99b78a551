//! Streams with `futures::stream`: lazy adapters, `while let` over `next()`, and async steps.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/stream.rs
//!
//! A `Stream` is the async `Iterator`: adapters such as `filter` and `map` build a pipeline that
//! does nothing until polled (`collect`, or `next().await` in a loop). An async step per item goes
//! in `then`, one item at a time; for independent steps, `map` to futures plus `buffered(n)` runs
//! up to `n` at once and still yields in input order. Next to the smol twin:
//! - `async_std::stream::Stream` *is* `futures_core::Stream`, so `futures`' adapters apply as is;
//!   async-std's `StreamExt` lacks `then` and `buffered` and, imported beside `futures`', makes
//!   shared names ambiguous, so only `futures`' is used (smol's calls `buffered` by full path).
//! - tokio's twin adds tokio-stream's per-item `timeout`; async-std has its own, behind `unstable`.
//!
//! Guide: 指南 2.5.4.2 流处理; 2.5.3.2 任务和流 (流处理); its snippet misses imports; this builds as is.
//! ```text
//! cargo run -p examples-async-std --example stream
//! ```
//! Prints the doubled even numbers `[4, 8, 12, 16, 20]`, three word lengths taken with `while let`
//! (about 110 ms with `then`), then the same lengths in input order from `buffered(3)` in about 50
//! ms, although the last word's step finished first.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! futures = "0.3"
//! ```

use std::pin::pin;
use std::time::{Duration, Instant};

use async_std::task;
use futures::future;
use futures::stream::{self, StreamExt};

const WORDS: [&str; 3] = ["alpha", "beta", "pi"];

/// Stands in for an async lookup per item; it takes 10 ms per letter, so among `WORDS` the later
/// ones finish first.
async fn measure(word: &'static str) -> (&'static str, usize) {
    task::sleep(Duration::from_millis(10 * word.len() as u64)).await;
    (word, word.len())
}

async fn run() {
    // `filter` takes its predicate's answer as a future; `ready` wraps a plain bool.
    let doubled_evens: Vec<i32> =
        stream::iter(1..=10).filter(|x| future::ready(x % 2 == 0)).map(|x| x * 2).collect().await;
    println!("even numbers in 1..=10, doubled: {doubled_evens:?}");

    let started = Instant::now();
    // `then` keeps the in-flight future inside the stream, which makes the stream `!Unpin`;
    // `next()` needs `Unpin`, so pin it to the stack first.
    let mut lengths = pin!(stream::iter(WORDS).then(measure));
    println!("then, one step at a time:");
    while let Some((word, len)) = lengths.next().await {
        println!("  {word}: {len}");
    }
    println!("  50 + 40 + 20 ms of steps took {} ms", started.elapsed().as_millis());

    let started = Instant::now();
    let lengths: Vec<_> = stream::iter(WORDS).map(measure).buffered(3).collect().await;
    println!("buffered(3), input order kept: {lengths:?}");
    println!("  the same steps took {} ms", started.elapsed().as_millis());
}

fn main() {
    task::block_on(run());
}
