//! A file's lines as a `Stream`, filtered and mapped, that survives a line of invalid UTF-8.
//!
//! `FramedRead` makes an `AsyncRead` a `Stream` of frames cut by a codec, for `StreamExt`'s
//! `filter` and `map`. `LinesCodec` yields an error for a line that is not UTF-8, and `FramedRead`
//! ends the stream after any error: a loop that logs it and goes on never reads the rest. Lines cut
//! as bytes (`AnyDelimiterCodec`) and decoded here keep a bad line a local problem: reported with
//! its number, shown lossily, the rest processed. Both codecs cap the line length.
//!
//! Guide: 教程 异步 I/O (流处理); 指南 2.5.4.2 流处理; what they get wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example lines_stream
//! cargo run -p examples-tokio --example lines_stream -- /some/existing/dir
//! ```
//!
//! Where `LinesCodec` stops (line 4 of 7); the IMPORTANT lines upper-cased, line 4 shown, counts.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["fs", "macros", "rt-multi-thread"] }
//! tokio-util = { version = "0.7", features = ["codec"] }
//! futures = "0.3"
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::future::ready;
use std::path::Path;

use futures::{StreamExt, TryStreamExt};
use tokio::fs::{self, File};
use tokio_util::codec::{AnyDelimiterCodec, FramedRead, LinesCodec};

/// Longer lines are an error rather than a reason to buffer without limit.
const MAX_LINE_LEN: usize = 8 * 1024;

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

    // The trap: log the error and continue... but the stream has already ended.
    let mut lines =
        FramedRead::new(File::open(&path).await?, LinesCodec::new_with_max_length(MAX_LINE_LEN));
    let mut seen = 0;
    while let Some(line) = lines.next().await {
        seen += 1;
        if let Err(e) = line {
            println!("LinesCodec: line {seen}: {e}; skipping it");
        }
    }
    println!(
        "LinesCodec: the stream ended after line {seen}, {} of {total} lines never read",
        total - seen
    );

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
