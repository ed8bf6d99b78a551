//! Mutex: `async_std::sync::Mutex` when the guard lives across an `.await`, std's when it does not.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/mutex.rs
//!
//! An async mutex's `lock()` is itself a future, and its guard may be held across an `.await`: here
//! each task keeps the log locked while it awaits a (simulated) write, so its two lines stay
//! together. For a short critical section with no `.await` inside, `std::sync::Mutex` is the better
//! tool: locking is a plain call, and its guard is not `Send`, so `task::spawn` rejects a future
//! that holds one across an `.await`. Next to the smol twin:
//! - the same async mutex: `async_std::sync::Mutex` is async-lock's, smol's `smol::lock::Mutex`,
//!   with no poisoning.
//!
//! Guide: 指南 2.5.2.5 同步原语 (Mutex); 教程 并发控制 (互斥锁); what they get wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example mutex
//! ```
//! Prints that the 8 log lines came in begin/end pairs with none interleaved, then `counter: 1000`.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! ```

use std::sync::Arc;
use std::time::Duration;

use async_std::task;

async fn run() {
    // async-std's Mutex: the guard is held across the sleep, which stands in for an async write.
    // Other tasks wait for the lock without blocking a runtime thread.
    let log = Arc::new(async_std::sync::Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for task in 0..4 {
        let log = Arc::clone(&log);
        writers.push(task::spawn(async move {
            let mut log = log.lock().await;
            log.push(format!("task {task}: begin"));
            task::sleep(Duration::from_millis(5)).await;
            log.push(format!("task {task}: end"));
        }));
    }
    for writer in writers {
        writer.await;
    }
    let log = log.lock().await;
    // Pairs are adjacent only because no task could get in while another held the guard.
    let interleaved =
        log.chunks(2).filter(|pair| pair[0].replace("begin", "end") != pair[1]).count();
    println!("async log: {} lines, {interleaved} pairs interleaved", log.len());

    // std's Mutex: the lock is taken and released with no `.await` in between. Holding this
    // guard across the `yield_now` would make the future non-`Send` and fail to compile.
    let counter = Arc::new(std::sync::Mutex::new(0u64));
    let mut workers = Vec::new();
    for _ in 0..10 {
        let counter = Arc::clone(&counter);
        workers.push(task::spawn(async move {
            for _ in 0..100 {
                {
                    let mut n =
                        counter.lock().expect("the lock is never poisoned: `*n += 1` cannot panic");
                    *n += 1;
                }
                // Let other tasks in, so the increments really interleave across tasks.
                task::yield_now().await;
            }
        }));
    }
    for worker in workers {
        worker.await;
    }
    let total = *counter.lock().expect("the lock is never poisoned: `*n += 1` cannot panic");
    println!("counter: {total}");
}

fn main() {
    task::block_on(run());
}
