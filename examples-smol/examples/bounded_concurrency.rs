//! Bounded concurrency: limit how many tasks exist, not only how many run.
//!
//! A task per item that waits on a semaphore limits the work in progress, but every task (its
//! future, its item, its place in the executor) exists from the start: 10,000 items, 10,000 live
//! tasks. Taking the permit *before* spawning (`acquire_arc`; the permit moves into the task) makes
//! the spawning loop wait instead, and at most N tasks ever exist. Differences from tokio:
//! - no runtime metrics: each task owns a guard that counts it live from its spawn to its end.
//! - no `JoinSet`: finished `Task`s are reaped from a `FuturesUnordered` with `poll_once`.
//!
//! Guide: 教程 性能调优 (内存优化), 最佳实践 3 (资源管理); what they get wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example bounded_concurrency
//! ```
//!
//! Prints the peak number of live tasks for 1,000 and 10,000 items: equal to the item count when
//! the permit is taken inside the task, 100 for both sizes when it is taken before spawning.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! futures = "0.3"
//! thiserror = "2"
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use futures::stream::FuturesUnordered;
use smol::lock::Semaphore;
use smol::stream::StreamExt;
use smol::{Executor, Task, future};

const LIMIT: usize = 100;

/// A `thiserror` enum is `Send + Sync + 'static`, so it can leave a spawned task (a
/// `Box<dyn Error>` cannot). `acquire_arc` cannot fail, so the job's own error is the only one.
#[derive(Debug, thiserror::Error)]
enum JobError {
    #[error("item {0} is invalid")]
    Invalid(usize),
}

type Outcome = Result<usize, JobError>;

/// Counts the tasks that are spawned and not yet finished, and remembers the most there were.
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

/// The guide's `ResourceManager`, fixed: cheap to clone (an `Arc<Semaphore>`), so each task can
/// own a handle, and it spawns only once it has a permit (`acquire_arc`: tokio's `acquire_owned`).
#[derive(Clone)]
struct ResourceManager {
    semaphore: Arc<Semaphore>,
}

impl ResourceManager {
    async fn spawn<F>(&self, ex: &Executor<'_>, live: &Arc<LiveTasks>, job: F) -> Task<Outcome>
    where
        F: Future<Output = Outcome> + Send + 'static,
    {
        // Waits here, in the spawning loop, until one of the LIMIT tasks has finished.
        let permit = self.semaphore.acquire_arc().await;
        let live = live.enter();
        ex.spawn(async move {
            let outcome = job.await;
            // Leave the count before giving the permit back, so it never exceeds the permits.
            drop(live);
            drop(permit);
            outcome
        })
    }
}

/// Stands in for I/O: it gives up its turn once, holding its permit meanwhile.
async fn process(item: usize) -> Outcome {
    future::yield_now().await;
    if item == 7 { Err(JobError::Invalid(item)) } else { Ok(item) }
}

/// The guide's way: every task is spawned at once, then waits for a permit.
async fn permit_inside(ex: &Executor<'_>, items: usize) -> (usize, Vec<String>) {
    let semaphore = Arc::new(Semaphore::new(LIMIT));
    let live = Arc::new(LiveTasks::default());
    let mut tasks = Vec::with_capacity(items);
    for item in 0..items {
        let (semaphore, live) = (semaphore.clone(), live.enter());
        tasks.push(ex.spawn(async move {
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
async fn permit_before(ex: &Executor<'_>, items: usize) -> (usize, Vec<String>) {
    let manager = ResourceManager { semaphore: Arc::new(Semaphore::new(LIMIT)) };
    let live = Arc::new(LiveTasks::default());
    let mut tasks = FuturesUnordered::new();
    let mut failed = Vec::new();
    for item in 0..items {
        tasks.push(manager.spawn(ex, &live, process(item)).await);
        // A finished `Task` keeps its output until awaited: reap them as we go. `poll_once`
        // gives `None` as soon as no task is ready, instead of waiting for one.
        while let Some(Some(outcome)) = future::poll_once(tasks.next()).await {
            tally(outcome, &mut failed);
        }
    }
    while let Some(outcome) = tasks.next().await {
        tally(outcome, &mut failed);
    }
    (live.peak.load(SeqCst), failed)
}

/// A job's own error (it crossed the task boundary) is recorded. There is no `JoinError` to
/// handle: a task that panicked would resume its panic in the code awaiting its `Task`.
fn tally(outcome: Outcome, failed: &mut Vec<String>) {
    if let Err(e) = outcome {
        failed.push(e.to_string());
    }
}

async fn run(ex: &Executor<'_>) {
    for (way, before) in [("permit inside the task", false), ("permit before spawning", true)] {
        for items in [1_000, 10_000] {
            let (peak, failures) = if before {
                permit_before(ex, items).await
            } else {
                permit_inside(ex, items).await
            };
            println!("{way}, {items} items: peak {peak} live tasks, failed {failures:?}");
        }
    }
}

// Only the main thread runs the executor, which makes the peaks exact: no task runs while the
// loop spawns. It stands in for tokio's current-thread runtime, yet still requires `Send` futures
// and outputs, like `tokio::spawn`. With more threads running it, the first peaks are the same
// give or take the few tasks done meanwhile.
fn main() {
    let ex = Executor::new();
    smol::block_on(ex.run(run(&ex)));
}
