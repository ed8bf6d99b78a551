//! A file's lines as a `Stream`, filtered and mapped, that survives a line of invalid UTF-8.
//!
//! `AsyncBufReadExt::lines()` fails untrusted input: a non-UTF-8 line is an error without its bytes
//! (the stream goes on), and a file without newlines grows one `String` as far as it goes. Lines
//! cut as bytes, `read_until(b'\n')` under a `take` limit, fix both: a bad line is reported with
//! its number and the rest is processed; an overlong line is an error. Differences from tokio:
//! - no codecs (tokio's length-capped `AnyDelimiterCodec`): `stream::try_unfold` makes the stream.
//! - tokio's twin wraps `lines()` in tokio-stream's `LinesStream`; smol's is a `Stream` already.
//!
//! Guide: 教程 异步 I/O (流处理); 指南 2.5.4.2 流处理; what they get wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example lines_stream
//! cargo run -p examples-smol --example lines_stream -- /some/existing/dir
//! ```
//!
//! `lines()` on the log (line 4 an error with nothing to show) and on a 1 MiB line (accepted);
//! then the IMPORTANT byte lines upper-cased, line 4 shown lossily, the 1 MiB line refused.
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
const MAX_LINE_LEN: usize = 8 * 1024;
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

/// The lines of `reader` as bytes, without their `\n`; a line over [`MAX_LINE_LEN`] bytes is an
/// `InvalidData` error that ends the stream. The `take` limit is what keeps memory bounded:
/// `read_until` alone would read to the next `\n` however far away it is. Boxed, so the stream is
/// `Unpin` (the `async` block running inside `try_unfold` must not move) and `next` works on it.
fn byte_lines(
    reader: impl AsyncBufRead + Unpin,
) -> impl Stream<Item = io::Result<Vec<u8>>> + Unpin {
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
        println!("lines(): a file without newlines came back as one line of {} bytes", line.len());
    }

    // The fix: cut lines as bytes, with a limit, number them, and decode each one on its own.
    // (futures-lite's `filter` takes a plain closure, not one returning a future.)
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

    // The file without newlines, through the same stream: refused after `MAX_LINE_LEN + 1` bytes.
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
