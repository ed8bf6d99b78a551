//! Deadlock from inconsistent lock order: detect by timeout, recover by cancelling, fix the order.
//!
//! Task A locks `m1` then `m2`; task B locks `m2` then `m1`. If each takes its first lock before
//! the other takes its second, both wait forever, silently: no thread is stuck, no CPU is used. A
//! deadline raced against joining them turns the hang into an error; cancelling both tasks drops
//! their futures and the guards they hold, so the locks are free again. The fix: every task takes
//! the locks in the same order. Differences from tokio:
//! - no `abort()`/`is_cancelled()`: `task.cancel().await` returns once the future (and its guards)
//!   is dropped, with `None` for a task that never finished.
//! - `smol::lock::Mutex::try_lock` returns an `Option`, not a `Result`.
//!
//! Guide: 教程 故障排除 2 死锁问题; what the guide gets wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example deadlock
//! ```
//!
//! Prints `deadlock detected after ~100 ms`, both tasks cancelled and the locks free, then the same
//! two tasks with one lock order finishing in about 40 ms.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! anyhow = "1"
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use smol::future::{self, FutureExt};
use smol::lock::Mutex;
use smol::{LocalExecutor, Timer};

const HOLD: Duration = Duration::from_millis(20);
const DETECT_AFTER: Duration = Duration::from_millis(100);

/// Locks `first`, holds it a while, then locks `second` too and updates both.
async fn update_both(first: Arc<Mutex<u64>>, second: Arc<Mutex<u64>>) {
    let mut a = first.lock().await;
    // While this task holds `first`, the other one gets to run and take its own first lock.
    Timer::after(HOLD).await;
    let mut b = second.lock().await;
    *a += 1;
    *b += 1;
}

/// `fut`'s output, or `None` if `limit` passes first (and `fut` is dropped): tokio's `timeout`,
/// made of a `Timer` and `or`.
async fn timeout<T>(limit: Duration, fut: impl Future<Output = T>) -> Option<T> {
    async { Some(fut.await) }
        .or(async {
            Timer::after(limit).await;
            None
        })
        .await
}

async fn run(ex: &LocalExecutor<'_>) -> anyhow::Result<()> {
    let (m1, m2) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
    let started = Instant::now();
    let mut task_a = ex.spawn(update_both(m1.clone(), m2.clone()));
    let mut task_b = ex.spawn(update_both(m2.clone(), m1.clone()));
    // No `join!`: `future::zip` joins the two. `&mut` keeps the `Task`s (dropping them would
    // cancel the tasks), so they can still be cancelled on purpose, and waited for, if this
    // times out.
    if timeout(DETECT_AFTER, future::zip(&mut task_a, &mut task_b)).await.is_some() {
        anyhow::bail!("opposite lock orders did not deadlock");
    }
    println!("opposite orders: deadlock detected after {} ms", started.elapsed().as_millis());
    // `None`: the task was cancelled before it finished (`Some(())` would mean it had finished).
    let (a, b) = future::zip(task_a.cancel(), task_b.cancel()).await;
    println!("opposite orders: both tasks cancelled, cancel() = {a:?}, {b:?}");
    // Cancelling dropped each task's future, and with it the guard it held.
    let free = m1.try_lock().is_some() && m2.try_lock().is_some();
    println!(
        "opposite orders: locks free again = {free}, m1 = {}, m2 = {}",
        *m1.lock().await,
        *m2.lock().await
    );

    let (m1, m2) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
    let started = Instant::now();
    let task_a = ex.spawn(update_both(m1.clone(), m2.clone()));
    let task_b = ex.spawn(update_both(m1.clone(), m2.clone()));
    timeout(DETECT_AFTER, future::zip(task_a, task_b))
        .await
        .context("the same lock order deadlocked")?;
    println!(
        "same order:      both tasks finished after {} ms, m1 = {}, m2 = {}",
        started.elapsed().as_millis(),
        *m1.lock().await,
        *m2.lock().await
    );
    Ok(())
}

// One thread (a `LocalExecutor`, like tokio's current-thread runtime) makes the bad interleaving
// certain: task A runs until it waits on its timer, then task B takes its first lock before any
// timer can fire. With several threads it is only likely, which is how such deadlocks reach
// production.
fn main() -> anyhow::Result<()> {
    let ex = LocalExecutor::new();
    smol::block_on(ex.run(run(&ex)))
}
