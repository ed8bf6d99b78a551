//! A file's lines as a `Stream`, filtered and mapped, that survives a line of invalid UTF-8.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/lines_stream.rs
//!
//! `BufReadExt::lines()` fails input we do not control: a line that is not UTF-8 is an error
//! without its bytes, and a file without newlines grows one `String` as far as it goes. Lines cut
//! as bytes, `read_until(b'\n')` under a `take` limit, fix both: a bad line is reported with its
//! number and the rest is processed; an overlong line is an error. Next to the smol twin:
//! - after a bad line, `lines()` yields errors without end (`take(100)` stops it); smol's goes on.
//! - tokio's twin wraps `lines()` in tokio-stream's `LinesStream`; here it is a `Stream` already.
//!
//! Guide: 教程 异步 I/O (流处理); 指南 2.5.4.2 流处理; what they get wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example lines_stream
//! cargo run -p examples-async-std --example lines_stream -- /some/existing/dir
//! ```
//! `lines()` on the log (line 4 an error, then errors without end) and on a 1 MiB line (accepted);
//! then the IMPORTANT byte lines upper-cased, line 4 shown lossily, the 1 MiB line refused.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! futures = "0.3"
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::io::{self, ErrorKind};
use std::path::Path;

use async_std::fs::{self, File};
use async_std::io::{BufRead, BufReadExt, BufReader, ReadExt};
use async_std::stream::{Stream, StreamExt};
use async_std::task;
use futures::stream;

/// Longer lines are an error rather than a reason to buffer without limit.
const MAX_LINE_LEN: usize = 8 * 1024;
/// A "line" that a log without newlines, or a hostile file, could hold.
const HUGE: usize = 1024 * 1024;
/// Where the `lines()` loop gives up: far more items than the log has lines.
const MAX_ITEMS: usize = 100;

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

/// The lines of `reader` as bytes, without their `\n`; a line over [`MAX_LINE_LEN`] bytes is an
/// `InvalidData` error that ends the stream. The `take` limit is what keeps memory bounded:
/// `read_until` alone would read to the next `\n` however far away it is. Boxed, so the stream is
/// `Unpin` (the `async` block running inside `try_unfold` must not move) and `next` works on it.
/// (async-std has no codecs with a maximum length, and no `unfold` of its own: `futures` has.)
fn byte_lines(reader: impl BufRead + Unpin) -> impl Stream<Item = io::Result<Vec<u8>>> + Unpin {
    Box::pin(stream::try_unfold(reader, |mut reader| async move {
        let mut line = Vec::new();
        // One byte more than the limit tells a line that is too long from one that just fits.
        (&mut reader).take(MAX_LINE_LEN as u64 + 1).read_until(b'\n', &mut line).await?;
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if line.len() > MAX_LINE_LEN {
            let message = format!("a line longer than {MAX_LINE_LEN} bytes");
            return Err(io::Error::new(ErrorKind::InvalidData, message));
        } else if line.is_empty() {
            return Ok(None); // the end of the file
        }
        Ok(Some((line, reader)))
    }))
}

async fn run(dir: &Path) -> anyhow::Result<()> {
    let path = dir.join("service.log");
    fs::write(&path, LOG).await?;
    let total = LOG.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();
    let huge = dir.join("no-newlines.log");
    fs::write(&huge, vec![b'x'; HUGE]).await?;

    // The trap, part one: the bad line is an error without its bytes, and so is every item after
    // it, without end (async-std's `Lines` keeps the bad bytes and adds each next line to them):
    // this loop would spin forever at the end of the file but for `take`.
    let mut lines = BufReader::new(File::open(&path).await?).lines().take(MAX_ITEMS);
    let (mut seen, mut good, mut errors) = (0, 0, 0);
    while let Some(line) = lines.next().await {
        seen += 1;
        match line {
            Ok(_) => good += 1,
            Err(e) if errors == 0 => {
                errors += 1;
                println!("lines(): line {seen}: {e}; its bytes are not returned");
            }
            Err(_) => errors += 1,
        }
    }
    let end = if seen < MAX_ITEMS {
        format!("the stream ended after {seen} items")
    } else {
        format!("still no end after {seen} items from a {total}-line file")
    };
    println!("lines(): {good} lines, then {errors} errors in a row; {end}");
    // Part two: no limit. The whole file becomes one `String` in memory.
    let mut lines = BufReader::new(File::open(&huge).await?).lines();
    if let Some(line) = lines.next().await {
        let line = line?;
        println!("lines(): a file without newlines came back as one line of {} bytes", line.len());
    }

    // The fix: cut lines as bytes, with a limit, number them, and decode each one on its own.
    let mut read = 0;
    let mut lines = byte_lines(BufReader::new(File::open(&path).await?))
        .inspect(|_| read += 1)
        .map(|bytes| {
            bytes.map(|bytes| match String::from_utf8(bytes) {
                Ok(text) => Line::Text(text.trim_end_matches('\r').to_owned()),
                Err(e) => Line::Invalid(e.into_bytes()),
            })
        })
        .enumerate()
        .map(|(index, line)| line.map(|line| (index + 1, line)))
        // Keep the IMPORTANT lines, every invalid line so it can be reported, and every error.
        // async-std's `filter` takes a plain closure, not one returning a future.
        .filter(|line| match line {
            Ok((_, Line::Text(text))) => text.starts_with("IMPORTANT"),
            Ok((_, Line::Invalid(_))) | Err(_) => true,
        });

    let (mut important, mut invalid) = (0, 0);
    // An error here is an I/O error or a line over `MAX_LINE_LEN`: the file cannot be read as lines,
    // so it ends the run with that error.
    while let Some(line) = lines.next().await {
        let (number, line) = line?;
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

    // The file without newlines, through the same stream: refused after `MAX_LINE_LEN + 1` bytes.
    let mut lines = byte_lines(BufReader::new(File::open(&huge).await?));
    match lines.next().await {
        Some(Err(e)) if e.kind() == ErrorKind::InvalidData => {
            println!("byte lines: a file without newlines: {e}, refused");
        }
        Some(Err(e)) => return Err(e.into()),
        Some(Ok(line)) => {
            println!("byte lines: a file without newlines: accepted?! {} bytes", line.len())
        }
        None => println!("byte lines: a file without newlines: no line at all?!"),
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
