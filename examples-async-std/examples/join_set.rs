//! A JoinSet for async-std: `JoinHandle`s in a `FuturesUnordered`, and `cancel().await` to cancel.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/join_set.rs
//!
//! async-std has no `JoinSet`. A `JoinHandle` is a future, so a set of them is a
//! `FuturesUnordered<JoinHandle<T>>`, whose `next().await` returns the next task to *finish*, not
//! the next one spawned. Such a set does not bound its tasks' lifetime: dropping a `JoinHandle`
//! detaches its task, so a dropped set leaves every task running. Next to the smol twin:
//! - a set of smol `Task`s cancels them all when dropped; here each task is cancelled by taking its
//!   handle out and awaiting `cancel()`, which gives `None` for a task stopped before it finished.
//!
//! Guide: 指南 2.5.2.2 任务调度 (JoinSet); its tasks finish in spawn order, so it cannot show either.
//! ```text
//! cargo run -p examples-async-std --example join_set
//! ```
//! Tasks spawned as 0..=4 finish as 4, 3, 2, 1, 0 in about 150 ms; a 100 ms task finishes its work
//! although its set was dropped at 50 ms; a 10 s task is cancelled after 50 ms, `cancel()` returns
//! `None`, and the side effect it was waiting to perform never happens.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! futures = { version = "0.3", default-features = false, features = ["alloc"] }
//! anyhow = "1"
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_std::channel::{self, Receiver};
use async_std::future::timeout;
use async_std::stream::StreamExt;
use async_std::task::{self, JoinHandle};
use futures::stream::FuturesUnordered;

/// A set holding one task that sleeps `duration` and then sets the returned flag, and a receiver
/// whose channel closes once the task's future is gone, finished or destroyed.
fn set_with_long_task(
    duration: Duration,
) -> (FuturesUnordered<JoinHandle<&'static str>>, Arc<AtomicBool>, Receiver<()>) {
    let side_effect_done = Arc::new(AtomicBool::new(false));
    // The task's future owns `alive`: this channel closes when the future is dropped.
    let (alive, future_dropped) = channel::bounded::<()>(1);
    let set = FuturesUnordered::new();
    set.push(task::spawn({
        let side_effect_done = Arc::clone(&side_effect_done);
        async move {
            let _alive = alive;
            task::sleep(duration).await;
            side_effect_done.store(true, Ordering::SeqCst);
            "finished"
        }
    }));
    (set, side_effect_done, future_dropped)
}

async fn run() -> anyhow::Result<()> {
    // Task i sleeps (5 - i) * 30 ms, so the last one spawned finishes first.
    let started = Instant::now();
    let mut set = FuturesUnordered::new();
    for i in 0..5u64 {
        set.push(task::spawn(async move {
            task::sleep(Duration::from_millis((5 - i) * 30)).await;
            i
        }));
    }
    let mut finished = Vec::new();
    while let Some(i) = set.next().await {
        finished.push(i);
    }
    println!("spawned [0, 1, 2, 3, 4], finished {finished:?}");
    println!("all joined after {} ms", started.elapsed().as_millis());

    // Dropping the set, as smol allows: a task that needs 100 ms, and a set dropped after 50.
    let started = Instant::now();
    let (mut set, side_effect_done, future_dropped) =
        set_with_long_task(Duration::from_millis(100));
    if let Ok(outcome) = timeout(Duration::from_millis(50), set.next()).await {
        anyhow::bail!("the 100 ms task finished within 50 ms: {outcome:?}");
    }
    // Dropping a `JoinHandle` detaches its task: nothing is cancelled here.
    drop(set);
    // The channel closes (`recv` returns `Err`, as nothing is ever sent) when the future is gone:
    // here, because the detached task ran to its end.
    let _ = future_dropped.recv().await;
    println!(
        "set dropped at 50 ms: the task ran on and ended after {} ms, side effect done: {}",
        started.elapsed().as_millis(),
        side_effect_done.load(Ordering::SeqCst)
    );

    // A task that would run far longer than we are willing to wait, then do something visible.
    let started = Instant::now();
    let (mut set, side_effect_done, future_dropped) = set_with_long_task(Duration::from_secs(10));
    if let Ok(outcome) = timeout(Duration::from_millis(50), set.next()).await {
        anyhow::bail!("the 10 s task finished within 50 ms: {outcome:?}");
    }
    // No `abort_all`: each handle is taken out of the set and cancelled. `cancel` returns once the
    // task's future has been destroyed: `None` if it never finished, its output if it had.
    let mut outcomes = Vec::new();
    for handle in set {
        outcomes.push(handle.cancel().await);
    }
    println!(
        "long task cancelled after {} ms: cancel() returned {outcomes:?}, \
         future destroyed: {}, side effect done: {}",
        started.elapsed().as_millis(),
        future_dropped.is_closed(),
        side_effect_done.load(Ordering::SeqCst)
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
