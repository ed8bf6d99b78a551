//! Chat client: sends the lines typed on stdin and prints the server's lines, both at once.
//!
//! Sending and receiving are two loops in one task, raced once by `or`: while a send waits for
//! the socket, the server's lines still come in and are printed. Stdin is read through
//! `smol::Unblock`, on smol's blocking pool: nothing waits for a read still blocked there at exit,
//! so a client whose server has gone exits at once. Differences from tokio:
//! - no `LinesCodec`: `read_until` into a buffer kept across calls reads lines cancel-safely.
//! - no `select!` and no coop budget: `or` polls the send loop first, each loop yields per line.
//!
//! Guide: 教程 实战案例 (聊天服务器), which has no client.
//!
//! ```text
//! cargo run -p examples-smol --example chat_server -- 127.0.0.1:8080
//! cargo run -p examples-smol --example chat_client -- 127.0.0.1:8080
//! ```
//!
//! Stdout carries exactly the server's lines. At the end of stdin it prints what still arrives
//! until the server is silent for 500 ms (2 s at most), so `echo hi | chat_client` shows answers.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! clap = { version = "4", features = ["derive"] }
//! anyhow = "1"
//! ```

use std::io;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use smol::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Take};
use smol::net::TcpStream;
use smol::prelude::*;
use smol::{Timer, Unblock};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The server's limit: a longer line would get this client disconnected, so it is not sent.
const MAX_LINE_LEN: usize = 8192;
/// What the server sends is a line of at most that length, plus the sender's address.
const MAX_INCOMING_LEN: usize = MAX_LINE_LEN + 64;
/// After stdin ends: how long a silence means nothing more is coming, and the longest wait.
const DRAIN_SILENCE: Duration = Duration::from_millis(500);
const DRAIN_MAX: Duration = Duration::from_secs(2);

/// Sends the lines from stdin to the server until stdin ends.
async fn send_lines(mut to_server: TcpStream) -> anyhow::Result<()> {
    let mut input = BufReader::new(Unblock::new(io::stdin())).lines();
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
        let sent = to_server.write_all(format!("{line}\n").as_bytes()).await;
        sent.context("cannot send to the server")?;
        // No coop budget in smol: without this, a piped stdin would starve the receiving loop.
        smol::future::yield_now().await;
    }
    Ok(())
}

/// The server's next line; `None` at the end of the stream. Cancel-safe: `read_until` appends to
/// `line` as it reads, so a half-received line stays there for the next call.
async fn next_line(reader: &mut Reader, line: &mut Vec<u8>) -> anyhow::Result<Option<String>> {
    reader.set_limit((MAX_INCOMING_LEN + 1 - line.len()) as u64);
    reader.read_until(b'\n', line).await.context("cannot read from the server")?;
    if line.pop_if(|&mut b| b == b'\n').is_some() {
        line.pop_if(|&mut b| b == b'\r');
    } else if line.len() > MAX_INCOMING_LEN {
        anyhow::bail!("the server sent a line longer than {MAX_INCOMING_LEN} bytes");
    } else if line.is_empty() {
        return Ok(None);
    }
    Ok(Some(String::from_utf8(std::mem::take(line)).context("the server sent invalid UTF-8")?))
}

/// The reading half, with a `take` that bounds each line.
type Reader = Take<BufReader<TcpStream>>;

async fn run(addr: &str) -> anyhow::Result<()> {
    let stream = timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await;
    let stream = stream.with_context(|| format!("cannot connect to {addr}: timed out"))?;
    let stream = stream.with_context(|| format!("cannot connect to {addr}"))?;
    eprintln!("connected to {} as {}", stream.peer_addr()?, stream.local_addr()?);

    // A smol `TcpStream` is a shared handle: a clone is the reading half.
    let (mut from_server, mut pending) = (BufReader::new(stream.clone()).take(0), Vec::new());
    let sending = async move { send_lines(stream).await.map(|()| false) };
    // Both loops at once, each created once: while one waits, the other goes on, so sending
    // without reading cannot deadlock with a server that waits for us to read. `or` drops the
    // loser, which loses nothing: a half-received line stays in `pending`.
    let receiving = async {
        while let Some(line) = next_line(&mut from_server, &mut pending).await? {
            println!("{line}");
            smol::future::yield_now().await; // or a busy room would starve the sending one
        }
        eprintln!("the server closed the connection");
        anyhow::Ok(true) // closed: nothing more to wait for
    };
    if sending.or(receiving).await? {
        return Ok(());
    }

    // Answers to the last lines may still be on their way: print them until the server has been
    // silent for a moment (or closes), but not forever in a busy room.
    let drain = async {
        while let Some(Some(line)) =
            timeout(DRAIN_SILENCE, next_line(&mut from_server, &mut pending)).await.transpose()?
        {
            println!("{line}");
        }
        anyhow::Ok(())
    };
    timeout(DRAIN_MAX, drain).await.unwrap_or(Ok(()))
}

/// `future`'s output, or `None` if `limit` passes first (smol's timeout: a `Timer` raced by `or`).
async fn timeout<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    let timed_out = async {
        Timer::after(limit).await;
        None
    };
    async { Some(future.await) }.or(timed_out).await
}

/// Chat client.
#[derive(Parser)]
#[command(name = "chat_client")]
struct Args {
    /// The chat server's address.
    #[arg(default_value = "127.0.0.1:8080")]
    addr: String,
}

fn main() -> anyhow::Result<()> {
    // Returning from `main` ends the process, even if a pool thread is still blocked on stdin.
    smol::block_on(run(&Args::parse().addr))
}
