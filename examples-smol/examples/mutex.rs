//! Mutex: `smol::lock::Mutex` when the guard lives across an `.await`, std's when it does not.
//!
//! An async mutex's `lock()` is itself a future, and its guard may be held across an `.await`: here
//! each task keeps the log locked while it awaits a (simulated) write, so its two lines stay
//! together. For a short critical section with no `.await` inside, `std::sync::Mutex` is the better
//! tool: locking is a plain call, and its guard is not `Send`, so `smol::spawn` rejects a future
//! that holds one across an `.await`. Differences from tokio:
//! - none that bite: `smol::lock::Mutex` (`async-lock`) has the same `lock().await`, no poisoning.
//!
//! Guide: 指南 2.5.2.5 同步原语 (Mutex); 教程 并发控制 (互斥锁); what they get wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example mutex
//! ```
//!
//! Prints that the 8 log lines came in begin/end pairs with none interleaved, then `counter: 1000`.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! ```

use std::sync::Arc;
use std::time::Duration;

use smol::Timer;

async fn run() {
    // smol's Mutex: the guard is held across the timer, which stands in for an async write.
    // Other tasks wait for the lock without blocking an executor thread.
    let log = Arc::new(smol::lock::Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for task in 0..4 {
        let log = Arc::clone(&log);
        writers.push(smol::spawn(async move {
            let mut log = log.lock().await;
            log.push(format!("task {task}: begin"));
            Timer::after(Duration::from_millis(5)).await;
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
        workers.push(smol::spawn(async move {
            for _ in 0..100 {
                {
                    let mut n =
                        counter.lock().expect("the lock is never poisoned: `*n += 1` cannot panic");
                    *n += 1;
                }
                // Let other tasks in, so the increments really interleave across tasks.
                smol::future::yield_now().await;
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
    smol::block_on(run());
}
