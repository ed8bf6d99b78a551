//! Streams with `futures::stream`: lazy adapters, `while let` over `next()`, and async steps.
//!
//! A `Stream` is the async `Iterator`: adapters such as `filter` and `map` build a pipeline that
//! does nothing until something polls it (`collect`, or `next().await` in a loop). An async step
//! per item goes in `then`, which finishes one item's future before pulling the next; when the
//! steps are independent, `map` to futures plus `buffered(n)` runs up to `n` at once and still
//! yields in input order. tokio's own stream helpers live in the separate `tokio-stream` crate,
//! such as `timeout`, a deadline per item; the rest uses `futures`, as the guide does.
//!
//! Guide: 指南 2.5.4.2 流处理; 2.5.3.2 任务和流 (流处理); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example stream
//! ```
//!
//! Prints the doubled even numbers `[4, 8, 12, 16, 20]`, three word lengths taken with `while let`
//! (about 110 ms with `then`), then the same lengths in input order from `buffered(3)` in about
//! 50 ms, although the last word's step finished first; then `late` before an 80 ms item.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! futures = "0.3"
//! tokio-stream = "0.1"
//! ```

use std::pin::pin;
use std::time::Duration;

use futures::future;
use futures::stream::{self, StreamExt};
use tokio::time::{Instant, sleep};

const WORDS: [&str; 3] = ["alpha", "beta", "pi"];

/// Stands in for an async lookup per item; it takes 10 ms per letter, so among `WORDS` the later
/// ones finish first.
async fn measure(word: &'static str) -> (&'static str, usize) {
    sleep(Duration::from_millis(10 * word.len() as u64)).await;
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

    // A deadline per item, from tokio-stream: `Err(Elapsed)` when the next item is more than
    // 40 ms in coming, and the stream goes on, so the late item still arrives after it.
    let gaps = stream::iter([10, 80, 10]).then(|ms| async move {
        sleep(Duration::from_millis(ms)).await;
        ms
    });
    let items: Vec<String> = tokio_stream::StreamExt::timeout(gaps, Duration::from_millis(40))
        .map(|item| item.map_or("late".to_owned(), |ms| format!("{ms} ms")))
        .collect()
        .await;
    println!("timeout(40 ms) per item: {items:?}");
}

#[tokio::main]
async fn main() {
    run().await;
}
