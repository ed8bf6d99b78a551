//! TCP client for the echo server: send a message, half-close, read the echo to the end.
//!
//! One `read` is not one message: TCP is a byte stream, and the reply may come in any number of
//! pieces. So the client half-closes with `shutdown(Shutdown::Write)` (the server reads EOF and can
//! still write) and reads until the server closes in turn, sending and receiving at once: writing
//! everything before reading deadlocks once the message outgrows the socket buffers. Differences
//! from tokio:
//! - a smol `TcpStream` is a shared handle: the write half is a `clone()` (tokio: `split()`), and
//!   `shutdown(Shutdown::Write)` is a plain call, not a future.
//!
//! Guide: 指南 2.5.5.2 网络 I/O (TCP 客户端); 教程 网络编程 (TCP 客户端); see README, Errata.
//! Start the server in one terminal, then the client in another (the message is optional):
//! ```text
//! cargo run -p examples-smol --example tcp_echo_server -- 127.0.0.1:8080
//! cargo run -p examples-smol --example tcp_client -- 127.0.0.1:8080 "Hello, server!"
//! ```
//!
//! Prints `connected to <addr>` and `received <N> bytes: <the echo>`. With no server listening it
//! prints `Error: cannot connect to <addr>` and the reason on stderr and exits with status 1.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! anyhow = "1"
//! ```

use std::net::Shutdown;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use smol::Timer;
use smol::future;
use smol::net::TcpStream;
use smol::prelude::*;

const DEFAULT_ADDR: &str = "127.0.0.1:8080";
const DEFAULT_MESSAGE: &str = "Hello, server!";
/// The whole exchange, connect included, must finish within this.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(10);
/// The most we accept back: a misbehaving server cannot make us buffer without end.
const MAX_REPLY_BYTES: u64 = 1024 * 1024;

/// Sends `message` to the echo server at `addr` and returns what came back.
async fn exchange(addr: &str, message: &[u8]) -> anyhow::Result<Vec<u8>> {
    let stream =
        TcpStream::connect(addr).await.with_context(|| format!("cannot connect to {addr}"))?;
    println!("connected to {}", stream.peer_addr()?);

    // Another handle to the same socket: one writes while the other reads.
    let mut writer = stream.clone();
    let send = async {
        writer.write_all(message).await?;
        // Half-close: the server sees EOF and knows the message is complete.
        writer.shutdown(Shutdown::Write)
    };
    let mut reply = Vec::new();
    let mut reader = stream.take(MAX_REPLY_BYTES);
    let receive = reader.read_to_end(&mut reply);
    // `try_zip` is tokio's `try_join!`: both halves at once, the first error ends both.
    future::try_zip(send, receive).await.context("the exchange failed")?;
    Ok(reply)
}

async fn run() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| DEFAULT_ADDR.to_owned());
    let message = args.next().unwrap_or_else(|| DEFAULT_MESSAGE.to_owned());
    if let Some(extra) = args.next() {
        bail!("unexpected argument `{extra}`\nusage: tcp_client [ADDR] [MESSAGE]");
    }

    let too_slow = async {
        Timer::after(EXCHANGE_TIMEOUT).await;
        Err(anyhow!("no complete echo from {addr} within {} ms", EXCHANGE_TIMEOUT.as_millis()))
    };
    let reply = exchange(&addr, message.as_bytes()).or(too_slow).await?;
    println!("received {} bytes: {}", reply.len(), String::from_utf8_lossy(&reply));
    if reply != message.as_bytes() {
        bail!("the echo differs from the {} bytes sent", message.len());
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    smol::block_on(run())
}
