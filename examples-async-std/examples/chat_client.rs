//! Chat client: sends each line typed on stdin to the chat server and prints every line the
//! server sends, both at once.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/chat_client.rs`.
//!
//! Sending and receiving run concurrently in one task: the send loop is pinned once and polled
//! by `&mut` in `race`, so a send that is waiting for the socket is paused, not cancelled, while
//! incoming lines keep being printed. Stdin is `async_std::io::stdin()`, which runs each blocking
//! read on async-std's thread pool for blocking work; at exit nothing waits for a read still
//! blocked there, so a client whose server went away exits at once.
//!
//! Guide: 教程 实战案例 (聊天服务器).
//! The guide gives no client; this one reads stdin and the socket concurrently, keeps to the
//! server's 8 KiB line limit, and ends cleanly on EOF from either side.
//!
//! Differences from tokio: stdin is async-std's own, rather than a thread of its own (tokio's
//! `stdin` would hold up the runtime's shutdown; async-std has no runtime to shut down, and when
//! `main` returns the process ends, a pool thread blocked in a read included). There is no
//! `LinesCodec` and no `select!`: the lines from the server come from a small cancel-safe
//! `LineReader` (a half-received line stays in it when the other side of `race` wins; async-std's
//! `read_line` would lose it), and `FutureExt::race` (`unstable`) always polls its left side
//! first. `async_std::future::timeout` gives `Err(TimeoutError)` when time runs out, like tokio's.
//! An async-std `TcpStream` is a cloneable handle, so a clone is the writing half (no
//! `into_split`).
//!
//! Start the server in one terminal:
//!
//! ```text
//! cargo run -p examples-async-std --example chat_server -- 127.0.0.1:8080
//! ```
//!
//! then a client in each of two other terminals, and type a line in either of them:
//!
//! ```text
//! cargo run -p examples-async-std --example chat_client -- 127.0.0.1:8080
//! ```
//!
//! Stdout carries exactly the lines from the server: `<peer addr>: <line>` for what the others
//! typed, and server notices starting with `* `. Stderr says whom it connected to, and when the
//! server closes the connection. At the end of stdin (Ctrl+D, or the end of a piped file) the
//! client keeps printing until the server has been silent for 500 ms (at most 2 s), then exits 0,
//! so `echo hi | chat_client ADDR` shows the answers that follow.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `FutureExt::race`
//! futures = "0.3"
//! anyhow = "1"
//! ```

use std::time::Duration;

use anyhow::Context;
use async_std::future::timeout;
use async_std::io::{self, BufReader, WriteExt};
use async_std::net::TcpStream;
use async_std::prelude::FutureExt;
use async_std::task;
use futures::{AsyncBufReadExt, StreamExt};

const DEFAULT_ADDR: &str = "127.0.0.1:8080";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The server's limit: a longer line would get this client disconnected, so it is not sent.
const MAX_LINE_LEN: usize = 8192;
/// What the server sends is a line of at most that length, plus the sender's address.
const MAX_INCOMING_LEN: usize = MAX_LINE_LEN + 64;
/// After stdin ends: how long a silence means nothing more is coming, and the longest wait.
const DRAIN_SILENCE: Duration = Duration::from_millis(500);
const DRAIN_MAX: Duration = Duration::from_secs(2);

/// Sends the lines from stdin to the server until stdin ends.
async fn send_lines(to_server: &mut TcpStream) -> anyhow::Result<()> {
    // Each read of stdin is a blocking read on async-std's pool, behind an async reader.
    let mut input = BufReader::new(io::stdin()).lines();
    while let Some(line) = input.next().await {
        let line = match line {
            Ok(line) => line,
            // That line is skipped (the server takes only UTF-8); the next ones still count.
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                eprintln!("not sent: the line is not valid UTF-8");
                continue;
            }
            Err(e) => {
                eprintln!("cannot read stdin: {e}");
                break;
            }
        };
        if line.len() > MAX_LINE_LEN {
            eprintln!("not sent: the line is longer than {MAX_LINE_LEN} bytes");
            continue;
        }
        to_server
            .write_all(format!("{line}\n").as_bytes())
            .await
            .context("cannot send to the server")?;
        // async-std has no cooperative budget like tokio's: while stdin and the socket are
        // always ready (a piped file), this loop would never let the receiving side print.
        task::yield_now().await;
    }
    Ok(())
}

/// What ended a wait in the main loop.
enum Event {
    Sent(anyhow::Result<()>),
    Received(anyhow::Result<Option<String>>),
}

async fn run(addr: &str) -> anyhow::Result<()> {
    let stream = timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
        .await
        .with_context(|| format!("cannot connect to {addr}: timed out"))?
        .with_context(|| format!("cannot connect to {addr}"))?;
    eprintln!(
        "connected to {} as {}",
        stream.peer_addr()?,
        stream.local_addr()?
    );

    // An async-std `TcpStream` is a shared handle: a clone is the writing half.
    let mut to_server = stream.clone();
    let mut from_server = LineReader::new(stream, MAX_INCOMING_LEN);

    // Pinned once and polled by `&mut`: while it waits to send, a line from the server wins the
    // race, gets printed, and the send resumes where it was. Had each iteration created a fresh
    // send, a half-sent line could be lost; and sending without reading could deadlock with a
    // server that is itself waiting for us to read.
    let mut sending = std::pin::pin!(send_lines(&mut to_server));
    loop {
        let sent = async { Event::Sent(sending.as_mut().await) };
        // Cancel-safe: a partly received line waits in `from_server`.
        let received = async { Event::Received(from_server.next_line().await) };
        match sent.race(received).await {
            Event::Sent(sent) => {
                sent?;
                break; // stdin ended; see what still comes below
            }
            Event::Received(line) => match line.context("cannot read from the server")? {
                Some(line) => println!("{line}"),
                None => {
                    eprintln!("the server closed the connection");
                    return Ok(());
                }
            },
        }
    }

    // Answers to the last lines may still be on their way: print them until the server has been
    // silent for a moment (or closes), but not forever in a busy room.
    let drain = async {
        while let Ok(line) = timeout(DRAIN_SILENCE, from_server.next_line()).await {
            match line.context("cannot read from the server")? {
                Some(line) => println!("{line}"),
                None => break,
            }
        }
        anyhow::Ok(())
    };
    timeout(DRAIN_MAX, drain).await.unwrap_or(Ok(()))
}

/// Reads lines of at most `max_len` bytes, cancel-safely: the half-read line lives in `line`,
/// and the future of `next_line` awaits only `fill_buf`, which consumes nothing.
struct LineReader {
    reader: BufReader<TcpStream>,
    line: Vec<u8>,
    max_len: usize,
}

impl LineReader {
    fn new(stream: TcpStream, max_len: usize) -> Self {
        LineReader {
            reader: BufReader::new(stream),
            line: Vec::new(),
            max_len,
        }
    }

    /// The next line without its `\n` (or `\r\n`); `None` at the end of the stream.
    async fn next_line(&mut self) -> anyhow::Result<Option<String>> {
        loop {
            // async-std's own `BufReadExt` has no `fill_buf`; the futures crate's has.
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                // The end of the stream: a last line without its newline still counts.
                if self.line.is_empty() {
                    return Ok(None);
                }
                return self.take_line().map(Some);
            }
            let (part, used, complete) = match available.iter().position(|&b| b == b'\n') {
                Some(newline) => (&available[..newline], newline + 1, true),
                None => (available, available.len(), false),
            };
            if self.line.len() + part.len() > self.max_len {
                anyhow::bail!("a line longer than {} bytes", self.max_len);
            }
            self.line.extend_from_slice(part);
            self.reader.consume_unpin(used);
            if complete {
                return self.take_line().map(Some);
            }
        }
    }

    fn take_line(&mut self) -> anyhow::Result<String> {
        let mut line = std::mem::take(&mut self.line);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        String::from_utf8(line).context("a line that is not UTF-8")
    }
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| DEFAULT_ADDR.to_owned());
    if let Some(extra) = args.next() {
        anyhow::bail!("unexpected argument `{extra}`\nusage: chat_client [ADDR]");
    }
    // Returning from `main` ends the process, even if a pool thread is still blocked reading
    // stdin.
    task::block_on(run(&addr))
}
