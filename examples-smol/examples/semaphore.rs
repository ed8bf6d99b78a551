//! Semaphore: at most N tasks inside a section at once, the rest wait their turn.
//!
//! `acquire().await` waits for one of the semaphore's permits, and dropping the guard it returns
//! gives the permit back. With 3 permits, 10 tasks of 50 ms each run in four waves (3, 3, 3, 1), so
//! the batch takes about 200 ms: neither the 50 ms of all at once nor the 500 ms of one at a time.
//! Differences from tokio:
//! - `smol::lock::Semaphore` (`async-lock`) cannot be closed, so `acquire().await` gives the guard
//!   itself, not a `Result`: there is no error to pass up.
//!
//! Guide: 指南 2.5.2.5 同步原语 (Semaphore); 教程 并发控制 (信号量); they `unwrap` and never measure it.
//!
//! ```text
//! cargo run -p examples-smol --example semaphore
//! ```
//!
//! Prints `peak 3` (never more than 3 tasks inside at once) and a total of about 200 ms.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use smol::Timer;
use smol::lock::Semaphore;

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
        handles.push(smol::spawn(async move {
            // Waits for a permit; it cannot fail, as this semaphore has no `close`.
            let permit = semaphore.acquire().await;
            let now_inside = inside.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now_inside, Ordering::SeqCst);
            Timer::after(Duration::from_millis(50)).await;
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
    smol::block_on(run());
}
