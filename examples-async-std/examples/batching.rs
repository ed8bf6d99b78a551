//! Batching: flush at N items or T ms after a batch's first item, and never lose the tail.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/batching.rs
//!
//! Batches amortise a per-call cost (one bulk insert instead of many), but a size limit alone
//! leaves a slow trickle waiting forever and strands the last partial batch when the input ends.
//! Here a batch is flushed at 4 items, 50 ms after its first item, or when the channel closes; the
//! timer runs only while a batch is open. Next to the smol twin:
//! - the deadline is `future::timeout` around `recv()` for the time left, where smol races `recv()`
//!   against `Timer::at` with `or`; both poll `recv` first, and `recv` is cancel-safe.
//! - tokio's twin also gets the batches from tokio-stream's `chunks_timeout` on a `ReceiverStream`;
//!   async-std has no such adapter, so the hand-written batcher is the way.
//!
//! Guide: 指南 2.5.7.3 批处理; what the guide gets wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example batching
//! ```
//! Prints two batches flushed by size, one flushed by time about 50 ms after its first item, the
//! tail flushed when the input ends, and `in 13, out 13`.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! anyhow = "1"
//! ```

use std::time::{Duration, Instant};

use async_std::channel::{self, Receiver};
use async_std::future::timeout;
use async_std::task;

const MAX_ITEMS: usize = 4;
const MAX_WAIT: Duration = Duration::from_millis(50);

#[derive(Debug)]
enum Trigger {
    Size,
    Time,
    EndOfInput,
}

/// A flushed batch; a real batcher would write it somewhere instead of keeping it.
struct Batch {
    items: Vec<u32>,
    trigger: Trigger,
    /// Time from the batch's first item to its flush.
    age: Duration,
}

fn flush(items: &mut Vec<u32>, trigger: Trigger, first: Instant) -> Batch {
    let items = std::mem::replace(items, Vec::with_capacity(MAX_ITEMS));
    Batch { items, trigger, age: first.elapsed() }
}

async fn batcher(rx: Receiver<u32>) -> Vec<Batch> {
    let mut flushed = Vec::new();
    let mut items = Vec::with_capacity(MAX_ITEMS);
    // When the open batch got its first item; `None` while it is empty, so no timer runs then.
    let mut first_at: Option<Instant> = None;
    loop {
        let received = match first_at {
            None => rx.recv().await,
            Some(first) => {
                let left = (first + MAX_WAIT).saturating_duration_since(Instant::now());
                match timeout(left, rx.recv()).await {
                    Ok(received) => received,
                    Err(_deadline) => {
                        flushed.push(flush(&mut items, Trigger::Time, first));
                        first_at = None;
                        continue;
                    }
                }
            }
        };
        let Ok(item) = received else {
            // Every sender is gone: whatever is open is the tail, and it is flushed too.
            if let Some(first) = first_at {
                flushed.push(flush(&mut items, Trigger::EndOfInput, first));
            }
            return flushed;
        };
        let first = *first_at.get_or_insert_with(Instant::now);
        items.push(item);
        if items.len() == MAX_ITEMS {
            flushed.push(flush(&mut items, Trigger::Size, first));
            first_at = None;
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let (tx, rx) = channel::bounded(16);
    let batches = task::spawn(batcher(rx));
    // A burst of 10 (two full batches and 2 left over), a pause longer than MAX_WAIT, then 3
    // more and the end of input. The pause is what lets the time trigger fire.
    let mut sent = 0;
    for item in 0..13 {
        if item == 10 {
            task::sleep(Duration::from_millis(100)).await;
        }
        tx.send(item).await?;
        sent += 1;
    }
    drop(tx);

    let batches = batches.await;
    for (i, batch) in batches.iter().enumerate() {
        println!(
            "batch {}: {:?} flushed by {:?} {} ms after its first item",
            i + 1,
            batch.items,
            batch.trigger,
            batch.age.as_millis()
        );
    }
    let received: usize = batches.iter().map(|batch| batch.items.len()).sum();
    println!("in {sent}, out {received}");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
