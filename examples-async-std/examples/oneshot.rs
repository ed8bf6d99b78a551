//! oneshot: one reply from a spawned task, and what each side sees when the other is gone.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/oneshot.rs
//!
//! A `oneshot` channel carries exactly one value: the usual way to get an answer back from a task.
//! If the sender is dropped without sending, awaiting the receiver returns `Err(Canceled)` instead
//! of hanging; if the receiver is gone, `send` returns `Err(value)`, handing the value back. Next
//! to the smol twin:
//! - neither runtime has a oneshot: both use `futures::channel::oneshot`, which needs no runtime;
//!   `send` consumes the sender and never waits, which `channel::bounded(1)` would not guarantee.
//!
//! Guide: 指南 2.5.2.4 异步通道 (oneshot); 教程 并发控制 (通道通信); see README, Errata.
//! ```text
//! cargo run -p examples-async-std --example oneshot
//! ```
//! Prints the reply `42`, then `Canceled` for the dropped sender, then the value `send` handed
//! back.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! futures = { version = "0.3", default-features = false, features = ["std"] }
//! anyhow = "1"
//! ```

use async_std::task;
use futures::channel::oneshot;

async fn run() -> anyhow::Result<()> {
    // The normal case: the task computes and replies exactly once.
    let (tx, rx) = oneshot::channel();
    let worker = task::spawn(async move {
        // `send` consumes `tx`; it fails only if the receiver is gone, and then it gives the
        // value back instead of dropping it silently.
        tx.send(6 * 7)
    });
    let reply = rx.await?;
    if let Err(lost) = worker.await {
        anyhow::bail!("main was waiting, yet send returned {lost}");
    }
    println!("reply: {reply}");

    // The sender is dropped without sending, as happens when a worker fails before it replies.
    // Without the error the receiver would wait forever for a value that can never come.
    let (tx, rx) = oneshot::channel::<u32>();
    let worker = task::spawn(async move {
        match "not a number".parse::<u32>() {
            Ok(n) => tx.send(n).is_ok(),
            // Returning here drops `tx` unsent.
            Err(_) => false,
        }
    });
    match rx.await {
        Ok(n) => println!("unexpected reply: {n}"),
        Err(e) => println!("sender dropped: rx.await returned {e:?} ({e})"),
    }
    worker.await;

    // The receiver is dropped first, as happens when the caller stops waiting (a timeout, a
    // cancelled request). Dropping it before the spawn makes the order certain.
    let (tx, rx) = oneshot::channel::<String>();
    drop(rx);
    let worker = task::spawn(async move { tx.send(String::from("late result")) });
    match worker.await {
        Ok(()) => println!("unexpected: send succeeded with no receiver"),
        Err(value) => println!("receiver dropped: send returned Err({value:?})"),
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
