//! Barrier: nobody goes on until everybody has arrived.
//!
//! `Barrier::new(n)` makes the first `n - 1` callers of `wait()` wait until the `n`-th arrives;
//! then all `n` go on together. Here 5 tasks arrive 30 ms apart, so the early ones wait about 120
//! ms and all pass at the last arrival. Exactly one `wait()` returns a result whose `is_leader()`
//! is true, a handy way to pick one task for a once-per-round job. Differences from tokio:
//! - none in the barrier: `smol::lock::Barrier` (`async-lock`) has the same `wait().await` and
//!   `is_leader()`; the `Task`s yield their results with no `JoinError`, so nothing here can fail.
//!
//! Guide: 指南 2.5.2.5 同步原语 (Barrier); its tasks all arrive at once, so no one is seen waiting.
//!
//! ```text
//! cargo run -p examples-smol --example barrier
//! ```
//!
//! In task order, each task's arrival time (0, 30, 60, 90, 120 ms) and pass time (all about 120
//! ms), then that none passed early and that there was exactly one leader.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use smol::Timer;
use smol::lock::Barrier;

const TASKS: u32 = 5;

/// What one task saw at the barrier.
struct Crossing {
    arrived: Instant,
    passed: Instant,
    leader: bool,
}

async fn run() {
    let barrier = Arc::new(Barrier::new(TASKS as usize));
    let started = Instant::now();

    let mut handles = Vec::new();
    for i in 0..TASKS {
        let barrier = Arc::clone(&barrier);
        handles.push(smol::spawn(async move {
            Timer::after(Duration::from_millis(u64::from(i) * 30)).await;
            let arrived = Instant::now();
            let result = barrier.wait().await;
            Crossing { arrived, passed: Instant::now(), leader: result.is_leader() }
        }));
    }
    // Joined in spawn order, so the output is in task order whatever order they finished in.
    let mut tasks = Vec::new();
    for handle in handles {
        tasks.push(handle.await);
    }

    for (i, task) in tasks.iter().enumerate() {
        println!(
            "task {i}: arrived at {} ms, passed at {} ms",
            (task.arrived - started).as_millis(),
            (task.passed - started).as_millis()
        );
    }
    let last_arrival = tasks.iter().map(|t| t.arrived).max();
    let first_pass = tasks.iter().map(|t| t.passed).min();
    // Both are `Some`, as there are tasks; comparing the options compares the instants.
    if first_pass >= last_arrival {
        println!("no task passed before the last one arrived");
    } else {
        println!("a task passed before the last one arrived");
    }
    // Which task is the leader is unspecified, so only the count is printed.
    let leaders = tasks.iter().filter(|t| t.leader).count();
    println!("leaders: {leaders}");
}

fn main() {
    smol::block_on(run());
}
