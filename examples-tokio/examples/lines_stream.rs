//! A file's lines as a `Stream`, filtered and mapped, that survives a line of invalid UTF-8.
//!
//! The guide's `LinesStream` over `lines()` gives a non-UTF-8 line as an error without its bytes,
//! and reads a file without newlines into one `String`. Lines cut as bytes by `AnyDelimiterCodec`,
//! length-capped, and decoded here report a bad line by number and refuse an overlong one.
//!
//! Guide: 教程 异步 I/O (流处理); 指南 2.5.4.2 流处理; what they get wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example lines_stream
//! cargo run -p examples-tokio --example lines_stream -- /some/existing/dir
//! ```
//!
//! `LinesStream` on the log (line 4 an error with nothing to show) and on a 1 MiB line (accepted);
//! then the IMPORTANT byte lines upper-cased, line 4 shown lossily, the 1 MiB line refused.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["fs", "io-util", "macros", "rt-multi-thread"] }
//! tokio-stream = { version = "0.1", features = ["io-util"] }
//! tokio-util = { version = "0.7", features = ["codec"] }
//! futures = "0.3"
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::future::ready;
use std::path::Path;

use futures::{StreamExt, TryStreamExt};
use tokio::fs::{self, File};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_stream::wrappers::LinesStream;
use tokio_util::codec::{AnyDelimiterCodec, AnyDelimiterCodecError, FramedRead};

/// Longer lines are an error rather than a reason to buffer without limit.
const MAX_LINE_LEN: usize = 8 * 1024;
/// The size of the file without newlines.
const HUGE: usize = 1024 * 1024;

/// A log with one line that is not UTF-8: `caf\xe9` is "café" in Latin-1.
const LOG: &[u8] = b"INFO service started\n\
IMPORTANT disk 91% full\n\
INFO request served\n\
IMPORTANT caf\xe9 terrace closed\n\
DEBUG cache warm\n\
IMPORTANT disk 95% full\n\
INFO service stopped\n";

/// One line as cut from the file.
enum Line {
    Text(String),
    /// Not UTF-8: the raw bytes, kept so they can be reported.
    Invalid(Vec<u8>),
}

async fn run(dir: &Path) -> anyhow::Result<()> {
    let path = dir.join("service.log");
    fs::write(&path, LOG).await?;
    let total = LOG.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();
    let huge = dir.join("no-newlines.log");
    fs::write(&huge, vec![b'x'; HUGE]).await?;

    // The guide's stream, `LinesStream` over `lines()`, part one: it goes on past the bad line
    // (where a `FramedRead` with `LinesCodec` would end), but cannot say what that line was.
    let mut lines = LinesStream::new(BufReader::new(File::open(&path).await?).lines());
    let mut seen = 0;
    while let Some(line) = lines.next().await {
        seen += 1;
        if let Err(e) = line {
            println!("LinesStream: line {seen}: {e}; its bytes are gone");
        }
    }
    println!("LinesStream: the stream went on to the end, {seen} of {total} lines read");
    // Part two: no limit. The whole file becomes one `String` in memory.
    let mut lines = LinesStream::new(BufReader::new(File::open(&huge).await?).lines());
    if let Some(line) = lines.try_next().await? {
        println!(
            "LinesStream: a file without newlines came back as one line of {} bytes",
            line.len()
        );
    }

    // The fix: cut lines as bytes, number them, and decode each one on its own.
    let codec = AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), Vec::new(), MAX_LINE_LEN);
    let mut read = 0;
    let mut lines = FramedRead::new(File::open(&path).await?, codec)
        .inspect(|_| read += 1)
        .map_ok(|bytes| match std::str::from_utf8(&bytes) {
            Ok(text) => Line::Text(text.trim_end_matches('\r').to_owned()),
            Err(_) => Line::Invalid(bytes.to_vec()),
        })
        .enumerate()
        .map(|(index, line)| line.map(|line| (index + 1, line)))
        // Keep the IMPORTANT lines, and every invalid line so it can be reported.
        .try_filter(|(_, line)| {
            ready(match line {
                Line::Text(text) => text.starts_with("IMPORTANT"),
                Line::Invalid(_) => true,
            })
        });

    let (mut important, mut invalid) = (0, 0);
    // An error here is an I/O error or a line over `MAX_LINE_LEN`: the file cannot be read as lines,
    // so it ends the run with that error.
    while let Some((number, line)) = lines.try_next().await? {
        match line {
            Line::Text(text) => {
                important += 1;
                println!("line {number}: {}", text.to_uppercase());
            }
            Line::Invalid(bytes) => {
                invalid += 1;
                println!(
                    "line {number}: not UTF-8, shown lossily: {:?}",
                    String::from_utf8_lossy(&bytes)
                );
            }
        }
    }
    drop(lines);
    println!("{read} lines read: {important} important, {invalid} not UTF-8");

    // The file without newlines, through the same codec: refused after `MAX_LINE_LEN` bytes.
    let codec = AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), Vec::new(), MAX_LINE_LEN);
    match FramedRead::new(File::open(&huge).await?, codec).next().await {
        Some(Err(AnyDelimiterCodecError::MaxChunkLengthExceeded)) => {
            println!("byte lines: a file without newlines: over {MAX_LINE_LEN} bytes, refused");
        }
        Some(Err(e)) => return Err(e.into()),
        other => println!("byte lines: a file without newlines: accepted?! {other:?}"),
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
