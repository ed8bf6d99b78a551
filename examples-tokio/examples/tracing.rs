//! Tracing: spans that follow async work, levels and fields, and an `EnvFilter` to pick the lines.
//!
//! A log line from async code is useless without its context: which request, which task. A span
//! carries it: `#[instrument]` opens one per call of an async fn, `.instrument(span)` attaches one
//! to a spawned future, and every line logged inside, after each `.await` and on any worker thread,
//! carries the span and its fields. The filter (`RUST_LOG` if set, else `info`) picks the lines:
//! `info` hides `debug!`; `info,tracing=debug` adds debug for `tracing`, this example's crate.
//!
//! Guide: 指南 2.5.8.2 Tracing; 教程 故障排除 (4. 调试技巧); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example tracing
//! RUST_LOG=debug cargo run -p examples-tokio --example tracing
//! ```
//!
//! With `RUST_LOG` unset, run 1 prints only INFO, WARN and ERROR lines, run 2 three DEBUG lines
//! more; lines in `fetch_user` carry `fetch_user{id=..}:`, those of the task `report{job=1}:`.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! tracing = "0.1"
//! tracing-subscriber = { version = "0.3", features = ["env-filter"] }
//! anyhow = "1"
//! ```

use std::time::Duration;

use tracing::instrument::WithSubscriber;
use tracing::level_filters::LevelFilter;
use tracing::{Instrument, Subscriber, debug, error, info, info_span, instrument, warn};
use tracing_subscriber::EnvFilter;

/// An event's target is its module path, which starts with the crate name. An example is a crate
/// named after its file, so here that is `tracing`; in your program it is your crate's name.
const DEBUG_FILTER: &str = "info,tracing=debug";

/// The span is named after the function and records its arguments as fields (`Debug`); use
/// `skip(..)` for arguments too big or too secret to log.
#[instrument]
async fn fetch_user(id: u32) -> Result<String, String> {
    debug!("querying the user store");
    tokio::time::sleep(Duration::from_millis(5)).await;
    match id {
        7 => {
            info!(name = "ada", "found");
            Ok("ada".to_owned())
        }
        _ => {
            warn!("not in the store");
            Err(format!("no user {id}"))
        }
    }
}

async fn workload() -> anyhow::Result<()> {
    for id in [7, 9] {
        if let Err(reason) = fetch_user(id).await {
            // `%` records a field with its `Display` form, `?` would use `Debug`.
            error!(%reason, "lookup failed");
        }
    }

    let report = async {
        debug!("writing the report");
        tokio::time::sleep(Duration::from_millis(5)).await;
        info!(rows = 2, "report written");
    };
    // The span goes with the future, so it is entered on every poll, on any worker thread.
    // `with_current_subscriber` is needed only because this example swaps subscribers per run:
    // a spawned task does not inherit a scoped one. With a global subscriber (`.init()`) drop it.
    let task = report.instrument(info_span!("report", job = 1)).with_current_subscriber();
    tokio::spawn(task).await?;
    Ok(())
}

/// Logs to stdout without timestamps or colours, so the test can compare the lines; keep both in
/// a real program.
fn subscriber(filter: EnvFilter) -> impl Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
        .without_time()
        .with_ansi(false)
        .finish()
}

async fn run() -> anyhow::Result<()> {
    // What a program would install at start: `RUST_LOG` when it is set, `info` otherwise.
    let from_env =
        EnvFilter::builder().with_default_directive(LevelFilter::INFO.into()).from_env_lossy();
    println!("run 1, filter `{from_env}`:");
    workload().with_subscriber(subscriber(from_env)).await?;

    println!("run 2, filter `{DEBUG_FILTER}`:");
    let debug_filter = EnvFilter::try_new(DEBUG_FILTER)?;
    workload().with_subscriber(subscriber(debug_filter)).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
