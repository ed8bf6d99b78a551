//! TCP client for the echo server: send a message, half-close, read the echo to the end.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/tcp_client.rs`.
//!
//! One `read` is not one message: TCP is a byte stream, and the reply may arrive in any number of
//! pieces. So the client says it is done sending with `shutdown(Shutdown::Write)` (a half-close:
//! the server reads EOF, and can still write), and reads until the server closes in turn. Sending
//! and receiving run concurrently, because the server echoes while we are still sending: writing
//! everything before reading anything deadlocks once the message outgrows the socket buffers.
//!
//! Guide: 指南 2.5.5.2 网络 I/O (TCP 客户端); 教程 网络编程 (TCP 客户端).
//! The guide does one `read` into 1 KiB and takes it for the whole reply; this half-closes and reads
//! to EOF (capped), under a timeout, and exits non-zero with a clear error if it cannot connect.
//!
//! Differences from tokio: an async-std `TcpStream` is a shared handle to the socket (an `Arc`
//! inside), so the write half is a `clone()` (tokio: `split()`), and the socket closes when the
//! last clone is dropped. `shutdown(Shutdown::Write)` is a plain call, not a future. The two halves
//! run together with `futures::future::try_join` (tokio: `try_join!`; async-std's own
//! `FutureExt::try_join` needs the `unstable` feature). `async_std::future::timeout` reads as
//! tokio's: `Err(TimeoutError)` outside the exchange's own `Result`. `task::block_on` runs the
//! exchange on `main`'s thread and nothing is spawned (`connect` to a host name rather than an IP
//! address would resolve it with `spawn_blocking`, on async-std's pool for blocking work).
//!
//! Start the server in one terminal:
//!
//! ```text
//! cargo run -p examples-async-std --example tcp_echo_server -- 127.0.0.1:8080
//! ```
//!
//! and run the client in another (the message is optional):
//!
//! ```text
//! cargo run -p examples-async-std --example tcp_client -- 127.0.0.1:8080 "Hello, server!"
//! ```
//!
//! Prints `connected to <addr>` and `received <N> bytes: <the echo>`. With no server listening it
//! prints `Error: cannot connect to <addr>` and the reason on stderr and exits with status 1.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! futures = "0.3"
//! anyhow = "1"
//! ```

use std::net::Shutdown;
use std::time::Duration;

use anyhow::{Context, bail};
use async_std::future::timeout;
use async_std::net::TcpStream;
use async_std::prelude::*;
use async_std::task;
use futures::future::try_join;

const DEFAULT_ADDR: &str = "127.0.0.1:8080";
const DEFAULT_MESSAGE: &str = "Hello, server!";
/// The whole exchange, connect included, must finish within this.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(10);
/// The most we accept back: a misbehaving server cannot make us buffer without end.
const MAX_REPLY_BYTES: u64 = 1024 * 1024;

/// Sends `message` to the echo server at `addr` and returns what came back.
async fn exchange(addr: &str, message: &[u8]) -> anyhow::Result<Vec<u8>> {
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("cannot connect to {addr}"))?;
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
    try_join(send, receive)
        .await
        .context("the exchange failed")?;
    Ok(reply)
}

async fn run() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| DEFAULT_ADDR.to_owned());
    let message = args.next().unwrap_or_else(|| DEFAULT_MESSAGE.to_owned());
    if let Some(extra) = args.next() {
        bail!("unexpected argument `{extra}`\nusage: tcp_client [ADDR] [MESSAGE]");
    }

    let reply = timeout(EXCHANGE_TIMEOUT, exchange(&addr, message.as_bytes()))
        .await
        .with_context(|| {
            format!(
                "no complete echo from {addr} within {} ms",
                EXCHANGE_TIMEOUT.as_millis()
            )
        })??;
    println!(
        "received {} bytes: {}",
        reply.len(),
        String::from_utf8_lossy(&reply)
    );
    if reply != message.as_bytes() {
        bail!("the echo differs from the {} bytes sent", message.len());
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
