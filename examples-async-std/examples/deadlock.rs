//! Deadlock from inconsistent lock order: detect by timeout, recover by cancelling, fix the order.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/deadlock.rs
//!
//! Task A locks `m1` then `m2`; task B locks `m2` then `m1`. If each takes its first lock before
//! the other takes its second, both wait forever, silently: no thread is stuck, no CPU is used. A
//! `timeout` around joining them turns the hang into an error; cancelling both tasks drops their
//! futures and the guards they hold, so the locks are free again. The fix: every task takes the
//! locks in the same order. Next to the smol twin:
//! - a dropped `JoinHandle` detaches, where a smol `Task` cancels, so a second deadlocked pair with
//!   dropped handles keeps both locks held for good;
//! - no `LocalExecutor`: `task::spawn_local` runs both tasks on the `block_on` thread.
//!
//! Guide: 教程 故障排除 2 死锁问题; what the guide gets wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example deadlock
//! ```
//! Prints `deadlock detected after ~100 ms`, both tasks cancelled and the locks free; the pair with
//! dropped handles still holding its locks; then one lock order finishing in about 40 ms.
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
    if timeout(DETECT_AFTER, (&mut task_a).join(&mut task_b)).await.is_ok() {
        anyhow::bail!("opposite lock orders did not deadlock");
    }
    println!("opposite orders: deadlock detected after {} ms", started.elapsed().as_millis());
    // Joined, both are marked cancelled in the same poll, before either future is dropped. One
    // after the other, the first one's dropped guard would let the second take its lock and
    // finish: `None, Some(())`. `None`: the task was cancelled before it finished.
    let (a, b) = task_a.cancel().join(task_b.cancel()).await;
    println!("opposite orders: both tasks cancelled, cancel() = {a:?}, {b:?}");
    // Cancelling dropped each task's future, and with it the guard it held. (async-std's `Mutex`
    // is async-lock's: `try_lock` returns an `Option`.)
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
    timeout(DETECT_AFTER, task_a.join(task_b)).await.context("the same lock order deadlocked")?;
    println!(
        "same order:      both tasks finished after {} ms, m1 = {}, m2 = {}",
        started.elapsed().as_millis(),
        *m1.lock().await,
        *m2.lock().await
    );
    Ok(())
}

// One thread makes the bad interleaving certain: `spawn_local` keeps the tasks `run` spawns on
// this thread's local executor, which `block_on` drives, so task A runs until it waits on its
// timer, then task B takes its first lock before any timer can fire. With `task::spawn`, on the
// global runtime's threads, it is only likely, which is how such deadlocks reach production.
fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
