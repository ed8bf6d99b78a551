//! Stopping cleanly on SIGINT (Ctrl+C) or SIGTERM: finish the current step, clean up, exit 0.
//!
//! A worker does ten 30 ms steps in its own task while `main` races it against SIGINT (Ctrl+C) and
//! SIGTERM (`kill`, systemd, Docker). On a signal, `main` closes a stop channel the worker checks
//! between steps, waits for the step in hand, cleans up, returns: exit 0. Differences from tokio:
//! - one `async_signal::Signals` is a `Stream` of every signal in its set, where tokio has one
//!   `Signal` per kind; the race is `or`, which polls its left side first (`select!` `biased;`).
//! - the worker's `Task` is raced by `&mut`: dropping the `Task` itself would cancel it mid-step.
//!
//! Guide: 教程 进程和信号 (信号处理); what the guide gets wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example signal
//! ```
//!
//! Prints `working (pid N)...`, `step 1 done` .. `step 10 done`, `all 10 steps done`, `cleaned up`.
//! On Ctrl+C (or `kill <pid>`) while it works: `received SIGINT: stopping after step N` (or
//! `SIGTERM`), `cleaned up`, exit status 0. Unix only (SIGTERM).
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! async-signal = "0.2"
//! anyhow = "1"
//! ```

use std::time::Duration;

use anyhow::Context;
use async_signal::{Signal, Signals};
use smol::Timer;
use smol::channel::{self, Receiver};
use smol::future::FutureExt;
use smol::stream::StreamExt;

const STEPS: u32 = 10;
const STEP: Duration = Duration::from_millis(30);

/// Does up to [`STEPS`] steps, checking `stop` only between them, so a step is never cut short.
/// Returns how many steps were done.
async fn worker(stop: Receiver<()>) -> u32 {
    for step in 1..=STEPS {
        Timer::after(STEP).await; // one step of real work
        println!("step {step} done");
        if stop.is_closed() {
            return step;
        }
    }
    STEPS
}

async fn run() -> anyhow::Result<()> {
    // Installed now, before the `working` line, so a signal sent by anyone who saw that line is
    // caught rather than killing the process the default way. A handler stays for the life of
    // the process, even after `signals` is dropped (signal-hook-registry never restores the
    // default action), so a second Ctrl+C during cleanup is swallowed too.
    let mut signals = Signals::new([Signal::Int, Signal::Term])?;
    println!("working (pid {})...", std::process::id());

    // No `CancellationToken`: nothing is ever sent, closing the channel is the stop request.
    let (stop, stop_requested) = channel::bounded::<()>(1);
    let mut work = smol::spawn(worker(stop_requested));
    let received = async {
        let done = (&mut work).await;
        println!("all {done} steps done");
        Ok(None)
    }
    .or(async {
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
    smol::block_on(run())
}
