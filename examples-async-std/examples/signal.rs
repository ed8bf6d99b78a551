//! Stopping cleanly on SIGINT (Ctrl+C) or SIGTERM: finish the current step, clean up, exit 0.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/signal.rs`.
//!
//! A worker does ten 30 ms steps in its own task while `main` races it against the two signals a
//! process is asked to stop with: SIGINT from Ctrl+C and SIGTERM from `kill`, systemd, Docker and
//! Kubernetes. On a signal, `main` does not drop the worker in the middle of a step: it closes a
//! stop channel that the worker checks between steps, waits for it to finish the step in hand,
//! cleans up and returns normally, so the exit status is 0. The handlers are installed by
//! `Signals::new` before the `working` line is printed, so a signal sent by anyone who saw that
//! line is caught rather than killing the process the default way. Once installed, a handler
//! stays for the life of the process, even after the `Signals` is dropped (signal-hook-registry
//! never restores the default action), so a second Ctrl+C during cleanup is swallowed too (a
//! real program may choose to exit on it).
//!
//! Guide: 教程 进程和信号 (信号处理).
//! The tutorial's `select!` drops the work future wherever it happens to be (no cleanup), handles
//! only Ctrl+C (SIGTERM still kills it on the spot) and lacks `use std::time::Duration`; this
//! handles both signals, finishes the current step, cleans up and exits 0.
//!
//! Differences from tokio: async-std has no signal API at all; the `async-signal` crate (from the
//! smol family, driven by the same `async-io` reactor async-std runs on) provides it, as in the
//! smol twin. One `async_signal::Signals` is a `Stream` of every signal in its set
//! (`io::Result<Signal>` items), where tokio has one `Signal` per kind with a `recv` method. There
//! is no `select!`: the race is `FutureExt::race` (it needs the `unstable` feature), which polls
//! its left side first, like `select!` with `biased;`. The worker's `JoinHandle` is raced by
//! reference, `&mut work`, because it is needed afterwards to wait for the step in hand; dropping
//! it would not stop the worker (an async-std `JoinHandle` detaches its task when dropped, unlike
//! smol's `Task`), only leave nothing to wait on. async-std has no `CancellationToken`: a channel
//! that nobody sends on does the job, closed to ask for the stop and checked with `is_closed()`.
//!
//! ```text
//! cargo run -p examples-async-std --example signal
//! ```
//!
//! Prints `working (pid N)...`, then `step 1 done` .. `step 10 done`, `all 10 steps done` and
//! `cleaned up`. Press Ctrl+C (or run `kill <pid>` in another terminal) while it works, and it
//! prints `received SIGINT: stopping after step N` (or `SIGTERM`) and `cleaned up`, exiting 0.
//! Unix only (SIGTERM).
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `FutureExt::race`
//! async-signal = "0.2"
//! anyhow = "1"
//! ```

use std::time::Duration;

use anyhow::Context;
use async_signal::{Signal, Signals};
use async_std::channel::{self, Receiver};
use async_std::prelude::FutureExt;
use async_std::stream::StreamExt;
use async_std::task;

const STEPS: u32 = 10;
const STEP: Duration = Duration::from_millis(30);

/// Does up to [`STEPS`] steps, checking `stop` only between them, so a step is never cut short.
/// Returns how many steps were done.
async fn worker(stop: Receiver<()>) -> u32 {
    for step in 1..=STEPS {
        task::sleep(STEP).await; // one step of real work
        println!("step {step} done");
        if stop.is_closed() {
            return step;
        }
    }
    STEPS
}

async fn run() -> anyhow::Result<()> {
    // Installed now, before anyone is told we are running; see the header.
    let mut signals = Signals::new([Signal::Int, Signal::Term])?;
    println!("working (pid {})...", std::process::id());

    // Nothing is ever sent: closing the channel is the stop request.
    let (stop, stop_requested) = channel::bounded::<()>(1);
    let mut work = task::spawn(worker(stop_requested));
    let received = async {
        let done = (&mut work).await;
        println!("all {done} steps done");
        Ok(None)
    }
    .race(async {
        let signal = signals.next().await.context("the signal stream ended")?;
        anyhow::Ok(Some(signal?))
    })
    .await?;
    if let Some(signal) = received {
        let name = match signal {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
            other => anyhow::bail!("received {other:?}, which was never asked for"),
        };
        // Ask the worker to stop and wait for the step it is in: at most one step long.
        stop.close();
        let done = work.await;
        println!("received {name}: stopping after step {done}");
    }

    // What a real program does here: flush buffers, remove its pid file, close connections.
    println!("cleaned up");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
