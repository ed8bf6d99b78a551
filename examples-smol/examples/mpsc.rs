//! Bounded channel: many producers, one consumer, back-pressure, and closing.
//!
//! `smol::channel` is the `async-channel` crate. `send().await` waits while the buffer is full, so
//! a fast producer is slowed to the consumer's pace instead of running away with memory. `recv()`
//! returns `Err(RecvError)` once every `Sender` is dropped and the buffer is empty (the original
//! sender counts too: the classic reason a consumer loop never ends), and messages from one
//! producer arrive in the order it sent them. Differences from tokio:
//! - multi-consumer too (`Receiver` is `Clone`, each message goes to one receiver), and `recv`
//!   takes `&self`; a closed, drained channel gives `Err`, not `None`, hence `while let Ok`.
//!
//! Guide: 指南 2.5.2.4 异步通道 (mpsc); 教程 并发控制 (通道通信); they never show the buffer filling.
//!
//! ```text
//! cargo run -p examples-smol --example mpsc
//! ```
//!
//! Prints what arrived from each producer, in its sending order, how long the producers were held
//! back by the full buffer, and `done: received 12 values` after the channel closed.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! anyhow = "1"
//! ```

use std::time::{Duration, Instant};

use smol::Timer;

const PRODUCERS: usize = 3;
const PER_PRODUCER: usize = 4;
const CAPACITY: usize = 2;
const CONSUMER_DELAY: Duration = Duration::from_millis(10);

async fn run() -> anyhow::Result<()> {
    let (tx, rx) = smol::channel::bounded::<(usize, usize)>(CAPACITY);
    let started = Instant::now();

    let mut producers = Vec::new();
    for id in 0..PRODUCERS {
        let tx = tx.clone();
        producers.push(smol::spawn(async move {
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
        Timer::after(CONSUMER_DELAY).await; // a slow consumer
    }

    let mut last_send_done = Duration::ZERO;
    for producer in producers {
        // A `Task` yields the producer's `Result` itself: one `?`, not tokio's two.
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
    smol::block_on(run())
}
