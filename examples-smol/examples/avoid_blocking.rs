//! Avoid blocking: measure the stall one blocking call inflicts on every other task, and the fixes.
//!
//! A heartbeat task wants to run every 10 ms and records the longest gap it actually saw. Another
//! task then waits 150 ms in three ways. `std::thread::sleep` (like any blocking call: file or
//! database I/O, a long computation, a contended `std` lock) holds the executor's thread, so the
//! heartbeat stalls for the whole 150 ms. `Timer::after` yields the thread instead;
//! `smol::unblock` runs the blocking call on a separate thread pool meant for blocking. With the
//! fixes the heartbeat keeps its 10 ms beat.
//!
//! Guide: 指南 2.5.9.3 避免阻塞.
//! The guide shows the fixes but not the harm; here the stall is measured.
//!
//! Differences from tokio: `smol::unblock(f)` instead of `spawn_blocking(f)`, and awaiting it
//! gives the closure's value, not a `Result<_, JoinError>`. smol has no `block_in_place`: no
//! worker can hand its other tasks to a new thread, so `unblock` is the one fix for a blocking
//! call. The single thread that runs every task is an explicit `LocalExecutor`, driven by
//! `block_on(ex.run(..))` on the main thread, instead of a runtime with one worker; there is no
//! `select!`, and the heartbeat races its stop signal against its `Timer` with `or`.
//!
//! ```text
//! cargo run -p examples-smol --example avoid_blocking
//! ```
//!
//! Prints the heartbeat's worst gap for each way of waiting: about 150 ms for
//! `std::thread::sleep`, about 10 ms for the other two.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! ```

use std::future::Future;
use std::time::{Duration, Instant};

use smol::future::FutureExt;
use smol::{LocalExecutor, Timer, channel};

const BEAT: Duration = Duration::from_millis(10);
const WAIT: Duration = Duration::from_millis(150);

/// Runs `waiter` as a task next to a 10 ms heartbeat task and returns the heartbeat's worst gap.
async fn worst_gap(ex: &LocalExecutor<'_>, waiter: impl Future<Output = ()> + 'static) -> u128 {
    // Nothing is sent: dropping `stop` closes the channel, and that is the signal.
    let (stop, stopped) = channel::bounded::<()>(1);
    let heartbeat = ex.spawn(async move {
        let mut last = Instant::now();
        let mut worst = Duration::ZERO;
        loop {
            let stop = async {
                // `Err` once `stop` is dropped.
                let _ = stopped.recv().await;
                true
            }
            .or(async {
                Timer::after(BEAT).await;
                false
            })
            .await;
            // Measured on either branch: if the stop and a late beat arrive together, the gap
            // since the last beat still counts.
            worst = worst.max(last.elapsed());
            last = Instant::now();
            if stop {
                break worst;
            }
        }
    });
    // A few beats first, so the gap measured is the waiter's doing, not start-up.
    Timer::after(3 * BEAT).await;
    ex.spawn(waiter).await;
    drop(stop);
    heartbeat.await.as_millis()
}

async fn run(ex: &LocalExecutor<'_>) {
    println!("heartbeat every 10 ms; another task waits 150 ms with:");
    let gap = worst_gap(ex, async { std::thread::sleep(WAIT) }).await;
    println!("  std::thread::sleep            worst gap {gap} ms  (the thread was blocked)");
    let gap = worst_gap(ex, async {
        Timer::after(WAIT).await;
    })
    .await;
    println!("  Timer::after                  worst gap {gap} ms");
    let gap = worst_gap(ex, smol::unblock(|| std::thread::sleep(WAIT))).await;
    println!("  unblock(thread::sleep)        worst gap {gap} ms");
}

// One thread runs every task, `run` included: the same situation as tokio's current-thread
// runtime, or a multi-thread executor whose threads are all busy.
fn main() {
    let ex = LocalExecutor::new();
    smol::block_on(ex.run(run(&ex)));
}
