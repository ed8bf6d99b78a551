//! Stopping cleanly on SIGINT (Ctrl+C) or SIGTERM: finish the current step, clean up, exit 0.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/signal.rs
//!
//! A worker does ten 30 ms steps in its own task while `main` races it against SIGINT (Ctrl+C) and
//! SIGTERM (`kill`, systemd, Docker). On a signal, `main` closes a stop channel the worker checks
//! between steps, waits for the step in hand, cleans up and returns: exit status 0. Next to smol:
//! - the same `async-signal` crate (async-std has no signal API), raced with `FutureExt::race`
//!   (`unstable`), which polls its left side first, like smol's `or`;
//! - the worker's `JoinHandle` is raced by `&mut` and awaited after; dropping it would detach the
//!   worker, where a dropped smol `Task` cancels it mid-step.
//!
//! Guide: 教程 进程和信号 (信号处理); what the guide gets wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example signal
//! ```
//! Prints `working (pid N)...`, `step 1 done` .. `step 10 done`, `all 10 steps done`, `cleaned up`.
//! On Ctrl+C (or `kill <pid>`) while it works: `received SIGINT: stopping after step N` (or
//! `SIGTERM`), `cleaned up`, exit status 0. Unix only (SIGTERM).
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
    // Installed now, before `working` is printed: a signal from anyone who saw that line is caught
    // rather than killing the process the default way. A handler stays for the life of the
    // process, even once `signals` is dropped (signal-hook-registry never restores the default
    // action), so a second Ctrl+C during cleanup is swallowed too.
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
