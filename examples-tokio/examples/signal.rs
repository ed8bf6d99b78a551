//! Stopping cleanly on SIGINT (Ctrl+C) or SIGTERM: finish the current step, clean up, exit 0.
//!
//! A worker does ten 30 ms steps in its own task while `main` races it against SIGINT (Ctrl+C) and
//! SIGTERM (`kill`, systemd, Docker, Kubernetes). On a signal, `main` cancels a `CancellationToken`
//! the worker checks between steps, waits for the step in hand, cleans up and returns: exit 0. Both
//! handlers are installed with `signal(..)` before `working` is printed (`ctrl_c()` installs its
//! own only when first polled, so an early SIGINT would still kill the process); tokio then keeps
//! them for the life of the process, so a second Ctrl+C during cleanup is swallowed too.
//!
//! Guide: 教程 进程和信号 (信号处理); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example signal
//! ```
//!
//! Prints `working (pid N)...`, `step 1 done` .. `step 10 done`, `all 10 steps done`, `cleaned up`.
//! On Ctrl+C (or `kill <pid>`) while it works: `received SIGINT: stopping after step N` (or
//! `SIGTERM`), `cleaned up`, exit status 0. Unix only (SIGTERM).
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
