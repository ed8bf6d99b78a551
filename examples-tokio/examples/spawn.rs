//! `tokio::spawn`: tasks that own their data, run concurrently, and return results by `JoinHandle`.
//!
//! A spawned task may outlive the function that spawned it, so its future must be `'static`: it
//! cannot borrow the caller's locals, and `async move` gives it its own copy of everything it uses.
//! `spawn` returns at once; the task runs alongside the caller, and awaiting its `JoinHandle` gives
//! `Result<T, JoinError>`, an `Err` when the task panicked or was aborted. Here that error goes up
//! with `?` instead of being unwrapped into a second panic.
//!
//! Guide: 指南 2.5.2.2 任务调度 (spawn); 教程 核心概念 (任务和线程); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example spawn
//! ```
//!
//! Prints each task's result in spawn order, then that the three 50 ms tasks finished together
//! after about 50 ms, not 150.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! anyhow = "1"
//! ```

use std::time::Duration;

use tokio::time::{Instant, sleep};

async fn run() -> anyhow::Result<()> {
    let batches = vec![vec![1, 2, 3], vec![10, 20], vec![7]];
    let started = Instant::now();

    let mut handles = Vec::new();
    for (id, batch) in batches.into_iter().enumerate() {
        // `move` hands this batch to the task; borrowing `batches` instead would not compile,
        // because nothing guarantees the task finishes before `run` returns.
        handles.push(tokio::spawn(async move {
            sleep(Duration::from_millis(50)).await;
            let sum: u32 = batch.iter().sum();
            format!("task {id}: sum of {batch:?} = {sum}")
        }));
    }

    // The tasks are already running; awaiting the handles in spawn order only fixes the order in
    // which their results are printed.
    for handle in handles {
        let line = handle.await?;
        println!("{line}");
    }
    println!("three tasks sleeping 50 ms each finished after {} ms", started.elapsed().as_millis());
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
