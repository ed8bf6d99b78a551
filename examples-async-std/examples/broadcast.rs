//! broadcast: every receiver gets every message; when the buffer is full, the sender waits, or, in
//! overflow mode, the oldest message goes and a slow receiver is told what it missed.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/broadcast.rs`.
//!
//! async-std has no broadcast channel; `async-broadcast`, the smol family's, is the one to use with
//! it (it depends on no runtime). Each `Receiver` (the first one, plus one per `new_receiver`) sees
//! every value sent after it was created. A message stays in the buffer until every receiver has
//! read it, so by default a full buffer makes `broadcast().await` wait: the slowest receiver sets
//! the pace for the sender, and so for everyone. In overflow mode the sender never waits: the
//! oldest message is pushed out (and handed back to the sender), and a receiver that missed
//! messages gets `Err(RecvError::Overflowed(n))`, meaning "n messages are gone", before it
//! continues with the oldest value still kept. Only `RecvError::Closed` means the stream is over.
//!
//! Guide: 指南 2.5.2.4 异步通道 (broadcast).
//! The guide reads with `while let Ok`, so a lagging receiver silently stops at the first error; here the error is matched, reading goes on, and the tasks are joined instead of a 1 s sleep.
//!
//! Differences from tokio: a full channel applies back-pressure by default (tokio's never does: it
//! overwrites, and the slow receiver gets `Lagged`); `set_overflow(true)` gives tokio's behaviour,
//! with `Overflowed(n)` for `Lagged(n)`, and `broadcast` returns the message it pushed out. Sending
//! is `broadcast(value).await`, and `new_receiver()` is tokio's `subscribe()`. The `Receiver` is
//! also a `Stream`, whose `next()` skips an overflow without a word: only `recv()` reports it.
//!
//! ```text
//! cargo run -p examples-async-std --example broadcast
//! ```
//!
//! Both receivers list 0..=4; then, with the default mode, the sender is held up about 50 ms by a
//! receiver that starts late, and both receivers get 0..=9; then, in overflow mode, the sender gets
//! 0..=5 back, the guide's loop gets nothing, the matching loop reports `Overflowed(6)` and still
//! reads 6, 7, 8, 9, and the `Stream` gets 6..=9 with no sign of the gap.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! async-broadcast = "0.7"
//! anyhow = "1"
//! ```

use std::time::{Duration, Instant};

use async_broadcast::{Receiver, RecvError};
use async_std::stream::StreamExt;
use async_std::task;

/// Reads until the channel is closed and returns what `recv` gave, in order. An overflow is noted
/// and reading goes on.
async fn read_all(mut rx: Receiver<u32>) -> String {
    let mut seen = Vec::new();
    loop {
        match rx.recv().await {
            Ok(value) => seen.push(value.to_string()),
            // Not the end: the oldest values were pushed out, the newer ones are still there.
            Err(RecvError::Overflowed(n)) => seen.push(format!("Overflowed({n})")),
            Err(RecvError::Closed) => {
                seen.push(String::from("Closed"));
                return seen.join(", ");
            }
        }
    }
}

async fn run() -> anyhow::Result<()> {
    // Fan-out. Both receivers exist before the first send, so neither can miss the start.
    let (tx, rx1) = async_broadcast::broadcast(16);
    let rx2 = tx.new_receiver();
    let reader1 = task::spawn(read_all(rx1));
    let reader2 = task::spawn(read_all(rx2));
    for i in 0..5 {
        // `broadcast` fails only once the channel is closed, as it is when no receiver is left.
        tx.broadcast(i).await?;
    }
    // Dropping the last sender is what ends the readers' loops with `Closed`.
    drop(tx);
    println!("fan-out: receiver 1 got {}", reader1.await);
    println!("fan-out: receiver 2 got {}", reader2.await);

    // Back-pressure, the default. Capacity 4 and 10 values; receiver 1 reads at once, receiver 2
    // only after 50 ms. Values leave the buffer once both have read them, so the 5th send waits.
    let (tx, rx1) = async_broadcast::broadcast(4);
    let rx2 = tx.new_receiver();
    let reader1 = task::spawn(read_all(rx1));
    let reader2 = task::spawn(async move {
        task::sleep(Duration::from_millis(50)).await;
        read_all(rx2).await
    });
    let started = Instant::now();
    for i in 0..10 {
        tx.broadcast(i).await?;
    }
    println!(
        "full: 10 sends into 4 slots took {} ms: the sender waited for the late receiver",
        started.elapsed().as_millis()
    );
    drop(tx);
    println!("full: receiver 1 got {}", reader1.await);
    println!("full: receiver 2 got {}", reader2.await);

    // Overflow mode. Capacity 4, and 10 values are sent before anyone reads: 0..=5 are pushed out.
    let (mut tx, mut guide_rx) = async_broadcast::broadcast(4);
    tx.set_overflow(true);
    let matching_rx = tx.new_receiver();
    let mut stream_rx = tx.new_receiver();
    let mut pushed_out = Vec::new();
    for i in 0..10 {
        // In overflow mode `broadcast` never waits; it returns the message it pushed out, if any.
        if let Some(oldest) = tx.broadcast(i).await? {
            pushed_out.push(oldest);
        }
    }
    drop(tx);
    println!("overflow: the sender got back the values it pushed out: {pushed_out:?}");

    // The guide's loop: the first `recv` is `Overflowed(6)`, so it stops with nothing read, and
    // values 6..=9, still in the channel, are never seen.
    let mut guide_got = Vec::new();
    while let Ok(value) = guide_rx.recv().await {
        guide_got.push(value);
    }
    println!("overflow: `while let Ok` loop got {guide_got:?} and stopped at the first error");

    println!(
        "overflow: matching loop got {}",
        read_all(matching_rx).await
    );

    // The `Stream` impl steps over the gap: fine for "latest values" uses, wrong where a loss
    // must be noticed. (A `next()` loop, as async-std's `collect` needs the `unstable` feature.)
    let mut streamed = Vec::new();
    while let Some(value) = stream_rx.next().await {
        streamed.push(value);
    }
    println!("overflow: the Stream (`next()`) got {streamed:?}, and no word of the 6 it missed");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
