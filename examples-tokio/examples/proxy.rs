//! TCP proxy: forwards each connection to one upstream, both ways, half-close included.
//!
//! `copy_bidirectional` pumps both directions at once; when one side finishes sending (EOF) it
//! shuts down the other's write half and keeps the opposite direction going, so a client that
//! sends a request and half-closes still gets the whole reply. An upstream that refuses, or does
//! not answer within the connect timeout, closes the client at once. A connection on which nothing
//! moves either way for the idle timeout is closed. Accept loop and shutdown: `support/mod.rs`.
//!
//! Guide: 教程 实战案例 (代理服务器); what it gets wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example tcp_echo_server -- 127.0.0.1:9000
//! cargo run -p examples-tokio --example proxy -- 127.0.0.1:8080 127.0.0.1:9000
//! cargo run -p examples-tokio --example tcp_client -- 127.0.0.1:8080 "Hello through the proxy"
//! ```
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = [
//!     "io-util", "macros", "net", "rt-multi-thread", "signal", "sync", "time"] }
//! tokio-util = { version = "0.7", features = ["io", "rt"] }
//! clap = { version = "4", features = ["derive"] }
//! anyhow = "1"
//! ```

mod support;

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::Parser;
use tokio::io::copy_bidirectional_with_sizes;
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_util::io::InspectReader;

/// Bytes each direction moves per read and write. The default, 8 KiB, costs eight times the
/// system calls on bulk transfers, which on loopback are most of the cost (README, server notes).
const BUFFER_SIZE: usize = 64 * 1024;

/// Connects to the upstream and forwards both ways until both directions are done; returns the
/// bytes sent each way.
async fn proxy(client: TcpStream, args: &Args) -> anyhow::Result<(u64, u64)> {
    let (upstream, ms) = (&args.upstream, args.connect_timeout.as_millis());
    let connected = timeout(args.connect_timeout, TcpStream::connect(upstream)).await;
    let connected =
        connected.map_err(|_| anyhow!("upstream {upstream} did not answer within {ms} ms"));
    let upstream = connected?.with_context(|| format!("cannot connect to upstream {upstream}"))?;

    // When bytes last arrived from either side. Idle means neither direction moves: a download
    // sends nothing upstream for as long as it lasts.
    let last_read = Mutex::new(Instant::now());
    let touch = |bytes: &[u8]| {
        if !bytes.is_empty() {
            *last_read.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
        }
    };
    let mut client = InspectReader::new(client, touch);
    let mut upstream = InspectReader::new(upstream, touch);
    let idle = async {
        loop {
            let deadline =
                *last_read.lock().unwrap_or_else(PoisonError::into_inner) + args.idle_timeout;
            if Instant::now() >= deadline {
                break;
            }
            sleep_until(deadline).await;
        }
    };
    tokio::select! {
        // On EOF from one side this shuts down the other's write half and keeps the opposite
        // direction going: half-close passes through, where two plain copy loops would hang.
        copied = copy_bidirectional_with_sizes(&mut client, &mut upstream, BUFFER_SIZE, BUFFER_SIZE) => {
            Ok(copied?)
        }
        () = idle => bail!("nothing moved either way for {} ms, closed", args.idle_timeout.as_millis()),
    }
}

/// TCP proxy.
#[derive(Parser)]
#[command(name = "proxy")]
struct Args {
    /// Address to listen on.
    addr: String,
    /// Address to forward to; resolved again for every connection.
    upstream: String,
    /// Time allowed to connect to the upstream.
    #[arg(long = "connect-timeout-ms", value_name = "MS", default_value = "5000",
          value_parser = support::millis)]
    connect_timeout: Duration,
    /// Close a connection on which nothing moved, either way, for this long.
    // Long: proxied protocols (databases, SSH) may sit quiet for minutes and still be healthy.
    #[arg(long = "idle-timeout-ms", value_name = "MS", default_value = "300000",
          value_parser = support::millis)]
    idle_timeout: Duration,
    #[command(flatten)]
    server: support::ServerArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = std::sync::Arc::new(Args::parse());
    eprintln!("forwarding to {}", args.upstream);
    support::run(&args.addr, &args.server, |client, peer, _shutdown| {
        let args = std::sync::Arc::clone(&args);
        async move {
            eprintln!("{peer}: connected");
            // Returning drops the client socket: an unreachable upstream closes it at once.
            match proxy(client, &args).await {
                Ok((sent, back)) => {
                    eprintln!("{peer}: done, {sent} bytes to upstream, {back} bytes back")
                }
                Err(e) => eprintln!("{peer}: {e:#}"),
            }
        }
    })
    .await
}
