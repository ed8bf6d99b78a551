//! `tokio::time::sleep`: a timer that waits at least as long as asked and blocks no thread.
//!
//! `sleep` registers a deadline with the runtime's timer and yields; the task is woken once the
//! deadline has passed, so the measured wait is never shorter than requested (it is often a
//! millisecond or so longer: the timer has millisecond resolution and the woken task must be
//! scheduled again). No thread is blocked while the timer is pending, so three tasks that each
//! sleep 100 ms finish together after about 100 ms, not 300.
//!
//! Guide: 指南 2.5.2.6 定时器 (sleep); 教程 定时器和延迟 (基本定时器); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example sleep
//! ```
//!
//! Prints the measured length of one 100 ms sleep, then the wake time of each of three concurrent
//! sleepers and the total: about 100 ms each, about 100 ms in all.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! anyhow = "1"
//! ```

use std::time::Duration;

// tokio's `Instant` rather than std's: it follows the runtime's clock, so the same code also works
// under `tokio::time::pause()` in tests.
use tokio::time::{Instant, sleep};

const NAP: Duration = Duration::from_millis(100);

async fn run() -> anyhow::Result<()> {
    let started = Instant::now();
    sleep(NAP).await;
    println!("one sleep of {} ms took {} ms", NAP.as_millis(), started.elapsed().as_millis());

    // Each task sleeps on its own; while they wait, the runtime's threads are free, so the three
    // timers run down side by side.
    let started = Instant::now();
    let handles: Vec<_> = (0..3)
        .map(|id| {
            tokio::spawn(async move {
                sleep(NAP).await;
                (id, started.elapsed())
            })
        })
        .collect();

    // Await in spawn order so the output is the same on every run, whichever task woke first.
    for handle in handles {
        let (id, woke_after) = handle.await?;
        println!("task {id} woke after {} ms", woke_after.as_millis());
    }
    println!(
        "three {} ms sleeps in three tasks: all done after {} ms",
        NAP.as_millis(),
        started.elapsed().as_millis()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
