//! Streams with `futures-lite`: lazy adapters, `while let` over `next()`, and async steps.
//!
//! A `Stream` is the async `Iterator`: adapters such as `filter` and `map` build a pipeline that
//! does nothing until polled (`collect`, or `next().await` in a loop). An async step per item goes
//! in `then`, one item at a time; for independent steps, `map` to futures plus `buffered(n)` runs
//! up to `n` at once and still yields in input order. Differences from tokio:
//! - `futures-lite`'s `filter` wants a `bool`, not a future; it has no `buffered`, so `futures`' is
//!   called by full path: importing both `StreamExt` traits makes shared names ambiguous.
//! - no `timeout` (tokio-stream's per-item deadline in tokio's twin): race `next()` with a `Timer`.
//!
//! Guide: 指南 2.5.4.2 流处理; 2.5.3.2 任务和流 (流处理); its snippet misses imports; this builds as is.
//!
//! ```text
//! cargo run -p examples-smol --example stream
//! ```
//!
//! Prints the doubled even numbers `[4, 8, 12, 16, 20]`, three word lengths taken with `while let`
//! (about 110 ms with `then`), then the same lengths in input order from `buffered(3)` in about 50
//! ms, although the last word's step finished first.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! futures = { version = "0.3", default-features = false, features = ["alloc"] }
//! ```

use std::pin::pin;
use std::time::{Duration, Instant};

use smol::Timer;
use smol::stream::{self, StreamExt};

const WORDS: [&str; 3] = ["alpha", "beta", "pi"];

/// Stands in for an async lookup per item; it takes 10 ms per letter, so among `WORDS` the later
/// ones finish first.
async fn measure(word: &'static str) -> (&'static str, usize) {
    Timer::after(Duration::from_millis(10 * word.len() as u64)).await;
    (word, word.len())
}

async fn run() {
    // `futures-lite`'s `filter` takes an ordinary predicate; no `future::ready` needed.
    let doubled_evens: Vec<i32> =
        stream::iter(1..=10).filter(|x| x % 2 == 0).map(|x| x * 2).collect().await;
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
    // `buffered` is `futures`' alone; its output is a `Stream` like any other, so `futures-lite`'s
    // `collect` finishes the pipeline.
    let lengths: Vec<_> =
        futures::StreamExt::buffered(stream::iter(WORDS).map(measure), 3).collect().await;
    println!("buffered(3), input order kept: {lengths:?}");
    println!("  the same steps took {} ms", started.elapsed().as_millis());
}

fn main() {
    smol::block_on(run());
}
