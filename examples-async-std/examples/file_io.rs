//! Async file I/O with `async_std::fs`: write, flush and sync, read back, a missing file's error.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/file_io.rs
//!
//! `async_std::fs` runs each operation on the `blocking` pool. A `write_all` that returns `Ok` has
//! only filled the `File`'s buffer: `flush().await` writes it out and reports the error, and
//! `sync_all().await` asks the OS to put it on disk. The one-shot `fs::write`, `read` and
//! `read_to_string` need none of this. Next to the smol twin:
//! - a `File` dropped before `flush` writes its buffer from its destructor, with `block_on`: the
//!   bytes land (0, then 100 below), but the thread stalls and an error is lost; smol's cancels the
//!   write and can lose the data (tokio's finishes it in the background).
//!
//! Guide: 指南 2.5.5.1 文件 I/O; 教程 异步 I/O (基本 I/O 操作); what they get wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example file_io
//! cargo run -p examples-async-std --example file_io -- /some/existing/dir
//! ```
//! Prints the bytes written and read back, a file's size before and after its unflushed `File` is
//! dropped (0, then 100), the helpers' results, then `open missing.txt: NotFound (handled)`.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::io::ErrorKind;
use std::path::Path;

use async_std::fs::{self, File};
use async_std::io::{ReadExt, WriteExt};
use async_std::task;

const UNFLUSHED_LEN: usize = 100;

async fn run(dir: &Path) -> anyhow::Result<()> {
    // Write through a `File`: `flush` writes the buffered bytes and surfaces the error;
    // `sync_all` makes the data durable, which matters before telling anyone it is saved.
    let path = dir.join("greeting.txt");
    let mut file = File::create(&path).await?;
    file.write_all("Hello, async file!\n你好，异步文件！\n".as_bytes()).await?;
    file.flush().await?;
    file.sync_all().await?;
    drop(file);
    println!("greeting.txt: wrote, flushed and synced");

    // The same write without `flush`: the bytes wait in the `File`, and `drop` writes them.
    let unflushed = dir.join("unflushed.txt");
    let mut file = File::create(&unflushed).await?;
    file.write_all(&[b'x'; UNFLUSHED_LEN]).await?;
    let before = fs::metadata(&unflushed).await?.len();
    // `File`'s `Drop` runs `block_on(self.flush())`: it blocks this thread (here the one in
    // `block_on`; in a task, an executor worker) until the write is done, and an error in it
    // would be dropped without a trace.
    drop(file);
    let after = fs::metadata(&unflushed).await?.len();
    println!(
        "dropped without flush: {before} bytes in the file after write_all, {after} right after the drop"
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
    fs::write(&notes, "written by async_std::fs::write\n").await?;
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
    task::block_on(run(dir.path()))?;
    dir.close()?;
    Ok(())
}
