//! A file's lines as a `Stream`, filtered and mapped, that survives a line of invalid UTF-8.
//!
//! `AsyncBufReadExt::lines()` turns a `BufReader` into a `Stream` of lines, and `StreamExt` gives
//! it `filter`, `map` and friends. It is not enough for input we do not control, for two reasons
//! shown first. A line that is not UTF-8 comes out as an `InvalidData` error whose bytes have been
//! thrown away, so it can be counted but not reported or salvaged; and `lines()` has no maximum
//! length, so a file without newlines grows its buffer as far as the file goes. Cutting lines as
//! bytes ourselves, with `read_until(b'\n')` under a `take` limit, fixes both: a bad line is
//! reported with its line number, shown lossily, and the rest of the file is processed, while a
//! line over the limit is an error instead of an allocation.
//!
//! Guide: 教程 异步 I/O (流处理); 指南 2.5.4.2 流处理.
//! The tutorial's `line.unwrap()` panics on the first line that is not UTF-8, and it needs the
//! `tokio-stream` crate for `LinesStream`; this cuts lines as bytes with a length limit, reports
//! the bad line and goes on.
//!
//! Differences from tokio: smol has no codecs (`tokio_util::codec::LinesCodec` or
//! `AnyDelimiterCodec`, which take a maximum length); the byte-line stream here is
//! `read_until` with `take` made into a `Stream` by `smol::stream::try_unfold`. futures-lite's
//! `lines()` also fails differently: after a bad line it goes on with the next one (a `FramedRead`
//! ends after any error), but that line's bytes are gone, and a line of any length is accepted,
//! both shown below. `StreamExt::filter` takes a plain closure here, not one returning a future.
//!
//! ```text
//! cargo run -p examples-smol --example lines_stream
//! cargo run -p examples-smol --example lines_stream -- /some/existing/dir
//! ```
//!
//! Prints what `lines()` makes of the log (line 4 an error with nothing to show) and of a 1 MiB
//! line (accepted whole), then, from the byte-level stream, the IMPORTANT lines upper-cased, the
//! invalid line with its number, the counts, and the 1 MiB line refused. With a directory
//! argument, the files go into a fresh subdirectory of it, removed at the end.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::io::{self, ErrorKind};
use std::path::Path;

use smol::fs::{self, File};
use smol::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, BufReader};
use smol::stream::{self, Stream, StreamExt};

/// Longer lines are an error rather than a reason to buffer without limit.
const MAX_LINE: usize = 8 * 1024;
/// A "line" that a log without newlines, or a hostile file, could hold.
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

/// The lines of `reader` as bytes, without their `\n`; a line over [`MAX_LINE`] bytes is an
/// `InvalidData` error that ends the stream. The `take` limit is what keeps memory bounded:
/// `read_until` alone would read to the next `\n` however far away it is. Boxed, so the stream is
/// `Unpin` (the `async` block running inside `try_unfold` must not move) and `next` works on it.
fn byte_lines(
    reader: impl AsyncBufRead + Unpin,
) -> impl Stream<Item = io::Result<Vec<u8>>> + Unpin {
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

    // The trap, part one: the stream goes on past the bad line, but cannot say what it was.
    let mut lines = BufReader::new(File::open(&path).await?).lines();
    let mut seen = 0;
    while let Some(line) = lines.next().await {
        seen += 1;
        if let Err(e) = line {
            println!("lines(): line {seen}: {e}; its bytes are gone");
        }
    }
    println!("lines(): the stream went on to the end, {seen} of {total} lines read");
    // Part two: no limit. The whole file becomes one `String` in memory.
    let mut lines = BufReader::new(File::open(&huge).await?).lines();
    if let Some(line) = lines.try_next().await? {
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

    // The file without newlines, through the same stream: refused after `MAX_LINE + 1` bytes.
    let mut lines = byte_lines(BufReader::new(File::open(&huge).await?));
    match lines.try_next().await {
        Err(e) if e.kind() == ErrorKind::InvalidData => {
            println!("byte lines: a file without newlines: {e}, refused");
        }
        Err(e) => return Err(e.into()),
        Ok(line) => println!(
            "byte lines: a file without newlines: accepted?! {:?} bytes",
            line.map(|line| line.len())
        ),
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
