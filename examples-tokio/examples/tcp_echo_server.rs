//! TCP echo server: every byte a client sends comes back, and a client that goes quiet is let go.
//!
//! Each connection gets a task that reads into one reusable buffer and writes back what it read,
//! until the client half-closes. Every read and write has the idle timeout: without it, a client
//! that goes quiet, or sends without ever reading, would hold its task forever. The accept loop,
//! signals and grace period are the crate's server skeleton, `support/mod.rs`: copy it too.
//!
//! Guide: 指南 2.5.5.2 (TCP 服务器); 教程 网络编程 (TCP 服务器); what they get wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example tcp_echo_server -- 127.0.0.1:8080
//! cargo run -p examples-tokio --example tcp_client -- 127.0.0.1:8080 "Hello, server!"
//! ```
//!
//! Prints `listening on <addr>`, then `shutdown complete` after Ctrl+C; logs go to stderr.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = [
//!     "io-util", "macros", "net", "rt-multi-thread", "signal", "sync", "time"] }
//! tokio-util = { version = "0.7", features = ["rt"] }
//! futures = "0.3"
//! clap = { version = "4", features = ["derive"] }
//! anyhow = "1"
//! ```

mod support;

use std::io;
use std::time::Duration;

use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// One buffer of this size per connection, reused for every read.
const BUFFER_SIZE: usize = 8 * 1024;

/// Sends back everything the client sends until it half-closes; returns the byte count.
async fn echo(mut stream: TcpStream, idle_timeout: Duration) -> io::Result<u64> {
    let idle = |_| {
        let ms = idle_timeout.as_millis();
        io::Error::new(io::ErrorKind::TimedOut, format!("idle for {ms} ms, disconnected"))
    };
    let mut buffer = vec![0u8; BUFFER_SIZE];
    let mut echoed = 0;
    loop {
        let n = timeout(idle_timeout, stream.read(&mut buffer)).await.map_err(idle)??;
        if n == 0 {
            break;
        }
        timeout(idle_timeout, stream.write_all(&buffer[..n])).await.map_err(idle)??;
        echoed += n as u64;
    }
    // The client half-closed: close our side too, so that its read to EOF ends.
    stream.shutdown().await?;
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let idle_timeout = args.idle_timeout;
    support::run(&args.addr, &args.server, move |stream, peer, _shutdown| async move {
        eprintln!("{peer}: connected");
        match echo(stream, idle_timeout).await {
            Ok(bytes) => eprintln!("{peer}: closed after echoing {bytes} bytes"),
            Err(e) => eprintln!("{peer}: {e}"),
        }
    })
    .await
}
