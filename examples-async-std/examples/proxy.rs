//! TCP proxy: forwards each connection to one upstream, both ways, half-close included.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/proxy.rs
//!
//! Two copies run at once, one per direction; at EOF from one side, its copy shuts down the other's
//! write half and the opposite direction goes on: a client that sends a request and half-closes
//! still gets the whole reply. An upstream that refuses or does not answer within the connect
//! timeout closes the client at once, and so does nothing moving either way for the idle timeout.
//! Accept loop and shutdown: `support/mod.rs`. Next to smol:
//! - copies joined by `try_join` (smol: `try_zip`); `close` only flushes, the FIN is `shutdown`.
//!
//! Guide: 教程 实战案例 (代理服务器); what it gets wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example tcp_echo_server -- 127.0.0.1:9000
//! cargo run -p examples-async-std --example proxy -- 127.0.0.1:8080 127.0.0.1:9000
//! cargo run -p examples-async-std --example tcp_client -- 127.0.0.1:8080 "Hello through the proxy"
//! ```
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `FutureExt::race`, `try_join`
//! async-lock = "3"
//! async-signal = "0.2"
//! futures = "0.3"
//! clap = { version = "4", features = ["derive"] }
//! anyhow = "1"
//! ```

mod support;

use std::io;
use std::net::Shutdown;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use async_std::future::timeout;
use async_std::net::TcpStream;
use async_std::prelude::*;
use async_std::task;
use clap::Parser;

/// Bytes each direction moves per read and write. 8 KiB (async-std's `copy`) costs eight
/// times the system calls on bulk transfers, which on loopback are most of the cost (README,
/// server notes).
const BUFFER_SIZE: usize = 64 * 1024;

/// Connects to the upstream and forwards both ways until both directions are done; returns the
/// bytes sent each way.
async fn proxy(client: TcpStream, args: &Args) -> anyhow::Result<(u64, u64)> {
    let (upstream, ms) = (&args.upstream, args.connect_timeout.as_millis());
    let connected = timeout(args.connect_timeout, TcpStream::connect(upstream.as_str())).await;
    let connected =
        connected.with_context(|| format!("upstream {upstream} did not answer within {ms} ms"));
    let upstream = connected?.with_context(|| format!("cannot connect to upstream {upstream}"))?;

    // When bytes last arrived from either side. Idle means neither direction moves: a download
    // sends nothing upstream for as long as it lasts.
    let last_read = Mutex::new(Instant::now());
    let idle = async {
        loop {
            let deadline =
                *last_read.lock().unwrap_or_else(PoisonError::into_inner) + args.idle_timeout;
            if Instant::now() >= deadline {
                break;
            }
            task::sleep(deadline.saturating_duration_since(Instant::now())).await;
        }
        bail!("nothing moved either way for {} ms, closed", args.idle_timeout.as_millis())
    };
    // Both directions at once; each ends with a half-close of its destination, so that EOF from
    // one side passes through while the other direction goes on. An error either way ends both.
    let both_ways = async {
        let to_upstream = forward(&client, &upstream, &last_read);
        Ok(to_upstream.try_join(forward(&upstream, &client, &last_read)).await?)
    };
    both_ways.race(idle).await
}

/// Copies what `from` sends to `to` until EOF, then shuts down `to`'s write half, so that its
/// peer reads EOF too; returns the byte count.
async fn forward(from: &TcpStream, to: &TcpStream, last_read: &Mutex<Instant>) -> io::Result<u64> {
    let (mut from, mut to) = (from.clone(), to.clone());
    let mut buffer = vec![0u8; BUFFER_SIZE];
    let mut copied = 0;
    loop {
        let n = from.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        *last_read.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
        to.write_all(&buffer[..n]).await?;
        copied += n as u64;
    }
    to.shutdown(Shutdown::Write)?; // a FIN (`close` only flushes): the half-close passes through
    Ok(copied)
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

fn main() -> anyhow::Result<()> {
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
}
