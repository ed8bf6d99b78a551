//! Async file I/O with `tokio::fs`: write, flush and sync, read back, and a missing file's error.
//!
//! `tokio::fs::File` runs each operation on the blocking pool. A `write_all` that returns `Ok` has
//! only handed the bytes to a background write: `flush().await` waits for it and reports its error
//! (a `File` dropped unflushed still finishes the write, but loses the error, and a read that
//! follows may miss the data). `sync_all().await` asks the OS to put the data on disk; a new file's
//! name survives a crash only once its parent directory is fsynced too.
//!
//! Guide: 指南 2.5.5.1 文件 I/O; 教程 异步 I/O (基本 I/O 操作); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example file_io
//! cargo run -p examples-tokio --example file_io -- /some/existing/dir
//! ```
//!
//! Prints the bytes written and read back through a `File` and through the one-shot `fs::write`,
//! `read` and `read_to_string`, then `open missing.txt: NotFound (handled)`. A directory argument
//! gets a fresh subdirectory for the files, removed at the end.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["fs", "io-util", "macros", "rt-multi-thread"] }
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::io::ErrorKind;
use std::path::Path;

use tokio::fs::{self, File};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
    fs::write(&notes, "written by tokio::fs::write\n").await?;
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A fresh directory that is ours alone: inside the one given as the first argument, or in the
    // system's temporary directory. Its removal at the end takes only what this program created.
    // (Creating and removing one small directory is quick enough to do synchronously here.)
    let dir = match std::env::args_os().nth(1) {
        Some(parent) => tempfile::tempdir_in(parent)?,
        None => tempfile::tempdir()?,
    };
    run(dir.path()).await?;
    dir.close()?;
    Ok(())
}
