//! TCP client for the echo server: send a message, half-close, read the echo to the end.
//!
//! One `read` is not one message: TCP is a byte stream, and the reply may arrive in any number of
//! pieces. So the client half-closes with `shutdown()` (the server reads EOF and can still write)
//! and reads to EOF (at most 1 MiB, all within 10 s), sending and receiving at once: writing
//! everything before reading anything deadlocks once the message outgrows the socket buffers.
//!
//! Guide: 指南 2.5.5.2 网络 I/O (TCP 客户端); 教程 网络编程 (TCP 客户端); see README, Errata.
//! Start the server in one terminal:
//! ```text
//! cargo run -p examples-tokio --example tcp_echo_server -- 127.0.0.1:8080
//! ```
//! and run the client in another (the message is optional):
//! ```text
//! cargo run -p examples-tokio --example tcp_client -- 127.0.0.1:8080 "Hello, server!"
//! ```
//!
//! Prints `connected to <addr>` and `received <N> bytes: <the echo>`. With no server listening it
//! prints `Error: cannot connect to <addr>` and the reason on stderr and exits with status 1.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["io-util", "macros", "net", "rt-multi-thread", "time"] }
//! anyhow = "1"
//! ```

use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

const DEFAULT_ADDR: &str = "127.0.0.1:8080";
const DEFAULT_MESSAGE: &str = "Hello, server!";
/// The whole exchange, connect included, must finish within this.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(10);
/// The most we accept back: a misbehaving server cannot make us buffer without end.
const MAX_REPLY_BYTES: u64 = 1024 * 1024;

/// Sends `message` to the echo server at `addr` and returns what came back.
async fn exchange(addr: &str, message: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut stream =
        TcpStream::connect(addr).await.with_context(|| format!("cannot connect to {addr}"))?;
    println!("connected to {}", stream.peer_addr()?);

    let (reader, mut writer) = stream.split();
    let send = async {
        writer.write_all(message).await?;
        // Half-close: the server sees EOF and knows the message is complete.
        writer.shutdown().await
    };
    let mut reply = Vec::new();
    let mut reader = reader.take(MAX_REPLY_BYTES);
    let receive = reader.read_to_end(&mut reply);
    tokio::try_join!(send, receive).context("the exchange failed")?;
    Ok(reply)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| DEFAULT_ADDR.to_owned());
    let message = args.next().unwrap_or_else(|| DEFAULT_MESSAGE.to_owned());
    if let Some(extra) = args.next() {
        bail!("unexpected argument `{extra}`\nusage: tcp_client [ADDR] [MESSAGE]");
    }

    let reply =
        timeout(EXCHANGE_TIMEOUT, exchange(&addr, message.as_bytes())).await.with_context(
            || format!("no complete echo from {addr} within {} ms", EXCHANGE_TIMEOUT.as_millis()),
        )??;
    println!("received {} bytes: {}", reply.len(), String::from_utf8_lossy(&reply));
    if reply != message.as_bytes() {
        bail!("the echo differs from the {} bytes sent", message.len());
    }
    Ok(())
}
