//! `BufWriter` and `BufReader`: fewer system calls, and the flush that must not be forgotten.
//!
//! A `BufWriter` turns a thousand short writes into a few large ones, but its last chunk waits in
//! the buffer until `flush` (or `shutdown`): dropped without it (a destructor cannot `.await`), the
//! writer silently loses the file's tail. `AsyncBufReadExt::lines()` yields one line at a time,
//! without its `\n` (or `\r\n`), so a big file never has to fit in memory.
//!
//! Guide: 指南 2.5.5.3 缓冲 I/O; 教程 异步 I/O (缓冲 I/O); what they get wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example buffered_io
//! cargo run -p examples-tokio --example buffered_io -- /some/existing/dir
//! ```
//!
//! Prints how many of the 8890 bytes written reached the file without `flush` (fewer: the buffered
//! tail is gone), then all 8890 with `flush`, and the lines and bytes read back.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["fs", "io-util", "macros", "rt-multi-thread"] }
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::path::Path;

use tokio::fs::{self, File};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};

const LINES: usize = 1000;
/// Stated rather than left to the default (8 KiB today) so the output does not depend on it.
const BUFFER_SIZE: usize = 4096;

/// Writes `line 0` .. `line 999` through `writer` and returns how many bytes that was.
async fn write_lines(writer: &mut BufWriter<File>) -> std::io::Result<usize> {
    let mut written = 0;
    for i in 0..LINES {
        let line = format!("line {i}\n");
        writer.write_all(line.as_bytes()).await?;
        written += line.len();
    }
    Ok(written)
}

async fn run(dir: &Path) -> anyhow::Result<()> {
    // The bug: no flush. `into_inner` gives back the `File` and discards the buffer, exactly as
    // dropping the `BufWriter` would; keeping the `File` lets us wait for the writes it was
    // already given, so what is missing is the buffer's fault alone.
    let forgot = dir.join("forgot-flush.txt");
    let mut writer = BufWriter::with_capacity(BUFFER_SIZE, File::create(&forgot).await?);
    let written = write_lines(&mut writer).await?;
    let mut file = writer.into_inner();
    file.flush().await?;
    drop(file);
    let on_disk = fs::metadata(&forgot).await?.len();
    println!(
        "without flush: wrote {written} bytes, the file has {on_disk}: the last {} were still in the buffer",
        written as u64 - on_disk
    );

    // The right way: flush the `BufWriter` (which flushes the `File` under it too) before it goes.
    let path = dir.join("lines.txt");
    let mut writer = BufWriter::with_capacity(BUFFER_SIZE, File::create(&path).await?);
    let written = write_lines(&mut writer).await?;
    writer.flush().await?;
    drop(writer);
    let on_disk = fs::metadata(&path).await?.len();
    println!("with flush: wrote {written} bytes, the file has {on_disk}");

    // Read it back line by line; `next_line` returns `Ok(None)` at the end of the file, and an
    // error for a line that is not UTF-8 (see the `lines_stream` example for surviving that).
    let mut lines = BufReader::new(File::open(&path).await?).lines();
    let (mut count, mut bytes) = (0, 0);
    let mut last = String::new();
    while let Some(line) = lines.next_line().await? {
        count += 1;
        bytes += line.len() + 1; // `lines()` strips the `\n`
        last = line;
    }
    println!("read back {count} lines, {bytes} bytes; the last is {last:?}");
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
