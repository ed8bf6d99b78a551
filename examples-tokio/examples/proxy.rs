//! TCP proxy: forward every connection to one upstream, both ways, half-close included.
//!
//! `tokio::io::copy_bidirectional` pumps bytes in both directions at once, and when one side
//! finishes sending (EOF) it shuts down the write side of the other and keeps the opposite
//! direction flowing: a client that sends a request and half-closes still gets the whole reply.
//! Around it the server keeps the contract of the other servers here: an upstream that refuses or
//! does not answer within the connect timeout closes the client at once (and is logged); a
//! `Semaphore` caps connections; a failed accept backs off instead of ending the server; a
//! connection on which nothing moves, either way, for the idle timeout is closed; SIGINT/SIGTERM
//! drain connections for a bounded grace period.
//!
//! Guide: 教程 实战案例 (代理服务器).
//! The guide dials an internet host (httpbin.org), and its two hand-written copy loops never shut
//! down the other side's write half on EOF, so a client that half-closes waits forever.
//!
//! Start an upstream (here the echo server) and the proxy in front of it:
//!
//! ```text
//! cargo run -p examples-tokio --example tcp_echo_server -- 127.0.0.1:9000
//! cargo run -p examples-tokio --example proxy -- 127.0.0.1:8080 127.0.0.1:9000
//! ```
//!
//! and in another terminal talk to the upstream through the proxy:
//!
//! ```text
//! cargo run -p examples-tokio --example tcp_client -- 127.0.0.1:8080 "Hello through the proxy"
//! ```
//!
//! Flags (after the two addresses): `--connect-timeout-ms N` for the upstream connect (default
//! 5000), `--idle-timeout-ms N` (default 300000). Stdout: `listening on <addr>`, and
//! `shutdown complete` after Ctrl+C; connections, byte counts and errors go to stderr.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["io-util", "macros", "net", "rt-multi-thread", "signal", "sync", "time"] }
//! tokio-util = { version = "0.7", features = ["rt"] }
//! anyhow = "1"
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf, copy_bidirectional_with_sizes};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Semaphore;
use tokio::time::{Instant, sleep, sleep_until, timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Long: proxied protocols (databases, SSH) may sit quiet for minutes and still be healthy.
const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// Each proxied connection holds two descriptors: 500 of them stay under the common soft limit
/// of 1024, so the cap bites before EMFILE does.
const MAX_CONNECTIONS: usize = 500;
/// Bytes each direction moves per read/write. `copy_bidirectional`'s default is 8 KiB; 64 KiB
/// takes an eighth of the system calls for bulk transfers, which on loopback is most of the cost
/// (measured in the README's server notes), for 128 KiB per connection at most.
const BUFFER: usize = 64 * 1024;
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

const USAGE: &str = "usage: proxy LISTEN UPSTREAM [--connect-timeout-ms N] [--idle-timeout-ms N]";

struct Config {
    /// Resolved again for every connection, so a DNS name may move.
    upstream: String,
    connect_timeout: Duration,
    idle_timeout: Duration,
}

/// Accepts clients on `listener` and proxies each to the upstream until `shutdown` completes,
/// then drains or closes the open connections and returns.
async fn serve(listener: TcpListener, config: Config, shutdown: impl Future<Output = ()>) {
    let config = Arc::new(config);
    let close_connections = CancellationToken::new();
    let connections = TaskTracker::new();
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut backoff = ACCEPT_BACKOFF_MIN;
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        // At the cap, new clients wait in the kernel's backlog until a connection ends.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_closed) => break,
            },
        };
        let (client, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    backoff = ACCEPT_BACKOFF_MIN;
                    accepted
                }
                Err(e) => {
                    // Out of descriptors or an aborted handshake: wait and retry, never give up.
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

        let config = Arc::clone(&config);
        let close = close_connections.clone();
        connections.spawn(async move {
            let _permit = permit;
            eprintln!("{peer}: connected");
            match close.run_until_cancelled(proxy(client, &config)).await {
                Some(Ok((sent, received))) => {
                    eprintln!("{peer}: done, {sent} bytes to upstream, {received} bytes back")
                }
                // Returning drops the client socket: an unreachable upstream closes it at once.
                Some(Err(e)) => eprintln!("{peer}: {e:#}"),
                None => eprintln!("{peer}: closed by server shutdown"),
            }
        });
    }

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

/// Connects to the upstream and forwards both ways until both directions are finished; returns
/// the bytes sent each way.
async fn proxy(client: TcpStream, config: &Config) -> anyhow::Result<(u64, u64)> {
    let upstream = timeout(
        config.connect_timeout,
        TcpStream::connect(&*config.upstream),
    )
    .await
    .map_err(|_| {
        anyhow::anyhow!(
            "upstream {} did not answer within {} ms",
            config.upstream,
            config.connect_timeout.as_millis()
        )
    })?
    .with_context(|| format!("cannot connect to upstream {}", config.upstream))?;

    let activity = Activity::new();
    let mut client = Tracked::new(client, &activity);
    let mut upstream = Tracked::new(upstream, &activity);
    tokio::select! {
        // On EOF from one side this shuts down the other's write half and keeps the opposite
        // direction going: half-close passes through, where two plain copy loops would hang.
        copied = copy_bidirectional_with_sizes(&mut client, &mut upstream, BUFFER, BUFFER) => Ok(copied?),
        () = activity.idle_for(config.idle_timeout) => {
            bail!("nothing moved either way for {} ms, closed", config.idle_timeout.as_millis())
        }
    }
}

/// When bytes last moved on a connection, in either direction.
struct Activity {
    start: Instant,
    /// Milliseconds after `start`; atomic because the streams record it from inside `poll_*`.
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// Completes once nothing has moved for `idle`.
    async fn idle_for(&self, idle: Duration) {
        loop {
            let last = self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let deadline = last + idle;
            if Instant::now() >= deadline {
                return;
            }
            sleep_until(deadline).await;
        }
    }
}

/// A stream that records every successful read or write in a shared [`Activity`]: a quiet
/// connection is one where neither direction moves, not one where a single direction is idle
/// (a download sends nothing upstream for as long as it lasts).
struct Tracked<'a, S> {
    inner: S,
    activity: &'a Activity,
}

impl<'a, S> Tracked<'a, S> {
    fn new(inner: S, activity: &'a Activity) -> Self {
        Tracked { inner, activity }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<'_, S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<'_, S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
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

/// At most a day: `Instant + Duration` panics on overflow, so an absurd value is refused here.
fn parse_millis(flag: &str, value: Option<String>) -> anyhow::Result<Duration> {
    const MAX_MS: u64 = 24 * 60 * 60 * 1000;
    let value = value.with_context(|| format!("{flag} needs a value"))?;
    let ms: u64 = value
        .parse()
        .ok()
        .filter(|&ms| ms > 0)
        .with_context(|| format!("{flag}: `{value}` is not a positive number"))?;
    anyhow::ensure!(ms <= MAX_MS, "{flag}: at most {MAX_MS} ms (one day)");
    Ok(Duration::from_millis(ms))
}

fn parse_args() -> anyhow::Result<(String, Config)> {
    let mut positional = Vec::new();
    let mut connect_timeout = DEFAULT_CONNECT_TIMEOUT;
    let mut idle_timeout = DEFAULT_IDLE_TIMEOUT;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--connect-timeout-ms" => connect_timeout = parse_millis(&arg, args.next())?,
            "--idle-timeout-ms" => idle_timeout = parse_millis(&arg, args.next())?,
            _ if arg.starts_with("--") || positional.len() == 2 => {
                bail!("unexpected argument `{arg}`\n{USAGE}")
            }
            _ => positional.push(arg),
        }
    }
    let mut positional = positional.into_iter();
    let listen = positional
        .next()
        .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let upstream = positional
        .next()
        .with_context(|| format!("no upstream address given\n{USAGE}"))?;
    let config = Config {
        upstream,
        connect_timeout,
        idle_timeout,
    };
    Ok((listen, config))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (listen, config) = parse_args()?;
    let listener = TcpListener::bind(listen.as_str())
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let shutdown = shutdown_signal()?;
    println!("listening on {}", listener.local_addr()?);
    eprintln!("forwarding to {}", config.upstream);

    serve(listener, config, shutdown).await;
    println!("shutdown complete");
    Ok(())
}
