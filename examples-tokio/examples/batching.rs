//! Batching: flush at N items or T ms after a batch's first item, and never lose the tail.
//!
//! Batches amortise a per-call cost (one bulk insert instead of many), but a size limit alone
//! leaves a slow trickle waiting forever and strands the last partial batch when the input ends.
//! Here a batch is flushed at 4 items, 50 ms after its first item, or when the channel closes. The
//! timer runs only while a batch is open, and `recv` is cancel-safe, so losing a `select!` race to
//! the deadline drops no item. `Receiver::recv_many(&mut buf, limit)` (tokio >= 1.34) is the
//! built-in way to take everything already queued, up to `limit`, in one call; tokio-stream's
//! `chunks_timeout`, on the channel as a `ReceiverStream`, packages the whole rule.
//!
//! Guide: 指南 2.5.7.3 批处理; see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example batching
//! ```
//!
//! Prints two batches flushed by size, one flushed by time about 50 ms after its first item, the
//! tail flushed when the input ends, `in 13, out 13`; the same four from `chunks_timeout`.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "sync", "time"] }
//! tokio-stream = "0.1"
//! anyhow = "1"
//! ```

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

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

async fn batcher(mut rx: mpsc::Receiver<u32>) -> Vec<Batch> {
    let mut flushed = Vec::new();
    let mut items = Vec::with_capacity(MAX_ITEMS);
    // When the open batch got its first item; `None` while it is empty, so no timer runs then.
    let mut first_at: Option<Instant> = None;
    loop {
        let received = match first_at {
            None => rx.recv().await,
            Some(first) => tokio::select! {
                received = rx.recv() => received,
                () = sleep_until(first + MAX_WAIT) => {
                    flushed.push(flush(&mut items, Trigger::Time, first));
                    first_at = None;
                    continue;
                }
            },
        };
        let Some(item) = received else {
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

/// The same rule from tokio-stream: `chunks_timeout` flushes at `MAX_ITEMS` or `MAX_WAIT` after a
/// chunk's first item, and the tail at the end. The open chunk lives in the stream, not in the
/// `next()` future, so dropping that future (a lost `select!` race) loses nothing.
async fn chunked(rx: mpsc::Receiver<u32>) -> Vec<Vec<u32>> {
    ReceiverStream::new(rx).chunks_timeout(MAX_ITEMS, MAX_WAIT).collect().await
}

/// A burst of 10 (two full batches and 2 left over), a pause longer than `MAX_WAIT`, then 3 more
/// and the end of input. The pause is what lets the time trigger fire. Returns how many it sent.
async fn feed(tx: mpsc::Sender<u32>) -> anyhow::Result<usize> {
    let mut sent = 0;
    for item in 0..13 {
        if item == 10 {
            sleep(Duration::from_millis(100)).await;
        }
        tx.send(item).await?;
        sent += 1;
    }
    Ok(sent)
}

async fn run() -> anyhow::Result<()> {
    let (tx, rx) = mpsc::channel(16);
    let batches = tokio::spawn(batcher(rx));
    let sent = feed(tx).await?;
    let batches = batches.await?;
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

    let (tx, rx) = mpsc::channel(16);
    let chunks = tokio::spawn(chunked(rx));
    feed(tx).await?;
    println!("chunks_timeout: {:?}", chunks.await?);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
