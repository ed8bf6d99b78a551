//! Bounded concurrency: limit how many tasks exist, not only how many run.
//! Legacy: discontinued (RUSTSEC-2025-0052); twin: examples-smol/examples/bounded_concurrency.rs
//!
//! A task per item that waits on a semaphore limits the work in progress, but every task (its
//! future, its item, its place in the executor) exists from the start: 10,000 items, about 10,000
//! live tasks. Taking the permit *before* spawning (`acquire_arc`; the permit moves into the task)
//! makes the spawning loop wait instead, and at most N tasks ever exist. Next to the smol twin:
//! - no `Executor` of its own: tasks run at once on the global runtime's threads while the loop
//!   still spawns, so the first two peaks are a little under the item count.
//!
//! Guide: 教程 性能调优 (内存优化), 最佳实践 3 (资源管理); what they get wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example bounded_concurrency
//! ```
//! Prints the peak number of live tasks for 1,000 and 10,000 items: about the item count when the
//! permit is taken inside the task, 100 for both sizes when it is taken before spawning.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! async-lock = "3"
//! futures = "0.3"
//! anyhow = "1"
//! thiserror = "2"
//! ```

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use async_lock::Semaphore;
use async_std::task::{self, JoinHandle};
use futures::FutureExt;
use futures::stream::{FuturesUnordered, StreamExt};

const LIMIT: usize = 100;
/// How long a job holds its permit: the stand-in for a short I/O wait.
const WORK: Duration = Duration::from_millis(2);

/// A `thiserror` enum is `Send + Sync + 'static`, so it can leave a spawned task. It has only the
/// job's own error: this semaphore cannot be closed, so taking a permit cannot fail.
#[derive(Debug, thiserror::Error)]
enum JobError {
    #[error("item {0} is invalid")]
    Invalid(usize),
}

type Outcome = Result<usize, JobError>;

/// Counts the tasks that are spawned and not yet finished, and remembers the most there were
/// (async-std has no runtime metrics to ask).
#[derive(Default)]
struct LiveTasks {
    now: AtomicUsize,
    peak: AtomicUsize,
}

/// One live task; moved into the task, so it is dropped when the task's future ends, whether the
/// task finished or was cancelled.
struct Live(Arc<LiveTasks>);

impl LiveTasks {
    fn enter(self: &Arc<Self>) -> Live {
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
        Live(self.clone())
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, SeqCst);
    }
}

/// The guide's `ResourceManager`, fixed: cheap to clone, and it spawns only once it has a permit.
#[derive(Clone)]
struct ResourceManager {
    semaphore: Arc<Semaphore>,
}

impl ResourceManager {
    async fn spawn<F>(&self, live: &Arc<LiveTasks>, job: F) -> JoinHandle<Outcome>
    where
        F: Future<Output = Outcome> + Send + 'static,
    {
        // Waits here, in the spawning loop, until one of the LIMIT tasks has finished.
        let permit = self.semaphore.acquire_arc().await;
        let live = live.enter();
        task::spawn(async move {
            let outcome = job.await;
            // Leave the count before giving the permit back, so it never exceeds the permits.
            drop(live);
            drop(permit);
            outcome
        })
    }
}

/// Stands in for I/O: it waits a moment, holding its permit meanwhile. (A mere `yield_now`, as in
/// the tokio twin, would finish each task on another thread about as fast as the loop spawns it.)
async fn process(item: usize) -> Outcome {
    task::sleep(WORK).await;
    if item == 7 { Err(JobError::Invalid(item)) } else { Ok(item) }
}

/// The guide's way: every task is spawned at once, then waits for a permit. The tasks start at
/// once on the runtime's threads, so a few finish while the loop is still spawning.
async fn permit_inside(items: usize) -> (usize, Vec<String>) {
    let semaphore = Arc::new(Semaphore::new(LIMIT));
    let live = Arc::new(LiveTasks::default());
    let mut tasks = Vec::with_capacity(items);
    for item in 0..items {
        let (semaphore, live) = (semaphore.clone(), live.enter());
        tasks.push(task::spawn(async move {
            let _live = live;
            let _permit = semaphore.acquire().await;
            process(item).await
        }));
    }
    let mut failed = Vec::new();
    for task in tasks {
        tally(task.await, &mut failed);
    }
    (live.peak.load(SeqCst), failed)
}

/// The fixed way: the loop waits for a permit before it spawns.
async fn permit_before(items: usize) -> (usize, Vec<String>) {
    let manager = ResourceManager { semaphore: Arc::new(Semaphore::new(LIMIT)) };
    let live = Arc::new(LiveTasks::default());
    let mut tasks = FuturesUnordered::new();
    let mut failed = Vec::new();
    for item in 0..items {
        tasks.push(manager.spawn(&live, process(item)).await);
        // A finished task keeps its output until its `JoinHandle` is awaited: reap them as we go.
        // `now_or_never` gives `None` as soon as no task is ready, instead of waiting for one.
        while let Some(Some(outcome)) = tasks.next().now_or_never() {
            tally(outcome, &mut failed);
        }
    }
    while let Some(outcome) = tasks.next().await {
        tally(outcome, &mut failed);
    }
    (live.peak.load(SeqCst), failed)
}

/// A job's own error (it crossed the task boundary) is recorded. There is no `JoinError` to
/// handle: a task that panicked would resume its panic in the code awaiting its `JoinHandle`.
fn tally(outcome: Outcome, failed: &mut Vec<String>) {
    if let Err(e) = outcome {
        failed.push(e.to_string());
    }
}

async fn run() {
    for (way, before) in [("permit inside the task", false), ("permit before spawning", true)] {
        for items in [1_000, 10_000] {
            let (peak, failures) =
                if before { permit_before(items).await } else { permit_inside(items).await };
            println!("{way}, {items} items: peak {peak} live tasks, failed {failures:?}");
        }
    }
}

// `block_on` runs `run` on the main thread; the spawned tasks run on the global runtime's
// threads, started by the first `spawn`.
fn main() {
    task::block_on(run());
}
