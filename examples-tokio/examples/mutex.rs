//! Mutex: tokio's when the guard lives across an `.await`, std's when it does not.
//!
//! `tokio::sync::Mutex::lock` is itself a future, and its guard may be held across an `.await`:
//! here each task keeps the log locked while it awaits a (simulated) write, so its two lines stay
//! together. For a short critical section with no `.await` inside, such as the counter here,
//! tokio's own documentation recommends `std::sync::Mutex`: locking is a plain call, not a future,
//! and its guard is not `Send`, so `tokio::spawn` rejects a future holding one across an `.await`.
//!
//! Guide: 指南 2.5.2.5 同步原语 (Mutex); 教程 并发控制 (互斥锁); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example mutex
//! ```
//!
//! Prints that the 8 log lines came in begin/end pairs with none interleaved, then `counter: 1000`.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "sync", "time"] }
//! anyhow = "1"
//! ```

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;

async fn run() -> anyhow::Result<()> {
    // tokio's Mutex: the guard is held across the `sleep`, which stands in for an async write.
    // Other tasks wait for the lock without blocking a runtime thread.
    let log = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let mut writers = JoinSet::new();
    for task in 0..4 {
        let log = Arc::clone(&log);
        writers.spawn(async move {
            let mut log = log.lock().await;
            log.push(format!("task {task}: begin"));
            sleep(Duration::from_millis(5)).await;
            log.push(format!("task {task}: end"));
        });
    }
    while let Some(joined) = writers.join_next().await {
        joined?;
    }
    let log = log.lock().await;
    // Pairs are adjacent only because no task could get in while another held the guard.
    let interleaved =
        log.chunks(2).filter(|pair| pair[0].replace("begin", "end") != pair[1]).count();
    println!("async log: {} lines, {interleaved} pairs interleaved", log.len());

    // std's Mutex: the lock is taken and released with no `.await` in between. Holding this
    // guard across the `yield_now` would make the future non-`Send` and fail to compile.
    let counter = Arc::new(std::sync::Mutex::new(0u64));
    let mut workers = JoinSet::new();
    for _ in 0..10 {
        let counter = Arc::clone(&counter);
        workers.spawn(async move {
            for _ in 0..100 {
                {
                    let mut n =
                        counter.lock().expect("the lock is never poisoned: `*n += 1` cannot panic");
                    *n += 1;
                }
                // Let other tasks in, so the increments really interleave across tasks.
                tokio::task::yield_now().await;
            }
        });
    }
    while let Some(joined) = workers.join_next().await {
        joined?;
    }
    let total = *counter.lock().expect("the lock is never poisoned: `*n += 1` cannot panic");
    println!("counter: {total}");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
