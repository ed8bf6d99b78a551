//! JoinSet: collect results in the order tasks finish, and cancel whatever is left.
//!
//! A `JoinSet` owns the tasks spawned into it. `join_next().await` returns the next task to
//! *finish*, not the next one spawned, so results can be handled as soon as each is ready.
//! `abort_all()` asks each task still running to stop at its next `.await` (its `JoinError` then
//! says `is_cancelled()`), `shutdown().await` does that and waits for them, and dropping the set
//! aborts them without waiting. So the set bounds its tasks' lifetime, with one exception: a job
//! added with `spawn_blocking` cannot be aborted once it runs, and goes on to its end.
//!
//! Guide: 指南 2.5.2.2 任务调度 (JoinSet); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example join_set
//! ```
//!
//! Tasks spawned as 0..=4 finish as 4, 3, 2, 1, 0 in about 150 ms; then a 10 s task is aborted
//! after 50 ms and its `JoinError` reports that it was cancelled.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! anyhow = "1"
//! ```

use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::{Instant, sleep, timeout};

async fn run() -> anyhow::Result<()> {
    // Task i sleeps (5 - i) * 30 ms, so the last one spawned finishes first.
    let started = Instant::now();
    let mut set = JoinSet::new();
    for i in 0..5u64 {
        set.spawn(async move {
            sleep(Duration::from_millis((5 - i) * 30)).await;
            i
        });
    }
    let mut finished = Vec::new();
    while let Some(joined) = set.join_next().await {
        // `Err` here would mean the task panicked or was aborted.
        finished.push(joined?);
    }
    println!("spawned [0, 1, 2, 3, 4], finished {finished:?}");
    println!("all joined after {} ms", started.elapsed().as_millis());

    // A task that would run far longer than we are willing to wait.
    let started = Instant::now();
    let mut set = JoinSet::new();
    set.spawn(async {
        sleep(Duration::from_secs(10)).await;
        "finished"
    });
    if timeout(Duration::from_millis(50), set.join_next()).await.is_ok() {
        anyhow::bail!("the 10 s task finished within 50 ms");
    }
    // `shutdown().await` would do both steps below but discard the `JoinError`s; reading them
    // shows what happened to the task.
    set.abort_all();
    match set.join_next().await {
        Some(Err(e)) if e.is_cancelled() => println!(
            "long task aborted after {} ms: is_cancelled() = true",
            started.elapsed().as_millis()
        ),
        Some(Err(e)) => anyhow::bail!("long task failed: {e}"),
        Some(Ok(outcome)) => println!("long task was not aborted: {outcome}"),
        None => println!("the set was already empty"),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
