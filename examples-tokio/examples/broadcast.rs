//! broadcast: every receiver gets every message, and a slow one is told what it missed.
//!
//! Each `Receiver` (the first one, plus one per `subscribe`) sees every value sent after it was
//! created. The channel keeps only the last `capacity` values, with `capacity` rounded up to a
//! power of two: a receiver that falls further behind gets `Err(RecvError::Lagged(n))`, meaning "n
//! messages are gone", and its next `recv` continues with the oldest value still kept. Only
//! `RecvError::Closed` means the stream is over. As a `Stream` (tokio-stream's `BroadcastStream`)
//! a lag is an item, `Err(Lagged(n))`, and the end is `None`.
//!
//! Guide: 指南 2.5.2.4 异步通道 (broadcast); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example broadcast
//! ```
//!
//! Both receivers list 0..=4; then the guide's loop gets nothing from a lagged channel while the
//! matching loop reports `Lagged(6)` and still reads 6..=9, and so does the stream, counting 6.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "sync"] }
//! tokio-stream = { version = "0.1", features = ["sync"] }
//! anyhow = "1"
//! ```

use tokio::sync::broadcast::{self, error::RecvError};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

/// Reads until the channel is closed and returns what `recv` gave, in order. A lag is noted and
/// reading goes on.
async fn read_all(mut rx: broadcast::Receiver<u32>) -> String {
    let mut seen = Vec::new();
    loop {
        match rx.recv().await {
            Ok(value) => seen.push(value.to_string()),
            // Not the end: the oldest values were overwritten, the newer ones are still there.
            Err(RecvError::Lagged(n)) => seen.push(format!("Lagged({n})")),
            Err(RecvError::Closed) => {
                seen.push(String::from("Closed"));
                return seen.join(", ");
            }
        }
    }
}

async fn run() -> anyhow::Result<()> {
    // Fan-out. Both receivers exist before the first send, so neither can miss the start.
    let (tx, rx1) = broadcast::channel(16);
    let rx2 = tx.subscribe();
    let reader1 = tokio::spawn(read_all(rx1));
    let reader2 = tokio::spawn(read_all(rx2));
    for i in 0..5 {
        // `send` fails only when no receiver is left.
        tx.send(i)?;
    }
    // Dropping the last sender is what ends the readers' loops with `Closed`.
    drop(tx);
    println!("fan-out: receiver 1 got {}", reader1.await?);
    println!("fan-out: receiver 2 got {}", reader2.await?);

    // Lag. Capacity 4, and 10 values are sent before anyone reads: 0..=5 are overwritten.
    let (tx, mut guide_rx) = broadcast::channel(4);
    let matching_rx = tx.subscribe();
    for i in 0..10 {
        tx.send(i)?;
    }
    drop(tx);

    // The guide's loop: the first `recv` is `Lagged(6)`, so it stops with nothing read, and
    // values 6..=9, still in the channel, are never seen.
    let mut guide_got = Vec::new();
    while let Ok(value) = guide_rx.recv().await {
        guide_got.push(value);
    }
    println!("lag: `while let Ok` loop got {guide_got:?} and stopped at the first error");

    println!("lag: matching loop got {}", read_all(matching_rx).await);

    // The same lag through tokio-stream: `Lagged` comes as an item, counted, and reading goes on.
    let (tx, rx) = broadcast::channel(4);
    let mut values = BroadcastStream::new(rx);
    for i in 0..10 {
        tx.send(i)?;
    }
    drop(tx);
    let (mut got, mut missed) = (Vec::new(), 0);
    while let Some(item) = values.next().await {
        match item {
            Ok(value) => got.push(value),
            Err(BroadcastStreamRecvError::Lagged(n)) => missed += n,
        }
    }
    println!("lag: BroadcastStream got {got:?}, counted {missed} missed");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
