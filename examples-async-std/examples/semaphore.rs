//! Semaphore: at most N tasks inside a section at once, the rest wait their turn.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/semaphore.rs
//!
//! `acquire().await` waits for one of the semaphore's permits, and dropping the guard it returns
//! gives the permit back. With 3 permits, 10 tasks of 50 ms each run in four waves (3, 3, 3, 1), so
//! the batch takes about 200 ms: neither the 50 ms of all at once nor the 500 ms of one at a time.
//! Next to the smol twin:
//! - the same semaphore: async-std has none, and `async_lock::Semaphore` is
//!   `smol::lock::Semaphore`; it cannot be closed, so `acquire()` gives the guard itself, not a
//!   `Result` as tokio's does.
//!
//! Guide: 指南 2.5.2.5 同步原语 (Semaphore); 教程 并发控制 (信号量); they `unwrap` and never measure it.
//! ```text
//! cargo run -p examples-async-std --example semaphore
//! ```
//! Prints `peak 3` (never more than 3 tasks inside at once) and a total of about 200 ms.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! async-lock = "3"
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_lock::Semaphore;
use async_std::task;

const TASKS: usize = 10;
const PERMITS: usize = 3;

async fn run() {
    let semaphore = Arc::new(Semaphore::new(PERMITS));
    // How many tasks are inside right now, and the most there ever were.
    let inside = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));

    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..TASKS {
        let (semaphore, inside, peak) = (semaphore.clone(), inside.clone(), peak.clone());
        handles.push(task::spawn(async move {
            // Waits for a permit; it cannot fail, as this semaphore has no `close`.
            let permit = semaphore.acquire().await;
            let now_inside = inside.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now_inside, Ordering::SeqCst);
            task::sleep(Duration::from_millis(50)).await;
            // Leave before giving the permit back, so the count never exceeds the permits.
            inside.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
        }));
    }
    for handle in handles {
        handle.await;
    }
    let elapsed = started.elapsed();

    println!("{TASKS} tasks, {PERMITS} permits: peak {}", peak.load(Ordering::SeqCst));
    println!("all done after {} ms", elapsed.as_millis());
}

fn main() {
    task::block_on(run());
}
