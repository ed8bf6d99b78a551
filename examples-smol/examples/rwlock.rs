//! RwLock: many readers at once, and a writer that waits until they have all let go.
//!
//! Any number of read guards may be live together; a write guard needs the lock to itself. The
//! proof that reads are shared: each reader keeps its guard while it waits at a `Barrier` with the
//! main task, which opens only once all five guards are held at the same time. The lock is
//! write-preferring: readers that arrive after a waiting writer queue behind it, so a stream of
//! readers cannot starve the writer. Differences from tokio:
//! - no `timeout` function: the wait at the barrier races a `Timer` with `future::or`.
//!
//! Guide: 指南 2.5.2.5 同步原语 (RwLock); 教程 并发控制 (读写锁); they leave the order to a sleep or chance.
//!
//! ```text
//! cargo run -p examples-smol --example rwlock
//! ```
//!
//! Prints that the 5 readers held the lock together, how long the writer waited (about 50 ms, the
//! time the readers keep their guards), and the final `[1, 2, 3, 4]`.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! anyhow = "1"
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use smol::lock::{Barrier, RwLock};
use smol::{Timer, future};

const READERS: usize = 5;

async fn run() -> anyhow::Result<()> {
    // `smol::lock`'s lock and barrier (async-lock), used the same way as tokio's.
    let data = Arc::new(RwLock::new(vec![1, 2, 3]));
    // One seat per reader plus one for this task.
    let all_reading = Arc::new(Barrier::new(READERS + 1));

    let mut readers = Vec::new();
    for _ in 0..READERS {
        let data = Arc::clone(&data);
        let all_reading = Arc::clone(&all_reading);
        readers.push(smol::spawn(async move {
            let guard = data.read().await;
            all_reading.wait().await;
            // Keep reading a while, so the writer below has to wait for these guards.
            Timer::after(Duration::from_millis(50)).await;
            guard.len()
        }));
    }
    // If reads were exclusive, only one reader could get here holding its guard and the barrier
    // would never open; the timeout turns that deadlock into an error.
    future::or(
        async {
            all_reading.wait().await;
            Ok(())
        },
        async {
            Timer::after(Duration::from_secs(1)).await;
            Err(anyhow::anyhow!("the readers never held the lock together"))
        },
    )
    .await?;
    println!("{READERS} readers hold the read lock at the same time");

    let writer = {
        let data = Arc::clone(&data);
        smol::spawn(async move {
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
    smol::block_on(run())
}
