//! Deadlock from inconsistent lock order: detect it with a timeout, recover by cancelling, fix the order.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/deadlock.rs`.
//!
//! Task A locks `m1` then `m2`; task B locks `m2` then `m1`. If each takes its first lock before the
//! other takes its second, both wait forever, and an async deadlock is silent: no thread is stuck,
//! no CPU is used, the tasks just never finish. A `timeout` around joining them turns the hang into
//! an error; cancelling the two tasks drops their futures, and with them the `MutexGuard`s they
//! hold, so the locks are free again. Giving up on the handles instead (dropping them, as a
//! `timeout` that owns them does) frees nothing: the tasks stay deadlocked, holding both locks for
//! good. The fix is one rule: every task takes the locks in the same order.
//!
//! Guide: 教程 故障排除 2 死锁问题.
//! The guide's deadlock hangs its program forever; here it is detected after 100 ms and the stuck tasks are cancelled, and the guide's 100 ms holds become 20 ms.
//!
//! Differences from tokio: dropping a `JoinHandle` detaches its task, as in tokio (smol's `Task`
//! would cancel it), so the recovery must cancel explicitly, with `handle.cancel().await` instead of `abort()`: it returns once the
//! task's future (and its guards) have been dropped, and gives `None` for a task that never
//! finished (there is no `JoinError` to ask `is_cancelled()`). A second deadlocked pair, whose
//! handles are dropped instead, shows that both locks stay held. `cancel()` is a future, not a
//! flag set at once like `abort()`, so the two are joined to cancel both in one step.
//! `async_std::sync::Mutex` is `async-lock`'s, whose `try_lock` returns an `Option`, not a
//! `Result`. There is no `join!`: `FutureExt::join` joins two futures. There is no current-thread
//! runtime either: `task::spawn_local` runs the tasks on the `block_on` thread instead, which is
//! what makes the interleaving certain; with `task::spawn` they would run on the global runtime's
//! threads. `spawn_local` and `join` need `features = ["unstable"]`.
//!
//! ```text
//! cargo run -p examples-async-std --example deadlock
//! ```
//!
//! Prints `deadlock detected after ~100 ms`, that both tasks were cancelled and the locks are free;
//! then, for a second deadlocked pair whose handles are dropped, that its locks stay held; then the
//! same two tasks with one lock order finishing in about 40 ms.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `task::spawn_local`, `FutureExt::join`
//! anyhow = "1"
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use async_std::future::timeout;
use async_std::prelude::FutureExt as _;
use async_std::sync::Mutex;
use async_std::task::{self, JoinHandle};

const HOLD: Duration = Duration::from_millis(20);
const DETECT_AFTER: Duration = Duration::from_millis(100);

/// Locks `first`, holds it a while, then locks `second` too and updates both.
async fn update_both(first: Arc<Mutex<u64>>, second: Arc<Mutex<u64>>) {
    let mut a = first.lock().await;
    // While this task holds `first`, the other one gets to run and take its own first lock.
    task::sleep(HOLD).await;
    let mut b = second.lock().await;
    *a += 1;
    *b += 1;
}

/// Spawns the two tasks, taking the locks in opposite orders.
fn spawn_opposite_orders(
    m1: &Arc<Mutex<u64>>,
    m2: &Arc<Mutex<u64>>,
) -> (JoinHandle<()>, JoinHandle<()>) {
    (
        task::spawn_local(update_both(m1.clone(), m2.clone())),
        task::spawn_local(update_both(m2.clone(), m1.clone())),
    )
}

async fn run() -> anyhow::Result<()> {
    let (m1, m2) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
    let started = Instant::now();
    let (mut task_a, mut task_b) = spawn_opposite_orders(&m1, &m2);
    // `&mut` keeps the handles (dropping them would detach the tasks), so the tasks can still be
    // cancelled if this times out.
    if timeout(DETECT_AFTER, (&mut task_a).join(&mut task_b))
        .await
        .is_ok()
    {
        anyhow::bail!("opposite lock orders did not deadlock");
    }
    println!(
        "opposite orders: deadlock detected after {} ms",
        started.elapsed().as_millis()
    );
    // Joined, both are marked cancelled in the same poll, before either future is dropped. One
    // after the other, the first one's dropped guard would let the second take its lock and
    // finish: `None, Some(())`. `None`: the task was cancelled before it finished.
    let (a, b) = task_a.cancel().join(task_b.cancel()).await;
    println!("opposite orders: both tasks cancelled, cancel() = {a:?}, {b:?}");
    // Cancelling dropped each task's future, and with it the guard it held.
    let free = m1.try_lock().is_some() && m2.try_lock().is_some();
    println!(
        "opposite orders: locks free again = {free}, m1 = {}, m2 = {}",
        *m1.lock().await,
        *m2.lock().await
    );

    // The same deadlock, but the handles move into `timeout` and are dropped with it.
    let (m3, m4) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
    let (task_c, task_d) = spawn_opposite_orders(&m3, &m4);
    if timeout(DETECT_AFTER, task_c.join(task_d)).await.is_ok() {
        anyhow::bail!("opposite lock orders did not deadlock");
    }
    // Give a cancellation every chance to happen: there is none, the tasks were only detached.
    task::sleep(HOLD).await;
    let held = m3.try_lock().is_none() && m4.try_lock().is_none();
    println!("dropped handles: deadlock detected, tasks detached, locks still held = {held}");
    // Nothing can free these two locks now: the tasks are gone only when the process is.

    let (m1, m2) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
    let started = Instant::now();
    let task_a = task::spawn_local(update_both(m1.clone(), m2.clone()));
    let task_b = task::spawn_local(update_both(m1.clone(), m2.clone()));
    timeout(DETECT_AFTER, task_a.join(task_b))
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

// One thread makes the bad interleaving certain: `spawn_local` tasks run on this thread, inside
// `block_on`, so task A runs until it waits on its timer, then task B takes its first lock before
// any timer can fire. With `task::spawn`, on the global runtime's threads, it is only likely,
// which is how such deadlocks reach production.
fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
