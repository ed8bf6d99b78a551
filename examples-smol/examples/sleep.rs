//! `smol::Timer::after`: a timer that waits at least as long as asked and blocks no thread.
//!
//! `Timer::after` registers a deadline with `async-io`'s reactor and yields; the task is woken
//! once the deadline has passed, so the wait is never shorter than asked and often a little longer
//! (the reactor's thread must wake, on Linux from a `timerfd`, and the task be scheduled again). No
//! thread is blocked meanwhile, so three tasks that each sleep 100 ms finish together after about
//! 100 ms, not 300, even on one thread. Differences from tokio:
//! - the timer gives the `Instant` it was due at; there is no clock to pause (`time::pause`).
//! - `smol::spawn`'s executor has one thread (`SMOL_THREADS`), not one per core: all on `smol-1`.
//!
//! Guide: 指南 2.5.2.6 定时器 (sleep); 教程 定时器和延迟 (基本定时器); see README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example sleep
//! ```
//!
//! Prints the measured length of one 100 ms sleep, then the wake time and thread of each of three
//! concurrent sleepers and the total: about 100 ms each, about 100 ms in all, all on `smol-1`.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! anyhow = "1"
//! ```

use std::thread;
use std::time::{Duration, Instant};

use smol::Timer;

const NAP: Duration = Duration::from_millis(100);

async fn run() -> anyhow::Result<()> {
    let started = Instant::now();
    let due = Timer::after(NAP).await;
    println!(
        "one sleep of {} ms took {} ms, and it was due at {} ms",
        NAP.as_millis(),
        started.elapsed().as_millis(),
        due.duration_since(started).as_millis()
    );

    // Each task sleeps on its own; while they wait, the executor's one thread is free, so the
    // three timers run down side by side.
    let started = Instant::now();
    let tasks: Vec<_> = (0..3)
        .map(|id| {
            smol::spawn(async move {
                Timer::after(NAP).await;
                let thread = thread::current().name().unwrap_or("unnamed").to_owned();
                (id, started.elapsed(), thread)
            })
        })
        .collect();

    // Await in spawn order so the output is the same on every run, whichever task woke first.
    // (Each `Task` must be kept until awaited: dropping one would cancel its future.)
    for task in tasks {
        let (id, woke_after, thread) = task.await;
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
    smol::block_on(run())
}
