//! TCP echo server: every byte a client sends comes back, and a client that goes quiet is let go.
//!
//! Each connection's task reads into one reusable buffer and writes back what it read, until the
//! client half-closes. Every read and write has the idle timeout: without it, a client that goes
//! quiet or never reads would hold its task forever. Accept loop, shutdown: `support/mod.rs`.
//! Differences from tokio:
//! - a dropped `Task` cancels its future: the skeleton keeps every handle, cancels them at the end.
//! - no coop budget: the accept loop yields per client; no `timeout()`: a `Timer` raced by `or`.
//!
//! Guide: 指南 2.5.5.2 (TCP 服务器); 教程 网络编程 (TCP 服务器); what they get wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example tcp_echo_server -- 127.0.0.1:8080
//! cargo run -p examples-smol --example tcp_client -- 127.0.0.1:8080 "Hello, server!"
//! ```
//!
//! Prints `listening on <addr>`, then `shutdown complete` after Ctrl+C; logs go to stderr.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! async-signal = "0.2"
//! clap = { version = "4", features = ["derive"] }
//! anyhow = "1"
//! ```

mod support;

use std::io;
use std::time::Duration;

use clap::Parser;
use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::net::TcpStream;
use support::timeout;

/// One buffer of this size per connection, reused for every read.
const BUFFER_SIZE: usize = 8 * 1024;

/// Sends back everything the client sends until it half-closes; returns the byte count.
async fn echo(mut stream: TcpStream, idle_timeout: Duration) -> io::Result<u64> {
    let idle = || {
        let ms = idle_timeout.as_millis();
        io::Error::new(io::ErrorKind::TimedOut, format!("idle for {ms} ms, disconnected"))
    };
    let mut buffer = vec![0u8; BUFFER_SIZE];
    let mut echoed = 0;
    loop {
        let n = timeout(idle_timeout, stream.read(&mut buffer)).await.ok_or_else(idle)??;
        if n == 0 {
            break;
        }
        timeout(idle_timeout, stream.write_all(&buffer[..n])).await.ok_or_else(idle)??;
        echoed += n as u64;
    }
    // The client half-closed: close our side too, so that its read to EOF ends. (`close` on a
    // smol `TcpStream` shuts down writing only: a FIN.)
    stream.close().await?;
    Ok(echoed)
}

/// TCP echo server.
#[derive(Parser)]
#[command(name = "tcp_echo_server")]
struct Args {
    /// Address to listen on.
    #[arg(default_value = "127.0.0.1:8080")]
    addr: String,
    /// Close a connection on which nothing moved, either way, for this long.
    #[arg(long = "idle-timeout-ms", value_name = "MS", default_value = "60000",
          value_parser = support::millis)]
    idle_timeout: Duration,
    #[command(flatten)]
    server: support::ServerArgs,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let idle_timeout = args.idle_timeout;
    support::run(&args.addr, &args.server, move |stream, peer, _shutdown| async move {
        eprintln!("{peer}: connected");
        match echo(stream, idle_timeout).await {
            Ok(bytes) => eprintln!("{peer}: closed after echoing {bytes} bytes"),
            Err(e) => eprintln!("{peer}: {e}"),
        }
    })
}
