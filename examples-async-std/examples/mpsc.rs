//! Bounded channel: many producers, one consumer, back-pressure, and closing.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/mpsc.rs
//!
//! `send().await` waits while the buffer is full, so a fast producer is slowed to the consumer's
//! pace instead of running away with memory. `recv()` returns `Err(RecvError)` once every `Sender`
//! is dropped and the buffer is empty (the original sender counts too: the classic reason a
//! consumer loop never ends), and messages from one producer arrive in the order it sent them. Next
//! to the smol twin:
//! - `async_std::channel` is async-channel 1, `smol::channel` version 2, used the same way: both
//!   are multi-consumer (`Receiver` is `Clone`) and end a drained, closed channel with `Err`.
//!
//! Guide: 指南 2.5.2.4 异步通道 (mpsc); 教程 并发控制 (通道通信); they never show the buffer filling.
//! ```text
//! cargo run -p examples-async-std --example mpsc
//! ```
//! Prints what arrived from each producer, in its sending order, how long the producers were held
//! back by the full buffer, and `done: received 12 values` after the channel closed.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! anyhow = "1"
//! ```

use std::time::{Duration, Instant};

use async_std::{channel, task};

const PRODUCERS: usize = 3;
const PER_PRODUCER: usize = 4;
const CAPACITY: usize = 2;
const CONSUMER_DELAY: Duration = Duration::from_millis(10);

async fn run() -> anyhow::Result<()> {
    let (tx, rx) = channel::bounded::<(usize, usize)>(CAPACITY);
    let started = Instant::now();

    let mut producers = Vec::new();
    for id in 0..PRODUCERS {
        let tx = tx.clone();
        producers.push(task::spawn(async move {
            for seq in 0..PER_PRODUCER {
                // Waits while the buffer is full; fails only if the receiver is gone.
                tx.send((id, seq)).await?;
            }
            anyhow::Ok(started.elapsed())
        }));
    }
    // Drop the original sender: otherwise `recv()` would wait for it forever.
    drop(tx);

    let mut received = vec![Vec::new(); PRODUCERS];
    let mut count = 0;
    while let Ok((id, seq)) = rx.recv().await {
        received[id].push(seq);
        count += 1;
        task::sleep(CONSUMER_DELAY).await; // a slow consumer
    }

    let mut last_send_done = Duration::ZERO;
    for producer in producers {
        last_send_done = last_send_done.max(producer.await?);
    }
    for (id, seqs) in received.iter().enumerate() {
        println!("from producer {id}: {seqs:?}");
    }
    // 12 sends into a 2-slot buffer drained every 10 ms: the last send can only complete once ~9
    // values have been consumed, so the producers were held back for ~90 ms, not finished at once.
    println!(
        "producers finished sending after {} ms (held back by the full buffer)",
        last_send_done.as_millis()
    );
    println!("done: received {count} values");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
