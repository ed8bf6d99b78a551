//! Stopping cleanly on SIGINT (Ctrl+C) or SIGTERM: finish the current step, clean up, exit 0.
//!
//! A worker does ten 30 ms steps in its own task while `main` races it against the two signals a
//! process is asked to stop with: SIGINT from Ctrl+C and SIGTERM from `kill`, systemd, Docker and
//! Kubernetes. On a signal, `main` does not drop the worker in the middle of a step: it cancels a
//! `CancellationToken` that the worker checks between steps, waits for it to finish the step in
//! hand, cleans up and returns normally, so the exit status is 0. The handlers are installed with
//! `signal(...)` before the `working` line is printed: `tokio::signal::ctrl_c()` would only
//! install its handler when first polled, and a SIGINT arriving before that would still kill the
//! process the default way. Once installed, tokio keeps the handler for the life of the process,
//! so a second Ctrl+C during cleanup is swallowed too (a real program may choose to exit on it).
//!
//! Guide: 教程 进程和信号 (信号处理).
//! The tutorial's `select!` drops the work future wherever it happens to be (no cleanup), handles
//! only Ctrl+C (SIGTERM still kills it on the spot) and lacks `use std::time::Duration`; this
//! handles both signals, finishes the current step, cleans up and exits 0.
//!
//! ```text
//! cargo run -p examples-tokio --example signal
//! ```
//!
//! Prints `working (pid N)...`, then `step 1 done` .. `step 10 done`, `all 10 steps done` and
//! `cleaned up`. Press Ctrl+C (or run `kill <pid>` in another terminal) while it works, and it
//! prints `received SIGINT: stopping after step N` (or `SIGTERM`) and `cleaned up`, exiting 0.
//! Unix only (SIGTERM).
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "signal", "time"] }
//! tokio-util = "0.7"
//! anyhow = "1"
//! ```

use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use tokio::time::sleep;
use tokio_util::sync::CancellationToken;

const STEPS: u32 = 10;
const STEP: Duration = Duration::from_millis(30);

/// Does up to [`STEPS`] steps, checking `stop` only between them, so a step is never cut short.
/// Returns how many steps were done.
async fn worker(stop: CancellationToken) -> u32 {
    for step in 1..=STEPS {
        sleep(STEP).await; // one step of real work
        println!("step {step} done");
        if stop.is_cancelled() {
            return step;
        }
    }
    STEPS
}

async fn run() -> anyhow::Result<()> {
    // Installed now, before anyone is told we are running; see the header.
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    println!("working (pid {})...", std::process::id());

    let stop = CancellationToken::new();
    let mut work = tokio::spawn(worker(stop.clone()));
    let received = tokio::select! {
        done = &mut work => {
            println!("all {} steps done", done?);
            None
        }
        _ = sigint.recv() => Some("SIGINT"),
        _ = sigterm.recv() => Some("SIGTERM"),
    };
    if let Some(name) = received {
        // Ask the worker to stop and wait for the step it is in: at most one step long.
        stop.cancel();
        let done = work.await?;
        println!("received {name}: stopping after step {done}");
    }

    // What a real program does here: flush buffers, remove its pid file, close connections.
    println!("cleaned up");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
