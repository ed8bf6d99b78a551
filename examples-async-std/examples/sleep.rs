//! `async_std::task::sleep`: a timer that waits at least as long as asked and blocks no thread.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/sleep.rs
//!
//! `task::sleep` registers a deadline with `async-io`'s reactor (an `async_io::Timer`, the timer
//! behind smol's `Timer`) and yields; the task is woken once the deadline has passed, so the wait
//! is never shorter than asked and often a little longer (the reactor must wake, the task be
//! scheduled again). No thread is blocked meanwhile, so three tasks that each sleep 100 ms finish
//! together after about 100 ms, not 300. Next to the smol twin:
//! - `task::sleep` gives `()`, where smol's `Timer` gives the `Instant` it was due at;
//! - spawned tasks run on the global runtime's threads, all named `async-std/runtime`.
//!
//! Guide: 指南 2.5.2.6 定时器 (sleep); 教程 定时器和延迟 (基本定时器); see README, Errata.
//! ```text
//! cargo run -p examples-async-std --example sleep
//! ```
//! Prints the measured length of one 100 ms sleep, then the wake time and thread of each of three
//! concurrent sleepers and the total: about 100 ms each, about 100 ms in all, on
//! `async-std/runtime` threads.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! anyhow = "1"
//! ```

use std::thread;
use std::time::{Duration, Instant};

use async_std::task;

const NAP: Duration = Duration::from_millis(100);

async fn run() -> anyhow::Result<()> {
    let started = Instant::now();
    task::sleep(NAP).await;
    println!("one sleep of {} ms took {} ms", NAP.as_millis(), started.elapsed().as_millis());

    // Each task sleeps on its own; while they wait, the runtime's threads are free, so the three
    // timers run down side by side.
    let started = Instant::now();
    let handles: Vec<_> = (0..3)
        .map(|id| {
            task::spawn(async move {
                task::sleep(NAP).await;
                let thread = thread::current().name().unwrap_or("unnamed").to_owned();
                (id, started.elapsed(), thread)
            })
        })
        .collect();

    // Await in spawn order so the output is the same on every run, whichever task woke first.
    // (Awaiting a `JoinHandle` gives the task's output itself: there is no `JoinError` to unwrap.)
    for handle in handles {
        let (id, woke_after, thread) = handle.await;
        println!("task {id} woke after {} ms on thread {thread}", woke_after.as_millis());
    }
    println!(
        "three {} ms sleeps in three tasks: all done after {} ms",
        NAP.as_millis(),
        started.elapsed().as_millis()
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
