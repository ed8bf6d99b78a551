//! Avoid blocking: measure the stall one blocking call inflicts on every other task, and the fixes.
//!
//! A heartbeat task wants to run every 10 ms and records its longest gap while another task waits
//! 150 ms. `std::thread::sleep` (like any blocking call: file or database I/O, a long computation,
//! a contended `std` lock) holds the executor's thread, so the heartbeat stalls for the whole wait;
//! `Timer::after` yields the thread, and `smol::unblock` moves the call to a pool of threads meant
//! for blocking. Differences from tokio:
//! - `unblock(f).await` gives the closure's value, not a `Result<_, JoinError>`.
//! - no `block_in_place`: `unblock` is the one fix for a blocking call.
//!
//! Guide: 指南 2.5.9.3 避免阻塞; it shows the fixes but not the harm, which is measured here.
//!
//! ```text
//! cargo run -p examples-smol --example avoid_blocking
//! ```
//!
//! Prints, for each way of waiting, that the wait took 150 ms and the heartbeat's worst gap: about
//! 150 ms for `std::thread::sleep`, about 10 ms for the other two.
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

/// Runs `waiter` as a task next to a 10 ms heartbeat task; returns how long the waiter task took
/// and the heartbeat's worst gap, in ms.
async fn worst_gap(
    ex: &LocalExecutor<'_>,
    waiter: impl Future<Output = ()> + 'static,
) -> (u128, u128) {
    // Nothing is sent: dropping `stop` closes the channel, and that is the signal.
    let (stop, stopped) = channel::bounded::<()>(1);
    let heartbeat = ex.spawn(async move {
        let mut last = Instant::now();
        let mut worst = Duration::ZERO;
        loop {
            // No `select!`: the stop signal races the next beat with `or`.
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
    let started = Instant::now();
    ex.spawn(waiter).await;
    let waited = started.elapsed().as_millis();
    drop(stop);
    (waited, heartbeat.await.as_millis())
}

async fn run(ex: &LocalExecutor<'_>) {
    println!("heartbeat every 10 ms; another task waits 150 ms with:");
    let (waited, gap) = worst_gap(ex, async { std::thread::sleep(WAIT) }).await;
    println!(
        "  std::thread::sleep      waited {waited} ms, worst gap {gap} ms  (the thread was blocked)"
    );
    let (waited, gap) = worst_gap(ex, async {
        Timer::after(WAIT).await;
    })
    .await;
    println!("  Timer::after            waited {waited} ms, worst gap {gap} ms");
    // Inside `async`: `unblock` starts its job when called, so passed bare it would start
    // before `worst_gap`'s warm-up, not when the waiter task does (it would "wait" only 120 ms).
    let waiter = async { smol::unblock(|| std::thread::sleep(WAIT)).await };
    let (waited, gap) = worst_gap(ex, waiter).await;
    println!("  unblock(thread::sleep)  waited {waited} ms, worst gap {gap} ms");
}

// One thread runs every task, `run` included: an explicit `LocalExecutor` driven by
// `block_on(ex.run(..))`, the same situation as tokio's current-thread runtime, or a
// multi-thread executor whose threads are all busy.
fn main() {
    let ex = LocalExecutor::new();
    smol::block_on(ex.run(run(&ex)));
}
