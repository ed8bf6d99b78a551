//! RwLock: many readers at once, and a writer that waits until they have all let go.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/rwlock.rs`.
//!
//! Any number of read guards may be live together; a write guard needs the lock to itself. The
//! proof here that reads are shared: each reader keeps its guard while it waits at a `Barrier`
//! with the main task, and the barrier opens only once all five guards are held at the same time.
//! `async_std::sync::RwLock` (the `async-lock` crate's, re-exported) is write-preferring: once a
//! writer is waiting, readers that arrive after it wait behind it, so a steady stream of readers
//! cannot starve the writer.
//!
//! Guide: 指南 2.5.2.5 同步原语 (RwLock); 教程 并发控制 (读写锁).
//! The guide never joins its tasks and leaves reader/writer order to a sleep or to chance; here a barrier fixes the order and every task is joined.
//!
//! Differences from tokio: the lock and the barrier are `async-lock`'s, used the same way. The
//! barrier is named from `async-lock` directly: `async_std::sync::Barrier` is the same type, but
//! only with `features = ["unstable"]`. `async_std::future::timeout` takes the same arguments as
//! tokio's `timeout`; its error is `TimeoutError` where tokio's is `Elapsed`.
//!
//! ```text
//! cargo run -p examples-async-std --example rwlock
//! ```
//!
//! Prints that the 5 readers held the lock together, how long the writer waited (about 50 ms,
//! the time the readers keep their guards), and the final `[1, 2, 3, 4]`.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! async-lock = "3"
//! anyhow = "1"
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_lock::Barrier;
use async_std::future::timeout;
use async_std::sync::RwLock;
use async_std::task;

const READERS: usize = 5;

async fn run() -> anyhow::Result<()> {
    let data = Arc::new(RwLock::new(vec![1, 2, 3]));
    // One seat per reader plus one for this task.
    let all_reading = Arc::new(Barrier::new(READERS + 1));

    let mut readers = Vec::new();
    for _ in 0..READERS {
        let data = Arc::clone(&data);
        let all_reading = Arc::clone(&all_reading);
        readers.push(task::spawn(async move {
            let guard = data.read().await;
            all_reading.wait().await;
            // Keep reading a while, so the writer below has to wait for these guards.
            task::sleep(Duration::from_millis(50)).await;
            guard.len()
        }));
    }
    // If reads were exclusive, only one reader could get here holding its guard and the barrier
    // would never open; the timeout turns that deadlock into an error.
    timeout(Duration::from_secs(1), all_reading.wait())
        .await
        .map_err(|_| anyhow::anyhow!("the readers never held the lock together"))?;
    println!("{READERS} readers hold the read lock at the same time");

    let writer = {
        let data = Arc::clone(&data);
        task::spawn(async move {
            let asked = Instant::now();
            let mut guard = data.write().await;
            let waited = asked.elapsed();
            guard.push(4);
            waited
        })
    };

    let waited = writer.await;
    for reader in readers {
        let len = reader.await;
        anyhow::ensure!(
            len == 3,
            "a reader saw {len} items: the writer got in early"
        );
    }
    println!(
        "writer waited {} ms for the readers to release",
        waited.as_millis()
    );
    println!("final data: {:?}", *data.read().await);
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
