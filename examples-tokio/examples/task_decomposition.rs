//! Task decomposition: split a big job into chunk tasks, bound how many run at once, join them all.
//!
//! Chunks go into a `JoinSet`; once `MAX_IN_FLIGHT` are running, the next chunk waits until
//! `join_next()` hands back a finished one, so a million-item input never turns into a million
//! concurrent requests. Every result is joined and added up, so nothing is lost, and when the
//! function returns no task of it is left running: the runtime's alive-task count is back to 0.
//!
//! Guide: 教程 最佳实践 1 合理的任务分解; see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example task_decomposition
//! ```
//!
//! Prints the bounded run (100 chunks, at most 4 in flight, the exact item count and sum, 0 tasks
//! left), then the guide's version returning with 0 items processed and 100 tasks still alive.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt", "time"] }
//! anyhow = "1"
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

const ITEMS: usize = 100_000;
const CHUNK_SIZE: usize = 1_000;
const MAX_IN_FLIGHT: usize = 4;
/// Each chunk stands for one round trip to some service, say a batched database write.
const ROUND_TRIP: Duration = Duration::from_millis(5);

#[derive(Default)]
struct Progress {
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
    items_done: AtomicUsize,
}

/// Processes one chunk and returns how many items it handled and their sum.
async fn process_chunk(
    chunk: Vec<String>,
    progress: Arc<Progress>,
) -> anyhow::Result<(usize, u64)> {
    let now = progress.in_flight.fetch_add(1, Relaxed) + 1;
    progress.peak_in_flight.fetch_max(now, Relaxed);
    sleep(ROUND_TRIP).await;
    progress.in_flight.fetch_sub(1, Relaxed);
    let mut sum = 0;
    for item in &chunk {
        sum += item.parse::<u64>()?;
    }
    progress.items_done.fetch_add(chunk.len(), Relaxed);
    Ok((chunk.len(), sum))
}

async fn process_bounded(
    data: Vec<String>,
    progress: Arc<Progress>,
) -> anyhow::Result<(usize, u64)> {
    let mut set = JoinSet::new();
    // Moving the strings into chunks, rather than the guide's `to_vec()`, copies no item.
    let mut data = data.into_iter();
    let (mut items, mut sum) = (0, 0);
    loop {
        // Start chunks until MAX_IN_FLIGHT are running or the data runs out...
        while set.len() < MAX_IN_FLIGHT {
            let chunk: Vec<String> = data.by_ref().take(CHUNK_SIZE).collect();
            if chunk.is_empty() {
                break;
            }
            set.spawn(process_chunk(chunk, progress.clone()));
        }
        // ...then collect one result; an empty set means every chunk has been started and joined.
        let Some(joined) = set.join_next().await else {
            break;
        };
        let (n, s) = joined??;
        items += n;
        sum += s;
    }
    Ok((items, sum))
}

/// The guide's version: every chunk spawned at once, none joined.
async fn process_fire_and_forget(data: Vec<String>, progress: Arc<Progress>) {
    for chunk in data.chunks(CHUNK_SIZE) {
        tokio::spawn(process_chunk(chunk.to_vec(), progress.clone()));
    }
}

async fn run() -> anyhow::Result<()> {
    let data: Vec<String> = (0..ITEMS).map(|i| i.to_string()).collect();
    let metrics = Handle::current().metrics();

    let progress = Arc::new(Progress::default());
    let started = Instant::now();
    let (items, sum) = process_bounded(data.clone(), progress.clone()).await?;
    let peak = progress.peak_in_flight.load(Relaxed);
    println!(
        "bounded: {} chunks, at most {MAX_IN_FLIGHT} in flight (peak {peak})",
        ITEMS / CHUNK_SIZE
    );
    println!("bounded: {items} items, sum {sum}, after {} ms", started.elapsed().as_millis());
    println!("bounded: tasks still alive: {}", metrics.num_alive_tasks());

    let progress = Arc::new(Progress::default());
    process_fire_and_forget(data, progress.clone()).await;
    println!(
        "guide:   returned after {} of {ITEMS} items, {} tasks still alive",
        progress.items_done.load(Relaxed),
        metrics.num_alive_tasks()
    );
    // Returning from `main` shuts the runtime down, which drops those tasks unfinished.
    Ok(())
}

// One thread, so the counts printed are exact: a task that finished has also been released from
// the runtime before `main` runs again. On a multi-thread runtime `num_alive_tasks()` can lag a
// `join_next()` by a moment, and chunks of CPU-heavy work would belong there (or on `spawn_blocking`).
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    run().await
}
