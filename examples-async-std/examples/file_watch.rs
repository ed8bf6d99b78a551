//! Watching a file by polling its metadata: report changes and deletion, stop by itself.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/file_watch.rs
//!
//! Polling needs no dependency and works on every file system, network ones included, for a `stat`
//! per interval and up to one interval of latency. Size and modification time are compared for
//! inequality: the time alone misses a change within the timestamp resolution, and goes backwards
//! when a tool restores an older one. Deletion is a result, not an error to skip, and a deadline
//! bounds the watch (for events, see the `notify` crate). Next to the smol twin:
//! - no `Timer::at`: each poll's `task::sleep` runs under `future::timeout` for the time left until
//!   the deadline, computed afresh each round.
//!
//! Guide: 教程 文件操作 (文件监视); what the guide gets wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example file_watch
//! cargo run -p examples-async-std --example file_watch -- /some/existing/dir
//! ```
//! Prints each edit to `watched.txt` and the watcher's report of it (modified twice, with the new
//! size; then deleted), then that a watcher on an untouched file stopped at its deadline.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use async_std::channel::{self, Receiver, Sender};
use async_std::fs::{self, OpenOptions};
use async_std::future::timeout;
use async_std::io::WriteExt;
use async_std::task;

const POLL: Duration = Duration::from_millis(20);
/// The longest a watcher runs if the file is never deleted.
const DEADLINE: Duration = Duration::from_secs(1);
const QUIET_DEADLINE: Duration = Duration::from_millis(100);

/// What the watcher reports.
enum Change {
    Modified { len: u64 },
    Deleted,
}

/// Why a watcher stopped.
#[derive(Debug)]
enum Stop {
    Deleted,
    Deadline,
    /// The receiver of the reports is gone: nobody is listening any more.
    Unwatched,
}

/// The part of the metadata that tells one version of the file from the next. The time alone is
/// not enough: timestamp resolution ranges from nanoseconds to 2 s by file system. (A file
/// replaced by a rename could match both; on Unix, `MetadataExt::ino` would tell that apart.)
#[derive(Clone, Copy, PartialEq)]
struct Version {
    len: u64,
    modified: SystemTime,
}

impl Version {
    async fn of(path: &Path) -> std::io::Result<Self> {
        let metadata = fs::metadata(path).await?;
        Ok(Version { len: metadata.len(), modified: metadata.modified()? })
    }
}

struct Watcher {
    path: PathBuf,
    last: Version,
}

impl Watcher {
    /// Takes the starting version now, so a change made right after this call is reported.
    async fn new(path: &Path) -> std::io::Result<Self> {
        Ok(Watcher { path: path.to_path_buf(), last: Version::of(path).await? })
    }

    /// Polls every [`POLL`], sending each change, until the file is deleted or `deadline`.
    /// Several changes within one interval are reported as one. Each poll waits on a fresh
    /// `task::sleep`, so after a stall the next poll comes one interval later (tokio's `Delay`);
    /// async-std has no `timeout_at`, and no `interval` without its `unstable` feature.
    async fn run(mut self, deadline: Instant, changes: Sender<Change>) -> std::io::Result<Stop> {
        loop {
            // No `timeout_at`: the time left is worked out each round. Once the deadline has
            // passed it is zero, and the timeout fires at once.
            let left = deadline.saturating_duration_since(Instant::now());
            if timeout(left, task::sleep(POLL)).await.is_err() {
                return Ok(Stop::Deadline);
            }
            let change = match Version::of(&self.path).await {
                Ok(version) if version == self.last => continue,
                Ok(version) => {
                    self.last = version;
                    Change::Modified { len: version.len }
                }
                Err(e) if e.kind() == ErrorKind::NotFound => Change::Deleted,
                Err(e) => return Err(e),
            };
            let deleted = matches!(change, Change::Deleted);
            if changes.send(change).await.is_err() {
                return Ok(Stop::Unwatched);
            }
            if deleted {
                return Ok(Stop::Deleted);
            }
        }
    }
}

async fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = OpenOptions::new().append(true).open(path).await?;
    file.write_all(text.as_bytes()).await?;
    file.flush().await
}

/// Prints the watcher's next report. `recv` fails once the watcher has stopped (at its
/// deadline, say) and dropped its sender, so this cannot wait forever.
async fn report(changes: &Receiver<Change>) -> anyhow::Result<()> {
    match changes.recv().await {
        Ok(Change::Modified { len }) => println!("  watcher: modified, now {len} bytes"),
        Ok(Change::Deleted) => println!("  watcher: deleted"),
        Err(_) => anyhow::bail!("the watcher stopped without reporting the edit"),
    }
    Ok(())
}

async fn run(dir: &Path) -> anyhow::Result<()> {
    let path = dir.join("watched.txt");
    fs::write(&path, "v1\n").await?;
    let watcher = Watcher::new(&path).await?;
    let (tx, changes) = channel::bounded(8);
    // Kept and awaited below for the watcher's result. Dropping the `JoinHandle` would not stop
    // the watch (it would detach it, polling on until its deadline), only lose that result.
    let watching = task::spawn(watcher.run(Instant::now() + DEADLINE, tx));
    println!("watching watched.txt (3 bytes), polling every {} ms", POLL.as_millis());

    // Each edit waits for its report before the next one, so the output does not depend on how
    // the two tasks are scheduled.
    append(&path, "second line\n").await?;
    println!("edit: appended 12 bytes");
    report(&changes).await?;
    append(&path, "third\n").await?;
    println!("edit: appended 6 bytes");
    report(&changes).await?;
    fs::remove_file(&path).await?;
    println!("edit: removed the file");
    report(&changes).await?;
    let stop = watching.await.context("watching watched.txt")?;
    println!("watcher on watched.txt stopped: {stop:?}");

    // Nothing happens to this file: the deadline ends the watch.
    let quiet = dir.join("untouched.txt");
    fs::write(&quiet, "still\n").await?;
    let (tx, changes) = channel::bounded(8);
    let started = Instant::now();
    let stop = Watcher::new(&quiet).await?.run(started + QUIET_DEADLINE, tx).await?;
    let mut reported = 0;
    while changes.recv().await.is_ok() {
        reported += 1;
    }
    println!(
        "watcher on untouched.txt stopped after {} ms: {stop:?}, {reported} changes",
        started.elapsed().as_millis()
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    // A fresh directory that is ours alone: inside the one given as the first argument, or in the
    // system's temporary directory. Its removal at the end takes only what this program created.
    // (Creating and removing one small directory is quick enough to do synchronously here.)
    let dir = match std::env::args_os().nth(1) {
        Some(parent) => tempfile::tempdir_in(parent)?,
        None => tempfile::tempdir()?,
    };
    task::block_on(run(dir.path()))?;
    dir.close()?;
    Ok(())
}
