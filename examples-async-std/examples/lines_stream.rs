//! A file's lines as a `Stream`, filtered and mapped, that survives a line of invalid UTF-8.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/lines_stream.rs`.
//!
//! `BufReadExt::lines()` turns a `BufReader` into a `Stream` of lines, and `StreamExt` gives it
//! `filter`, `map` and friends. It is not enough for input we do not control, for two reasons
//! shown first. A line that is not UTF-8 comes out as an `InvalidData` error without its bytes, so
//! it cannot be reported or salvaged, and async-std's `Lines` never recovers from it (below); and
//! `lines()` has no maximum length, so a file without newlines grows its buffer as far as the file
//! goes. Cutting lines as bytes ourselves, with `read_until(b'\n')` under a `take` limit, fixes
//! both: a bad line is reported with its line number, shown lossily, and the rest of the file is
//! processed, while a line over the limit is an error instead of an allocation.
//!
//! Guide: 教程 异步 I/O (流处理); 指南 2.5.4.2 流处理.
//! The tutorial's `line.unwrap()` panics on the first line that is not UTF-8, and it needs the
//! `tokio-stream` crate for `LinesStream`; this cuts lines as bytes with a length limit, reports
//! the bad line and goes on.
//!
//! Differences from tokio: async-std has no codecs (`tokio_util::codec::LinesCodec` or
//! `AnyDelimiterCodec`, which take a maximum length), nor an `unfold` for streams; the byte-line
//! stream here is `read_until` with `take` made into a `Stream` by `futures::stream::try_unfold`.
//! async-std's `lines()` also fails differently from tokio's codec (which ends the stream after
//! the bad line) and from smol's `lines()` (which goes on with the next line): after a bad line,
//! it keeps that line's bytes and adds each following line to them, so every later item is the
//! same error, and at the end of the file it goes on yielding it instead of `None`. A loop that
//! logs errors and carries on (the usual way to survive a bad line) never ends; here
//! `StreamExt::take(100)` stops it. `StreamExt::filter` takes a plain closure here, not one
//! returning a future, and async-std's `StreamExt` has no `try_next`: items are `next().await`
//! and `?`.
//!
//! ```text
//! cargo run -p examples-async-std --example lines_stream
//! cargo run -p examples-async-std --example lines_stream -- /some/existing/dir
//! ```
//!
//! Prints what `lines()` makes of the log (line 4 an error with nothing to show, and every item
//! after it an error, with no end) and of a 1 MiB line (accepted whole), then, from the byte-level
//! stream, the IMPORTANT lines upper-cased, the invalid line with its number, the counts, and the
//! 1 MiB line refused. With a directory argument, the files go into a fresh subdirectory of it,
//! removed at the end.
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
const MAX_LINE: usize = 8 * 1024;
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

/// The lines of `reader` as bytes, without their `\n`; a line over [`MAX_LINE`] bytes is an
/// `InvalidData` error that ends the stream. The `take` limit is what keeps memory bounded:
/// `read_until` alone would read to the next `\n` however far away it is. Boxed, so the stream is
/// `Unpin` (the `async` block running inside `try_unfold` must not move) and `next` works on it.
fn byte_lines(reader: impl BufRead + Unpin) -> impl Stream<Item = io::Result<Vec<u8>>> + Unpin {
    Box::pin(stream::try_unfold(reader, |mut reader| async move {
        let mut line = Vec::new();
        // One byte more than the limit tells a line that is too long from one that just fits.
        (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .await?;
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if line.len() > MAX_LINE {
            let message = format!("a line longer than {MAX_LINE} bytes");
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
    // it, without end: this loop would spin forever at the end of the file but for `take`.
    let mut lines = BufReader::new(File::open(&path).await?)
        .lines()
        .take(MAX_ITEMS);
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
        println!(
            "lines(): a file without newlines came back as one line of {} bytes",
            line.len()
        );
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
        .filter(|line| match line {
            Ok((_, Line::Text(text))) => text.starts_with("IMPORTANT"),
            Ok((_, Line::Invalid(_))) | Err(_) => true,
        });

    let (mut important, mut invalid) = (0, 0);
    // An error here is an I/O error or a line over `MAX_LINE`: the file cannot be read as lines,
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

    // The file without newlines, through the same stream: refused after `MAX_LINE + 1` bytes.
    let mut lines = byte_lines(BufReader::new(File::open(&huge).await?));
    match lines.next().await {
        Some(Err(e)) if e.kind() == ErrorKind::InvalidData => {
            println!("byte lines: a file without newlines: {e}, refused");
        }
        Some(Err(e)) => return Err(e.into()),
        Some(Ok(line)) => println!(
            "byte lines: a file without newlines: accepted?! {} bytes",
            line.len()
        ),
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
