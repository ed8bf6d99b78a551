//! smol's JoinSet: `Task`s in a `FuturesUnordered`, results as tasks finish, dropping as cancel.
//!
//! smol has no `JoinSet`, and needs none: a `Task` is a future, so a set of them is a
//! `FuturesUnordered<Task<T>>`, whose `next().await` returns the next task to *finish*, not the
//! next one spawned. The set also bounds the tasks' lifetime, because a smol `Task` owns its task:
//! dropping the set drops every `Task` in it, and each dropped `Task` cancels its task. Differences
//! from tokio:
//! - no `JoinSet`, `abort_all` or `shutdown`: cancelling is dropping, and a cancelled task is not
//!   reported as a `JoinError`: it never finishes, which a channel its future owns shows.
//!
//! Guide: 指南 2.5.2.2 任务调度 (JoinSet); its tasks finish in spawn order, so it cannot show either.
//!
//! ```text
//! cargo run -p examples-smol --example join_set
//! ```
//!
//! Tasks spawned as 0..=4 finish as 4, 3, 2, 1, 0 in about 150 ms; then a 10 s task is dropped
//! after 50 ms, its future is destroyed, and the side effect it was waiting for never happens.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! futures = { version = "0.3", default-features = false, features = ["alloc"] }
//! anyhow = "1"
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::stream::FuturesUnordered;
use smol::Timer;
use smol::future::FutureExt;
use smol::stream::StreamExt;

async fn run() -> anyhow::Result<()> {
    // Task i sleeps (5 - i) * 30 ms, so the last one spawned finishes first.
    let started = Instant::now();
    let mut set = FuturesUnordered::new();
    for i in 0..5u64 {
        set.push(smol::spawn(async move {
            Timer::after(Duration::from_millis((5 - i) * 30)).await;
            i
        }));
    }
    let mut finished = Vec::new();
    while let Some(i) = set.next().await {
        finished.push(i);
    }
    println!("spawned [0, 1, 2, 3, 4], finished {finished:?}");
    println!("all joined after {} ms", started.elapsed().as_millis());

    // A task that would run far longer than we are willing to wait, then do something visible.
    let started = Instant::now();
    let side_effect_done = Arc::new(AtomicBool::new(false));
    // The task's future owns `alive`: this channel closes when the future is dropped.
    let (alive, future_dropped) = smol::channel::bounded::<()>(1);
    let mut set = FuturesUnordered::new();
    set.push(smol::spawn({
        let side_effect_done = Arc::clone(&side_effect_done);
        async move {
            let _alive = alive;
            Timer::after(Duration::from_secs(10)).await;
            side_effect_done.store(true, Ordering::SeqCst);
            "finished"
        }
    }));
    let waited = set
        .next()
        .or(async {
            Timer::after(Duration::from_millis(50)).await;
            None
        })
        .await;
    if let Some(outcome) = waited {
        anyhow::bail!("the 10 s task finished within 50 ms: {outcome}");
    }
    // No `abort_all`: dropping the set drops its `Task`s, and dropping a `Task` cancels it.
    drop(set);
    // The executor destroys a cancelled task's future on its own thread, soon after; the channel
    // closing (`recv` returns `Err`, as nothing is ever sent) shows that it has.
    let _ = future_dropped.recv().await;
    println!(
        "long task dropped after {} ms: future destroyed, side effect done: {}",
        started.elapsed().as_millis(),
        side_effect_done.load(Ordering::SeqCst)
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    smol::block_on(run())
}
