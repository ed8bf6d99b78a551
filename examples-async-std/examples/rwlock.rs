//! RwLock: many readers at once, and a writer that waits until they have all let go.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/rwlock.rs
//!
//! Any number of read guards may be live together; a write guard needs the lock to itself. The
//! proof that reads are shared: each reader keeps its guard while it waits at a `Barrier` with the
//! main task, which opens only once all five guards are held at the same time. The lock is
//! write-preferring: readers that arrive after a waiting writer queue behind it, so a stream of
//! readers cannot starve the writer. Next to the smol twin:
//! - the same lock and barrier, async-lock's (`smol::lock`'s); the barrier is named from
//!   `async-lock`, as `async_std::sync::Barrier` needs the `unstable` feature.
//!
//! Guide: 指南 2.5.2.5 同步原语 (RwLock); 教程 并发控制 (读写锁); they leave the order to a sleep or chance.
//! ```text
//! cargo run -p examples-async-std --example rwlock
//! ```
//! Prints that the 5 readers held the lock together, how long the writer waited (about 50 ms, the
//! time the readers keep their guards), and the final `[1, 2, 3, 4]`.
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
        anyhow::ensure!(len == 3, "a reader saw {len} items: the writer got in early");
    }
    println!("writer waited {} ms for the readers to release", waited.as_millis());
    println!("final data: {:?}", *data.read().await);
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
