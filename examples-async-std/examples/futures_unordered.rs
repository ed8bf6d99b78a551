//! `FuturesUnordered`: run many futures at once and take each result as soon as it is ready.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/futures_unordered.rs
//!
//! A `FuturesUnordered` is a set of futures polled together inside the current task; as a `Stream`
//! it yields each output the moment its future completes, in completion order. `join_all` runs the
//! same futures as concurrently but hands back every output at once, in input order, after the
//! slowest. Neither spawns anything: this is concurrency for waiting, not parallelism for CPU work.
//! Next to the smol twin:
//! - none in the `futures` code, which needs no runtime, only in the sleep and `block_on`. A set of
//!   `JoinHandle`s, async-std's stand-in for `JoinSet`, detaches its tasks when dropped, where a
//!   set of smol `Task`s cancels them.
//!
//! Guide: 指南 2.5.4.1 并发执行 (FuturesUnordered); its futures end in push order, which shows nothing.
//! ```text
//! cargo run -p examples-async-std --example futures_unordered
//! ```
//! Prints futures 4, 3, 2, 1, 0 in that (completion) order, then `join_all`'s `[0, 1, 2, 3, 4]`;
//! each batch takes about 150 ms (its slowest future), not the 450 ms sum.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! futures = "0.3"
//! ```

use std::time::{Duration, Instant};

use async_std::task;
use futures::future::join_all;
use futures::stream::{FuturesUnordered, StreamExt};

const COUNT: u64 = 5;

/// Future `i` sleeps `(COUNT - i) * 30` ms, so the first one pushed is the last to finish.
async fn job(i: u64) -> u64 {
    task::sleep(Duration::from_millis((COUNT - i) * 30)).await;
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
    task::block_on(run());
}
