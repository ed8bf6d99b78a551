//! TCP echo server that survives what a real network does to it: failed accepts, idle peers,
//! floods, resets, and a Ctrl+C with connections open.
//!
//! Each connection gets its own task that sends back every byte it reads, through one reusable
//! buffer. Around that the server is hardened the way production servers are: a failed `accept`
//! (out of file descriptors, a connection aborted before it was accepted) is logged and retried
//! with exponential backoff instead of ending the server; a `Semaphore` caps open connections so a
//! flood waits in the kernel's backlog instead of exhausting memory and descriptors; a peer that
//! neither sends nor reads for the idle timeout is disconnected; and SIGINT/SIGTERM stop the
//! accept loop, give open connections a bounded grace period, then close what is left.
//!
//! Guide: 指南 2.5.5.2 网络 I/O (TCP 服务器); 教程 网络编程 (TCP 服务器).
//! The guide's `listener.accept().await?` ends the whole server on the first failed accept (EMFILE
//! under load), and it spawns a task per connection with no limit, no timeout and no way to stop.
//!
//! ```text
//! cargo run -p examples-tokio --example tcp_echo_server -- 127.0.0.1:8080
//! ```
//!
//! and in another terminal:
//!
//! ```text
//! cargo run -p examples-tokio --example tcp_client -- 127.0.0.1:8080 "Hello, server!"
//! ```
//!
//! Flags (after the address): `--idle-timeout-ms N` disconnects a peer idle for N ms (default
//! 60000). Stdout: `listening on <addr>`, and `shutdown complete` after Ctrl+C; connections and
//! errors are logged to stderr.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["io-util", "macros", "net", "rt-multi-thread", "signal", "sync", "time"] }
//! tokio-util = { version = "0.7", features = ["rt"] }
//! anyhow = "1"
//! ```

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Semaphore;
use tokio::time::{sleep, timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

const DEFAULT_ADDR: &str = "127.0.0.1:8080";
const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Below the common soft limit of 1024 descriptors, so normally this cap bites before EMFILE does.
const MAX_CONNECTIONS: usize = 1000;
/// One buffer of this size per connection, reused for every read.
const BUFFER_SIZE: usize = 8 * 1024;
/// First and longest pause after a failed `accept`; the pause doubles between the two.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);
/// How long open connections may go on after a shutdown signal before they are closed.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

const USAGE: &str = "usage: tcp_echo_server [ADDR] [--idle-timeout-ms N]";

/// Accepts connections on `listener` and echoes each of them until `shutdown` completes, then
/// drains or closes the open connections and returns.
async fn serve(listener: TcpListener, idle_timeout: Duration, shutdown: impl Future<Output = ()>) {
    // Cancelled when the grace period is over: every connection task watches it.
    let close_connections = CancellationToken::new();
    // Knows which connection tasks are still running, so shutdown can wait for exactly those.
    let connections = TaskTracker::new();
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut backoff = ACCEPT_BACKOFF_MIN;
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        // Take a permit before accepting: at the cap, new peers wait in the kernel's backlog
        // instead of costing a task, a buffer and a descriptor each.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_closed) => break, // never closed here; nothing left to serve if it were
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    backoff = ACCEPT_BACKOFF_MIN;
                    accepted
                }
                Err(e) => {
                    // EMFILE/ENFILE clear only when connections close, ECONNABORTED at once;
                    // retrying at once would spin on the same error, giving up would end the
                    // service for everybody. So: log, wait, retry, and wait longer each time.
                    eprintln!("accept failed: {e}; retrying in {} ms", backoff.as_millis());
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                    continue;
                }
            },
        };

        let close = close_connections.clone();
        connections.spawn(async move {
            // Held until the connection ends, then the next peer may be accepted.
            let _permit = permit;
            eprintln!("{peer}: connected");
            match close.run_until_cancelled(echo(stream, idle_timeout)).await {
                Some(Ok(bytes)) => eprintln!("{peer}: closed after echoing {bytes} bytes"),
                Some(Err(e)) => eprintln!("{peer}: {e}"),
                None => eprintln!("{peer}: closed by server shutdown"),
            }
        });
    }

    // Stop accepting: new peers are refused from now on, not left waiting in the backlog.
    drop(listener);
    connections.close();
    if timeout(SHUTDOWN_GRACE, connections.wait()).await.is_err() {
        eprintln!(
            "{} connections still open after {} ms: closing them",
            connections.len(),
            SHUTDOWN_GRACE.as_millis()
        );
        close_connections.cancel();
        connections.wait().await;
    }
}

/// Sends back everything the peer sends until it closes its write side; returns the byte count.
/// Fails if the peer sends nothing and reads nothing for `idle_timeout`.
async fn echo(mut stream: TcpStream, idle_timeout: Duration) -> io::Result<u64> {
    let idle = || {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!("idle for {} ms, disconnected", idle_timeout.as_millis()),
        )
    };
    let mut buffer = vec![0u8; BUFFER_SIZE];
    let mut echoed = 0;
    loop {
        let n = timeout(idle_timeout, stream.read(&mut buffer))
            .await
            .map_err(|_| idle())??;
        if n == 0 {
            break;
        }
        // The write gets the same limit: a peer that sends but never reads would otherwise
        // hold this task (and its permit) forever once the socket buffers are full.
        timeout(idle_timeout, stream.write_all(&buffer[..n]))
            .await
            .map_err(|_| idle())??;
        echoed += n as u64;
    }
    // The peer half-closed; tell it we are done too, so its read-to-EOF ends.
    stream.shutdown().await?;
    Ok(echoed)
}

/// Completes on the first SIGINT (Ctrl+C) or SIGTERM. Installed before the server announces its
/// address, so a signal sent right after `listening on` is never lost.
fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => eprintln!("SIGINT received, shutting down"),
            _ = terminate.recv() => eprintln!("SIGTERM received, shutting down"),
        }
    })
}

struct Args {
    addr: String,
    idle_timeout: Duration,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut addr = None;
    let mut idle_timeout = DEFAULT_IDLE_TIMEOUT;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--idle-timeout-ms" {
            let value = args.next().context("--idle-timeout-ms needs a value")?;
            let ms: u64 = value.parse().ok().filter(|&ms| ms > 0).with_context(|| {
                format!("--idle-timeout-ms: `{value}` is not a positive number")
            })?;
            idle_timeout = Duration::from_millis(ms);
        } else if arg.starts_with("--") || addr.is_some() {
            bail!("unexpected argument `{arg}`\n{USAGE}");
        } else {
            addr = Some(arg);
        }
    }
    Ok(Args {
        addr: addr.unwrap_or_else(|| DEFAULT_ADDR.to_owned()),
        idle_timeout,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let listener = TcpListener::bind(args.addr.as_str())
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let shutdown = shutdown_signal()?;
    println!("listening on {}", listener.local_addr()?);

    serve(listener, args.idle_timeout, shutdown).await;
    println!("shutdown complete");
    Ok(())
}
