//! Task granularity: a task should carry enough work to pay for its own spawn.
//!
//! Spawning a task allocates it, schedules it, wakes a worker, and later hands its output back
//! through a `JoinHandle`. That costs microseconds, while squaring a number costs about a
//! nanosecond, so one task per item spends almost all its time in the scheduler. Cutting the same
//! work into chunks of 1,000 items keeps all workers busy with a hundred tasks instead of a
//! hundred thousand, and gives the same answer.
//!
//! Guide: 指南 2.5.9.1 任务设计 (任务粒度); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example task_granularity
//! ```
//!
//! Prints the same sum of squares twice, one task per item and one task per chunk, with the time
//! each took and how many times slower the per-item version was.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! anyhow = "1"
//! ```

use std::time::Instant;

const ITEMS: u64 = 100_000;
const CHUNK: u64 = 1_000;

/// The work for one item: far cheaper than spawning a task for it.
fn square(i: u64) -> u64 {
    i * i
}

async fn one_task_per_item() -> anyhow::Result<u64> {
    let handles: Vec<_> = (0..ITEMS).map(|i| tokio::spawn(async move { square(i) })).collect();
    let mut total = 0;
    for handle in handles {
        total += handle.await?;
    }
    Ok(total)
}

async fn one_task_per_chunk() -> anyhow::Result<u64> {
    let handles: Vec<_> = (0..ITEMS)
        .step_by(CHUNK as usize)
        .map(|start| tokio::spawn(async move { (start..start + CHUNK).map(square).sum::<u64>() }))
        .collect();
    let mut total = 0;
    for handle in handles {
        total += handle.await?;
    }
    Ok(total)
}

async fn run() -> anyhow::Result<()> {
    // Sum of i² for i in 0..n is (n - 1) n (2n - 1) / 6.
    let expected = (ITEMS - 1) * ITEMS * (2 * ITEMS - 1) / 6;

    let started = Instant::now();
    let per_item = one_task_per_item().await?;
    let per_item_time = started.elapsed();

    let started = Instant::now();
    let per_chunk = one_task_per_chunk().await?;
    let per_chunk_time = started.elapsed();

    anyhow::ensure!(per_item == expected && per_chunk == expected, "wrong sum");
    println!("sum of squares of 0..{ITEMS}: {expected}");
    println!("one task per item:       {ITEMS} tasks, {} ms", per_item_time.as_millis());
    println!(
        "one task per {CHUNK} items: {} tasks, {} ms",
        ITEMS / CHUNK,
        per_chunk_time.as_millis()
    );
    println!(
        "per-item tasks were {:.0}x slower",
        per_item_time.as_secs_f64() / per_chunk_time.as_secs_f64()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
