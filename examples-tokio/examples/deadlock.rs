//! Deadlock from inconsistent lock order: detect by timeout, recover by aborting, fix the order.
//!
//! Task A locks `m1` then `m2`; task B locks `m2` then `m1`. If each takes its first lock (and
//! holds it 20 ms) before the other takes its second, both wait forever, and an async deadlock is
//! silent: no thread is stuck, no CPU is used, the tasks never finish. A `timeout` around joining
//! them turns the hang into an error; aborting the two tasks drops the `MutexGuard`s they hold, so
//! the locks are free again. The fix is one rule: every task takes the locks in the same order.
//!
//! Guide: 教程 故障排除 2 死锁问题; see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example deadlock
//! ```
//!
//! Prints `deadlock detected after ~100 ms`, that both tasks were cancelled and the locks are free,
//! then the same two tasks with one lock order finishing in about 40 ms.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt", "sync", "time"] }
//! anyhow = "1"
//! ```

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::{Instant, sleep, timeout};

const HOLD: Duration = Duration::from_millis(20);
const DETECT_AFTER: Duration = Duration::from_millis(100);

/// Locks `first`, holds it a while, then locks `second` too and updates both.
async fn update_both(first: Arc<Mutex<u64>>, second: Arc<Mutex<u64>>) {
    let mut a = first.lock().await;
    // While this task holds `first`, the other one gets to run and take its own first lock.
    sleep(HOLD).await;
    let mut b = second.lock().await;
    *a += 1;
    *b += 1;
}

async fn run() -> anyhow::Result<()> {
    let (m1, m2) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
    let started = Instant::now();
    let mut task_a = tokio::spawn(update_both(m1.clone(), m2.clone()));
    let mut task_b = tokio::spawn(update_both(m2.clone(), m1.clone()));
    // `&mut` keeps the handles, so the tasks can still be aborted if this times out.
    if timeout(DETECT_AFTER, async { tokio::join!(&mut task_a, &mut task_b) }).await.is_ok() {
        anyhow::bail!("opposite lock orders did not deadlock");
    }
    println!("opposite orders: deadlock detected after {} ms", started.elapsed().as_millis());
    task_a.abort();
    task_b.abort();
    let (a, b) = tokio::join!(task_a, task_b);
    let cancelled = a.is_err_and(|e| e.is_cancelled()) && b.is_err_and(|e| e.is_cancelled());
    println!("opposite orders: both tasks aborted, is_cancelled() = {cancelled}");
    // Aborting dropped each task's future, and with it the guard it held.
    let free = m1.try_lock().is_ok() && m2.try_lock().is_ok();
    println!(
        "opposite orders: locks free again = {free}, m1 = {}, m2 = {}",
        *m1.lock().await,
        *m2.lock().await
    );

    let (m1, m2) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
    let started = Instant::now();
    let task_a = tokio::spawn(update_both(m1.clone(), m2.clone()));
    let task_b = tokio::spawn(update_both(m1.clone(), m2.clone()));
    let (a, b) = timeout(DETECT_AFTER, async { tokio::join!(task_a, task_b) }).await?;
    a?;
    b?;
    println!(
        "same order:      both tasks finished after {} ms, m1 = {}, m2 = {}",
        started.elapsed().as_millis(),
        *m1.lock().await,
        *m2.lock().await
    );
    Ok(())
}

// One thread makes the bad interleaving certain: task A runs until it waits on its timer, then task
// B takes its first lock before any timer can fire. On a multi-thread runtime it is only likely,
// which is how such deadlocks reach production.
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    run().await
}
