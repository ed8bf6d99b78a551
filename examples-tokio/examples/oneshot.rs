//! oneshot: one reply from a spawned task, and what each side sees when the other is gone.
//!
//! A `oneshot` channel carries exactly one value: the usual way to get an answer back from a task
//! (a request carries its own `oneshot::Sender`). If the sender is dropped without sending,
//! awaiting the receiver returns `Err(RecvError)` instead of hanging forever; if the receiver is
//! gone, `send` returns `Err(value)` and hands the value back, so the sender can decide what to do
//! with a result nobody is waiting for.
//!
//! Guide: 指南 2.5.2.4 异步通道 (oneshot); 教程 并发控制 (通道通信); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example oneshot
//! ```
//!
//! Prints the reply `42`, then `RecvError` for the dropped sender, and the value `send` gave back.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "sync"] }
//! anyhow = "1"
//! ```

use tokio::sync::oneshot;

async fn run() -> anyhow::Result<()> {
    // The normal case: the task computes and replies exactly once.
    let (tx, rx) = oneshot::channel();
    let worker = tokio::spawn(async move {
        // `send` consumes `tx`; it fails only if the receiver is gone, and then it gives the
        // value back instead of dropping it silently.
        tx.send(6 * 7)
    });
    let reply = rx.await?;
    if let Err(lost) = worker.await? {
        anyhow::bail!("main was waiting, yet send returned {lost}");
    }
    println!("reply: {reply}");

    // The sender is dropped without sending, as happens when a worker fails before it replies.
    // Without the error the receiver would wait forever for a value that can never come.
    let (tx, rx) = oneshot::channel::<u32>();
    let worker = tokio::spawn(async move {
        match "not a number".parse::<u32>() {
            Ok(n) => tx.send(n).is_ok(),
            // Returning here drops `tx` unsent.
            Err(_) => false,
        }
    });
    match rx.await {
        Ok(n) => println!("unexpected reply: {n}"),
        Err(e) => println!("sender dropped: rx.await returned RecvError ({e})"),
    }
    worker.await?;

    // The receiver is dropped first, as happens when the caller stops waiting (a timeout, a
    // cancelled request). Dropping it before the spawn makes the order certain.
    let (tx, rx) = oneshot::channel::<String>();
    drop(rx);
    let worker = tokio::spawn(async move { tx.send(String::from("late result")) });
    match worker.await? {
        Ok(()) => println!("unexpected: send succeeded with no receiver"),
        Err(value) => println!("receiver dropped: send returned Err({value:?})"),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
