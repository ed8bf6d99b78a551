//! Streams with `futures::stream`: lazy adapters, `while let` over `next()`, and async steps.
//!
//! A `Stream` is the async `Iterator`: adapters such as `filter` and `map` build a pipeline that
//! does nothing until something polls it (`collect`, or `next().await` in a loop). An async step
//! per item goes in `then`, which finishes one item's future before pulling the next; when the
//! steps are independent, `map` to futures plus `buffered(n)` runs up to `n` at once and still
//! yields in input order. tokio's own stream helpers live in the separate `tokio-stream` crate;
//! this uses `futures`, as the guide does.
//!
//! Guide: 指南 2.5.4.2 流处理; 2.5.3.2 任务和流 (流处理); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example stream
//! ```
//!
//! Prints the doubled even numbers `[4, 8, 12, 16, 20]`, three word lengths taken with `while let`
//! (about 110 ms with `then`), then the same lengths in input order from `buffered(3)` in about
//! 50 ms, although the last word's step finished first.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! futures = "0.3"
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
}

#[tokio::main]
async fn main() {
    run().await;
}
