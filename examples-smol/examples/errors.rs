//! Errors through async layers: a `thiserror` enum below, `?` in between, `anyhow` context on top.
//!
//! A library-style layer returns its own enum, so a caller can `match` on what went wrong (retry a
//! timeout, not a parse error); `#[from]` lets `?` convert the causes, and the timeout is mapped by
//! hand, as only the caller knows its limit. Each message names only its own layer and hands the
//! cause over as `source()`, so `{:#}` prints every cause once. Differences from tokio:
//! - the timeout is a race, `fetch.or(timer)`, whose timer side is `FetchError::Timeout`: there is
//!   no `Elapsed` to keep as its source, so its chain is one shorter than tokio's (2, not 3).
//!
//! Guide: 指南 2.5.6.1 Result 传播; 教程 核心概念 (错误处理), 最佳实践 2 (适当的错误处理); see README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example errors
//! ```
//!
//! Prints one line per config file: a successful fetch, then the error chain of a missing file, an
//! unparsable one and a fetch cut off at 100 ms, and which of them is worth retrying.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! anyhow = "1"
//! tempfile = "3"
//! thiserror = "2"
//! ```

use std::num::ParseIntError;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use smol::Timer;
use smol::future::FutureExt;

const FETCH_LIMIT: Duration = Duration::from_millis(100);

/// Everything the fetch layer can fail with. Messages never repeat their source: `{:#}` and
/// `source()` walk the chain, so `{0}` in a message would print each cause twice.
#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("cannot read the config file")]
    Io(#[from] std::io::Error),
    #[error("config is not a delay in milliseconds")]
    Parse(#[from] ParseIntError),
    /// The timer won the race: nothing failed underneath, so there is no source to keep.
    #[error("fetch timed out after {after:?}")]
    Timeout { after: Duration },
}

/// Layer 1: the config file holds the simulated server's delay in milliseconds.
async fn load_delay(path: &Path) -> Result<Duration, FetchError> {
    let text = smol::fs::read_to_string(path).await?;
    Ok(Duration::from_millis(text.trim().parse()?))
}

/// Layer 2: load the config, then "fetch" (sleep for the delay) under a time limit.
async fn fetch(path: &Path) -> Result<u32, FetchError> {
    let delay = load_delay(path).await?;
    let fetched = async {
        Timer::after(delay).await;
        Ok(42)
    };
    // The first future to finish wins and the other is dropped; both sides have the same output,
    // so the timer side is where the timeout becomes the enum's variant.
    fetched
        .or(async {
            Timer::after(FETCH_LIMIT).await;
            Err(FetchError::Timeout { after: FETCH_LIMIT })
        })
        .await
}

async fn run() -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("creating a temp dir")?;
    for (name, contents) in [("fast.conf", "20"), ("typo.conf", "2O"), ("slow.conf", "500")] {
        smol::fs::write(dir.path().join(name), contents)
            .await
            .with_context(|| format!("writing {name}"))?;
    }

    for name in ["fast.conf", "missing.conf", "typo.conf", "slow.conf"] {
        let started = Instant::now();
        // Layer 3: the program adds what it was doing; `?` would pass this up just the same.
        let outcome =
            fetch(&dir.path().join(name)).await.with_context(|| format!("fetching with {name}"));
        let ms = started.elapsed().as_millis();
        match outcome {
            Ok(value) => println!("{name}: ok, got {value} after {ms} ms"),
            Err(e) => {
                println!("{name}: error after {ms} ms: {e:#}");
                // The typed enum is still inside the anyhow error, for the code that decides.
                let retry =
                    matches!(e.downcast_ref::<FetchError>(), Some(FetchError::Timeout { .. }));
                println!("  {} errors in the chain, worth retrying: {retry}", e.chain().count());
            }
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    smol::block_on(run())
}
