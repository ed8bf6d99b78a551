//! Chat client: sends the lines typed on stdin and prints the server's lines, both at once.
//!
//! Sending and receiving run in one task: the send loop is pinned once and polled by `&mut` in
//! `select!`, so a send waiting for the socket is paused, not cancelled, while lines come in.
//! Stdin is read on a plain thread, as tokio's docs advise for interactive input: the blocking
//! pool's `tokio::io::stdin` cannot be cancelled, so exit would wait for Enter.
//!
//! Guide: 教程 实战案例 (聊天服务器), which has no client.
//!
//! ```text
//! cargo run -p examples-tokio --example chat_server -- 127.0.0.1:8080
//! cargo run -p examples-tokio --example chat_client -- 127.0.0.1:8080
//! ```
//!
//! Stdout carries exactly the server's lines. At the end of stdin it prints what still arrives
//! until the server is silent for 500 ms (2 s at most), so `echo hi | chat_client` shows answers.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "net", "rt-multi-thread", "sync", "time"] }
//! tokio-util = { version = "0.7", features = ["codec"] }
//! futures = "0.3"
//! clap = { version = "4", features = ["derive"] }
//! anyhow = "1"
//! ```

use std::io;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_util::codec::{FramedRead, FramedWrite, LinesCodec};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The server's limit: a longer line would get this client disconnected, so it is not sent.
const MAX_LINE_LEN: usize = 8192;
/// What the server sends is a line of at most that length, plus the sender's address.
const MAX_INCOMING_LEN: usize = MAX_LINE_LEN + 64;
/// After stdin ends: how long a silence means nothing more is coming, and the longest wait.
const DRAIN_SILENCE: Duration = Duration::from_millis(500);
const DRAIN_MAX: Duration = Duration::from_secs(2);

/// Starts a thread that reads stdin line by line; the channel closes at the end of stdin.
fn read_stdin_lines() -> mpsc::Receiver<String> {
    // A little buffer is enough: the sender blocks, which is right for a pasted or piped flood.
    let (lines, receiver) = mpsc::channel(16);
    std::thread::spawn(move || {
        for line in io::stdin().lines() {
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
            if lines.blocking_send(line).is_err() {
                break; // the client is finishing
            }
        }
    });
    receiver
}

/// Sends the lines from stdin to the server until stdin ends.
async fn send_lines(
    mut input: mpsc::Receiver<String>,
    to_server: &mut FramedWrite<OwnedWriteHalf, LinesCodec>,
) -> anyhow::Result<()> {
    while let Some(line) = input.recv().await {
        if line.len() > MAX_LINE_LEN {
            eprintln!("not sent: the line is longer than {MAX_LINE_LEN} bytes");
            continue;
        }
        to_server.send(line).await.context("cannot send to the server")?;
    }
    Ok(())
}

async fn run(addr: &str) -> anyhow::Result<()> {
    let stream = timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
        .await
        .with_context(|| format!("cannot connect to {addr}: timed out"))?
        .with_context(|| format!("cannot connect to {addr}"))?;
    eprintln!("connected to {} as {}", stream.peer_addr()?, stream.local_addr()?);

    let (reader, writer) = stream.into_split();
    let mut from_server =
        FramedRead::new(reader, LinesCodec::new_with_max_length(MAX_INCOMING_LEN));
    let mut to_server = FramedWrite::new(writer, LinesCodec::new());

    // Pinned once and polled by `&mut`: while it waits to send, a line from the server wins the
    // race, gets printed, and the send resumes where it was. Had each iteration created a fresh
    // send, a half-sent line could be lost; and sending without reading could deadlock with a
    // server that is itself waiting for us to read.
    let mut sending = std::pin::pin!(send_lines(read_stdin_lines(), &mut to_server));
    loop {
        tokio::select! {
            sent = &mut sending => {
                sent?;
                break; // stdin ended; see what still comes below
            }
            // Cancel-safe: a partly received line waits in the codec's buffer.
            line = from_server.next() => match line {
                Some(line) => println!("{}", line.context("cannot read from the server")?),
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
        while let Ok(Some(line)) = timeout(DRAIN_SILENCE, from_server.next()).await {
            println!("{}", line.context("cannot read from the server")?);
        }
        anyhow::Ok(())
    };
    timeout(DRAIN_MAX, drain).await.unwrap_or(Ok(()))
}

/// Chat client.
#[derive(Parser)]
#[command(name = "chat_client")]
struct Args {
    /// The chat server's address.
    #[arg(default_value = "127.0.0.1:8080")]
    addr: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Returning from `main` ends the process, the stdin thread included, even if it is still
    // waiting for a line.
    run(&Args::parse().addr).await
}
