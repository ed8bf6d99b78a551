//! Semaphore: at most N tasks inside a section at once, the rest wait their turn.
//!
//! `acquire().await` waits for one of the semaphore's permits, and dropping the permit gives it
//! back. With 3 permits, 10 tasks of 50 ms each run in four waves (3, 3, 3, 1), so the whole batch
//! takes about 200 ms: neither the 50 ms of running all ten at once nor the 500 ms of one at a
//! time. `acquire` fails only once the semaphore is closed, and that error is passed up with `?`.
//!
//! Guide: 指南 2.5.2.5 同步原语 (Semaphore); 教程 并发控制 (信号量); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example semaphore
//! ```
//!
//! Prints `peak 3` (never more than 3 tasks inside at once) and a total of about 200 ms.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "sync", "time"] }
//! anyhow = "1"
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::{Instant, sleep};

const TASKS: usize = 10;
const PERMITS: usize = 3;

async fn run() -> anyhow::Result<()> {
    let semaphore = Arc::new(Semaphore::new(PERMITS));
    // How many tasks are inside right now, and the most there ever were.
    let inside = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));

    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..TASKS {
        let (semaphore, inside, peak) = (semaphore.clone(), inside.clone(), peak.clone());
        handles.push(tokio::spawn(async move {
            // Fails only if someone called `semaphore.close()`: then there is no work to do.
            let permit = semaphore.acquire().await?;
            let now_inside = inside.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now_inside, Ordering::SeqCst);
            sleep(Duration::from_millis(50)).await;
            // Leave before giving the permit back, so the count never exceeds the permits.
            inside.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
            anyhow::Ok(())
        }));
    }
    for handle in handles {
        // The outer `?` is a panicked task, the inner one a closed semaphore.
        handle.await??;
    }
    let elapsed = started.elapsed();

    println!("{TASKS} tasks, {PERMITS} permits: peak {}", peak.load(Ordering::SeqCst));
    println!("all done after {} ms", elapsed.as_millis());
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
