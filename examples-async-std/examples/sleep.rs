//! `async_std::task::sleep`: a timer that waits at least as long as asked and never blocks the runtime.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/sleep.rs`.
//!
//! `task::sleep` registers a deadline with the reactor of `async-io` (in async-std's source it is
//! `io::timeout(dur, future::pending())`, and the timeout is an `async_io::Timer`) and yields; the
//! task is woken once the deadline has passed, so the measured wait is never shorter than
//! requested (it is often a little longer: the reactor must wake up and the woken task must be
//! scheduled again). No thread is blocked while the timer is pending, so three tasks that each
//! sleep 100 ms finish together after about 100 ms, not 300.
//!
//! Guide: 指南 2.5.2.6 定时器 (sleep); 教程 定时器和延迟 (基本定时器).
//! The guides sleep 1 s and 500 ms and print a raw `Instant`; this sleeps 100 ms and prints elapsed milliseconds.
//!
//! Differences from tokio: `task::sleep` rather than `tokio::time::sleep`, and it returns `()`
//! (smol's `Timer` returns the `Instant` it was due at); measurements use `std::time::Instant`,
//! since async-std has no clock of its own to pause in tests. `task::spawn` runs tasks on a global
//! runtime started on first use, with `ASYNC_STD_THREAD_COUNT` threads (default: one per CPU, like
//! tokio's default runtime), all named `async-std/runtime` (`ASYNC_STD_THREAD_NAME` changes it);
//! `main` itself runs on the main thread under `task::block_on`.
//!
//! ```text
//! cargo run -p examples-async-std --example sleep
//! ```
//!
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
    println!(
        "one sleep of {} ms took {} ms",
        NAP.as_millis(),
        started.elapsed().as_millis()
    );

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
        println!(
            "task {id} woke after {} ms on thread {thread}",
            woke_after.as_millis()
        );
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
