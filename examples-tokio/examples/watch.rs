//! watch: a channel that holds the latest value, not a queue of every value.
//!
//! A `watch` channel stores one value. `changed().await` wakes a receiver when a value it has not
//! seen yet is there, and `borrow_and_update()` reads it and marks it seen. A receiver that keeps
//! up sees every update; one that falls behind sees only the newest, since intermediate values
//! are overwritten. That is right for state (configuration, progress, a shutdown flag) and wrong
//! for events. When the sender is dropped, `changed()` returns `Err` once everything is seen.
//!
//! Guide: 指南 2.5.2.4 异步通道 (watch); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example watch
//! ```
//!
//! Part 1 sees 1, 2, 3 as they are sent 50 ms apart; part 2 sends 1..=5 at once and the
//! receiver wakes once and sees only 5. Both loops end when the sender is dropped.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "sync", "time"] }
//! anyhow = "1"
//! ```

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::sleep;

/// Waits for changes until the sender is gone; returns the value seen at each wake-up.
async fn observe(mut rx: watch::Receiver<u32>) -> Vec<u32> {
    let mut seen = Vec::new();
    // `changed` is `Err` only once the sender is dropped and the last value has been seen.
    while rx.changed().await.is_ok() {
        // Copy the value out: the borrow holds a read lock that would block the sender.
        seen.push(*rx.borrow_and_update());
    }
    seen
}

async fn run() -> anyhow::Result<()> {
    // Part 1: updates spaced out, so the receiver is back in `changed()` before each one.
    let (tx, rx) = watch::channel(0);
    let updater = tokio::spawn(async move {
        for i in 1..=3 {
            sleep(Duration::from_millis(50)).await;
            // `send` fails only if every receiver is gone.
            tx.send(i)?;
        }
        // Returning drops `tx`, which ends the observer's loop.
        anyhow::Ok(())
    });
    let seen = observe(rx).await;
    updater.await??;
    println!("spaced updates: receiver saw {seen:?}, then changed() returned Err");

    // Part 2: a burst sent before the receiver looks. Everything runs in this one task, so the
    // order is certain: all five sends happen first, and each overwrites the one before.
    let (tx, rx) = watch::channel(0);
    for i in 1..=5 {
        tx.send(i)?;
    }
    drop(tx);
    let seen = observe(rx).await;
    println!(
        "burst of 1..=5: receiver woke {} time(s) and saw {seen:?}, then changed() returned Err",
        seen.len()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
