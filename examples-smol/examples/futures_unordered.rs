//! `FuturesUnordered`: run many futures at once and take each result as soon as it is ready.
//!
//! A `FuturesUnordered` is a set of futures polled together inside the current task; as a `Stream`
//! it yields each output the moment its future completes, in completion order. `join_all` runs the
//! same futures as concurrently but hands back every output at once, in input order, after the
//! slowest. Neither spawns anything: this is concurrency for waiting, not parallelism for CPU work
//! (for that, put spawned `Task`s in the set: see the `join_set` example). Differences from tokio:
//! - none in the combinators, which come from `futures` and need no runtime; `futures-lite` (smol's
//!   `future` and `stream`) has neither, so `futures` is a dependency here too.
//!
//! Guide: 指南 2.5.4.1 并发执行 (FuturesUnordered); its futures end in push order, which shows nothing.
//!
//! ```text
//! cargo run -p examples-smol --example futures_unordered
//! ```
//!
//! Prints futures 4, 3, 2, 1, 0 in that (completion) order, then `join_all`'s `[0, 1, 2, 3, 4]`;
//! each batch takes about 150 ms (its slowest future), not the 450 ms sum.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! futures = { version = "0.3", default-features = false, features = ["alloc"] }
//! ```

use std::time::{Duration, Instant};

use futures::future::join_all;
use futures::stream::FuturesUnordered;
use smol::Timer;
use smol::stream::StreamExt;

const COUNT: u64 = 5;

/// Future `i` sleeps `(COUNT - i) * 30` ms, so the first one pushed is the last to finish.
async fn job(i: u64) -> u64 {
    Timer::after(Duration::from_millis((COUNT - i) * 30)).await;
    i
}

async fn run() {
    let started = Instant::now();
    let mut pending: FuturesUnordered<_> = (0..COUNT).map(job).collect();
    println!("FuturesUnordered, in completion order:");
    while let Some(i) = pending.next().await {
        println!("  future {i}, which sleeps {} ms", (COUNT - i) * 30);
    }
    println!("  all done after {} ms", started.elapsed().as_millis());

    let started = Instant::now();
    let outputs = join_all((0..COUNT).map(job)).await;
    println!("join_all, in input order: {outputs:?}");
    println!("  all done after {} ms", started.elapsed().as_millis());
}

fn main() {
    smol::block_on(run());
}
