//! Batching: flush at N items or T ms after a batch's first item, and never lose the tail.
//!
//! Batches amortise a per-call cost (one bulk insert instead of many), but a size limit alone
//! leaves a slow trickle waiting forever and strands the last partial batch when the input ends.
//! Here a batch is flushed at 4 items, 50 ms after its first item, or when the channel closes; the
//! timer runs only while a batch is open. Differences from tokio:
//! - no `select!` nor `sleep_until`: `recv()` races `Timer::at(deadline)` with `or`.
//! - `recv` reports the end of input as `Err`, not `None`.
//! - tokio's twin also gets the batches from tokio-stream's `chunks_timeout` on a `ReceiverStream`;
//!   smol has no such adapter, so the hand-written batcher is the way.
//!
//! Guide: 指南 2.5.7.3 批处理; what the guide gets wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example batching
//! ```
//!
//! Prints two batches flushed by size, one flushed by time about 50 ms after its first item, the
//! tail flushed when the input ends, and `in 13, out 13`.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! anyhow = "1"
//! ```

use std::time::{Duration, Instant};

use smol::Timer;
use smol::channel::{self, Receiver};
use smol::future::FutureExt;

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

/// What the batcher waits for: the next item, the end of input, or the open batch's deadline.
enum Event {
    Item(u32),
    EndOfInput,
    Deadline,
}

async fn next_item(rx: &Receiver<u32>) -> Event {
    match rx.recv().await {
        Ok(item) => Event::Item(item),
        // `Err` means the channel is empty and every sender is gone.
        Err(_) => Event::EndOfInput,
    }
}

async fn batcher(rx: Receiver<u32>) -> Vec<Batch> {
    let mut flushed = Vec::new();
    let mut items = Vec::with_capacity(MAX_ITEMS);
    // When the open batch got its first item; `None` while it is empty, so no timer runs then.
    let mut first_at: Option<Instant> = None;
    loop {
        let event = match first_at {
            None => next_item(&rx).await,
            // `or` polls `recv` first, so an item already queued wins over a deadline that has
            // just passed; `recv` is cancel-safe, so losing the race to the deadline drops no item.
            Some(first) => {
                next_item(&rx)
                    .or(async {
                        Timer::at(first + MAX_WAIT).await;
                        Event::Deadline
                    })
                    .await
            }
        };
        match event {
            Event::Item(item) => {
                let first = *first_at.get_or_insert_with(Instant::now);
                items.push(item);
                if items.len() == MAX_ITEMS {
                    flushed.push(flush(&mut items, Trigger::Size, first));
                    first_at = None;
                }
            }
            Event::Deadline => {
                // Only an open batch waits for a deadline, so `first_at` is set here.
                if let Some(first) = first_at.take() {
                    flushed.push(flush(&mut items, Trigger::Time, first));
                }
            }
            Event::EndOfInput => {
                // Every sender is gone: whatever is open is the tail, and it is flushed too.
                if let Some(first) = first_at {
                    flushed.push(flush(&mut items, Trigger::EndOfInput, first));
                }
                return flushed;
            }
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let (tx, rx) = channel::bounded(16);
    // Kept and awaited below: dropping this `Task` would cancel the batcher.
    let batches = smol::spawn(batcher(rx));
    // A burst of 10 (two full batches and 2 left over), a pause longer than MAX_WAIT, then 3
    // more and the end of input. The pause is what lets the time trigger fire.
    let mut sent = 0;
    for item in 0..13 {
        if item == 10 {
            Timer::after(Duration::from_millis(100)).await;
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
    smol::block_on(run())
}
