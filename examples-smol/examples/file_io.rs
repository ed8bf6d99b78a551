//! Async file I/O with `smol::fs`: write, flush and sync, read back, and a missing file's error.
//!
//! `smol::fs` (`async-fs`) runs each operation on the `blocking` thread pool. A `write_all` that
//! returns `Ok` has only handed the bytes to a background write: `flush().await` waits for it and
//! reports its error, and `sync_all().await` asks the OS to put the data on disk. The one-shot
//! `fs::write`, `read` and `read_to_string` need none of this. Differences from tokio:
//! - a `File` dropped before `flush` cancels its background write, so the data itself can be lost
//!   (tokio's finishes the write and loses only the error).
//!
//! Guide: 指南 2.5.5.1 文件 I/O; 教程 异步 I/O (基本 I/O 操作); what they get wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example file_io
//! cargo run -p examples-smol --example file_io -- /some/existing/dir
//! ```
//!
//! Prints the bytes written and read back, how many of ten files dropped without `flush` lost
//! bytes, the helpers' results, then `open missing.txt: NotFound (handled)`.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::io::ErrorKind;
use std::path::Path;
use std::time::Duration;

use smol::Timer;
use smol::fs::{self, File};
use smol::io::{AsyncReadExt, AsyncWriteExt};

/// How many files are dropped without `flush`. Whether one of them loses its bytes is a race with
/// the blocking pool that the loss almost always wins; ten make the result certain enough to print.
const UNFLUSHED: usize = 10;
const UNFLUSHED_LEN: u64 = 100;

async fn run(dir: &Path) -> anyhow::Result<()> {
    // Write through a `File`: `flush` waits for the background write and surfaces its error;
    // `sync_all` makes the data durable, which matters before telling anyone it is saved.
    let path = dir.join("greeting.txt");
    let mut file = File::create(&path).await?;
    file.write_all("Hello, async file!\n你好，异步文件！\n".as_bytes()).await?;
    file.flush().await?;
    file.sync_all().await?;
    drop(file);
    println!("greeting.txt: wrote, flushed and synced");

    // The same write without `flush`: dropping the `File` cancels the write still in flight.
    let mut short = 0;
    let paths: Vec<_> = (0..UNFLUSHED).map(|i| dir.join(format!("unflushed-{i}.txt"))).collect();
    for path in &paths {
        let mut file = File::create(path).await?;
        file.write_all(&[b'x'; UNFLUSHED_LEN as usize]).await?;
        drop(file);
    }
    // Ample time for a write that was merely late to land: what is missing now is lost.
    Timer::after(Duration::from_millis(50)).await;
    for path in &paths {
        if fs::metadata(path).await?.len() < UNFLUSHED_LEN {
            short += 1;
        }
    }
    println!(
        "dropped without flush: {short} of {UNFLUSHED} files have fewer than the {UNFLUSHED_LEN} bytes written"
    );

    // Read it back twice: as raw bytes, and as text (which fails on invalid UTF-8).
    let mut bytes = Vec::new();
    File::open(&path).await?.read_to_end(&mut bytes).await?;
    println!("read_to_end: {} bytes", bytes.len());
    let mut text = String::new();
    File::open(&path).await?.read_to_string(&mut text).await?;
    println!(
        "read_to_string: {} chars in {} lines: {:?}",
        text.chars().count(),
        text.lines().count(),
        text
    );

    // The one-shot helpers: each call opens, transfers everything and closes.
    let notes = dir.join("notes.txt");
    fs::write(&notes, "written by smol::fs::write\n").await?;
    let raw = fs::read(&notes).await?;
    let text = fs::read_to_string(&notes).await?;
    println!("notes.txt: fs::read {} bytes, fs::read_to_string {text:?}", raw.len());

    // A missing file is an ordinary error to handle, not a reason to panic.
    match File::open(dir.join("missing.txt")).await {
        Ok(_) => println!("open missing.txt: unexpectedly exists"),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            println!("open missing.txt: {:?} (handled)", e.kind());
        }
        Err(e) => return Err(e.into()),
    }
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
    smol::block_on(run(dir.path()))?;
    dir.close()?;
    Ok(())
}
