//! Metrics: task counts, throughput, latency percentiles at full precision, and tokio's own gauges.
//!
//! An average alone hides the slow requests users notice, so latencies are kept as `Duration`
//! samples and summarised as mean, p50, p99 and max; converting with `as_secs_f64() * 1000.0` keeps
//! the fraction that `as_millis()` throws away (a 0.6 ms operation is 0 ms to it). Counters of
//! spawned and completed tasks give the number in flight. The runtime's stable metrics
//! (`Handle::current().metrics()`: workers, alive tasks, global queue depth) come for free and need
//! no `tokio_unstable`.
//!
//! Guide: 指南 2.5.8.3 性能分析; 教程 性能调优 (性能监控), 最佳实践 4 (性能监控); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example metrics
//! ```
//!
//! Prints the counts with 200 tasks waiting at a start line, then after they ran: throughput,
//! latency mean/p50/p99/max of 1-3 ms sleeps, and a sub-millisecond mean beside the guide's 0 ms.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "sync", "time"] }
//! anyhow = "1"
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::Barrier;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

const TASKS: u64 = 200;

#[derive(Default)]
struct TaskCounts {
    spawned: AtomicU64,
    completed: AtomicU64,
}

impl TaskCounts {
    fn report(&self) -> String {
        let (spawned, completed) = (self.spawned.load(Relaxed), self.completed.load(Relaxed));
        format!("spawned {spawned}, completed {completed}, in flight {}", spawned - completed)
    }
}

/// How long `work` took, kept as a `Duration`: no rounding until it is printed.
async fn timed(work: impl Future<Output = ()>) -> Duration {
    let started = Instant::now();
    work.await;
    started.elapsed()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Mean, p50, p99 and max in fractional milliseconds, next to the guide's integer-ms mean.
fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort_unstable();
    let Some(&max) = samples.last() else {
        return "no samples".to_owned();
    };
    let n = samples.len();
    // Nearest-rank percentile: the smallest sample with at least p% of samples at or below it.
    let pct = |p: f64| samples[((p / 100.0 * n as f64).ceil() as usize).max(1) - 1];
    let mean = samples.iter().sum::<Duration>() / n as u32;
    let guide = samples.iter().map(Duration::as_millis).sum::<u128>() / n as u128;
    format!(
        "mean {:.4} ms, p50 {:.4} ms, p99 {:.4} ms, max {:.4} ms (the guide's mean: {guide} ms)",
        ms(mean),
        ms(pct(50.0)),
        ms(pct(99.0)),
        ms(max)
    )
}

async fn run() -> anyhow::Result<()> {
    let counts = Arc::new(TaskCounts::default());
    // Every task waits here until main arrives too, so the counts read before then are exact.
    let start_line = Arc::new(Barrier::new(TASKS as usize + 1));
    let mut tasks = JoinSet::new();
    for i in 0..TASKS {
        let (counts, start_line) = (counts.clone(), start_line.clone());
        counts.spawned.fetch_add(1, Relaxed);
        tasks.spawn(async move {
            start_line.wait().await;
            let took = timed(sleep(Duration::from_millis(1 + i % 3))).await;
            counts.completed.fetch_add(1, Relaxed);
            took
        });
    }
    let runtime = Handle::current().metrics();
    println!("at the start line: {}", counts.report());
    println!(
        "runtime: {} workers, {} alive tasks, {} in the global queue",
        runtime.num_workers(),
        runtime.num_alive_tasks(),
        runtime.global_queue_depth()
    );

    let started = Instant::now();
    start_line.wait().await;
    let mut latencies = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        latencies.push(joined?);
    }
    let wall = started.elapsed();
    println!("after joining: {}", counts.report());
    println!("runtime: {} in the global queue", runtime.global_queue_depth());
    let rate = TASKS as f64 / wall.as_secs_f64();
    println!("throughput: {rate:.0} items/s ({TASKS} in {:.3} ms)", ms(wall));
    println!("sleeps of 1-3 ms: {}", summary(latencies));

    // Sub-millisecond work, where integer milliseconds round every sample down to 0.
    let mut fast = Vec::new();
    for _ in 0..TASKS {
        fast.push(timed(tokio::task::yield_now()).await);
    }
    println!("yield_now: {}", summary(fast));
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
