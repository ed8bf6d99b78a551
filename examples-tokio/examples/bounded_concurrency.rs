//! Bounded concurrency: limit how many tasks exist, not only how many run.
//!
//! A task per item that waits on a semaphore limits the work in progress, but every task (its
//! future, its item, its slot in the scheduler) exists from the start, so memory grows with the
//! input: 10,000 items, 10,000 live tasks. Taking the permit *before* spawning (`acquire_owned`;
//! the permit moves into the task) makes the spawning loop wait instead, and at most N tasks ever
//! exist. The limiter is a `Clone` struct over an `Arc<Semaphore>`. A spawned task's output must be
//! `Send + 'static` (not `Sync`): the error enum is, because its fields (`AcquireError`, `usize`)
//! are, not because `thiserror` derives it.
//!
//! Guide: 教程 性能调优 (内存优化), 最佳实践 3 (资源管理); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example bounded_concurrency
//! ```
//!
//! Prints the peak number of live tasks for 1,000 and 10,000 items: equal to the item count when
//! the permit is taken inside the task, 100 for both sizes when it is taken before spawning.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt", "sync"] }
//! anyhow = "1"
//! thiserror = "2"
//! ```

use std::sync::Arc;

use tokio::runtime::Handle;
use tokio::sync::{AcquireError, Semaphore};
use tokio::task::{JoinError, JoinSet};

const LIMIT: usize = 100;

#[derive(Debug, thiserror::Error)]
enum JobError {
    #[error("the limiter was closed")]
    Closed(#[from] AcquireError),
    #[error("item {0} is invalid")]
    Invalid(usize),
}

type Outcome = Result<usize, JobError>;

/// The guide's `ResourceManager`, fixed: cheap to clone, and it spawns only once it has a permit.
#[derive(Clone)]
struct ResourceManager {
    semaphore: Arc<Semaphore>,
}

impl ResourceManager {
    async fn spawn<F>(&self, tasks: &mut JoinSet<Outcome>, job: F) -> Result<(), JobError>
    where
        F: Future<Output = Outcome> + Send + 'static,
    {
        let permit = self.semaphore.clone().acquire_owned().await?;
        tasks.spawn(async move {
            let outcome = job.await;
            drop(permit);
            outcome
        });
        Ok(())
    }
}

/// Stands in for I/O: it gives up its turn once, holding its permit meanwhile.
async fn process(item: usize) -> Outcome {
    tokio::task::yield_now().await;
    if item == 7 { Err(JobError::Invalid(item)) } else { Ok(item) }
}

/// The guide's way: every task is spawned at once, then waits for a permit.
async fn permit_inside(items: usize) -> anyhow::Result<(usize, Vec<String>)> {
    let semaphore = Arc::new(Semaphore::new(LIMIT));
    let mut tasks = JoinSet::new();
    for item in 0..items {
        let semaphore = semaphore.clone();
        tasks.spawn(async move {
            let _permit = semaphore.acquire().await?;
            process(item).await
        });
    }
    // Spawned and not yet finished, as the runtime counts them (`main`'s body is not a task).
    let (peak, mut failed) = (Handle::current().metrics().num_alive_tasks(), Vec::new());
    while let Some(joined) = tasks.join_next().await {
        tally(joined, &mut failed)?;
    }
    Ok((peak, failed))
}

/// The fixed way: the loop waits for a permit before it spawns.
async fn permit_before(items: usize) -> anyhow::Result<(usize, Vec<String>)> {
    let manager = ResourceManager { semaphore: Arc::new(Semaphore::new(LIMIT)) };
    let mut tasks = JoinSet::new();
    let (mut peak, mut failed) = (0, Vec::new());
    for item in 0..items {
        manager.spawn(&mut tasks, process(item)).await?;
        peak = peak.max(Handle::current().metrics().num_alive_tasks());
        // A JoinSet keeps finished tasks' outputs until joined: reap them as we go.
        while let Some(joined) = tasks.try_join_next() {
            tally(joined, &mut failed)?;
        }
    }
    while let Some(joined) = tasks.join_next().await {
        tally(joined, &mut failed)?;
    }
    Ok((peak, failed))
}

/// A panicked task fails the run; a job's own error (it crossed the task boundary) is recorded.
fn tally(joined: Result<Outcome, JoinError>, failed: &mut Vec<String>) -> anyhow::Result<()> {
    if let Err(e) = joined? {
        failed.push(e.to_string());
    }
    Ok(())
}

async fn run() -> anyhow::Result<()> {
    for (way, before) in [("permit inside the task", false), ("permit before spawning", true)] {
        for items in [1_000, 10_000] {
            let (peak, failures) =
                if before { permit_before(items).await? } else { permit_inside(items).await? };
            println!("{way}, {items} items: peak {peak} live tasks, failed {failures:?}");
        }
    }
    Ok(())
}

// A current-thread runtime makes the peaks exact: no task runs while the loop spawns. On a
// multi-thread runtime the first peaks are the same give or take the few tasks done meanwhile.
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    run().await
}
