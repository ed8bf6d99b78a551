//! TCP proxy: forward every connection to one upstream, both ways, half-close included.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/proxy.rs`.
//!
//! Two copies run at once, client to upstream and upstream to client, and when one of them reads
//! EOF it shuts down the write side of its destination and ends, while the opposite direction
//! keeps flowing: a client that sends a request and half-closes still gets the whole reply. Around
//! it the server keeps the contract of the other servers here: an upstream that refuses or does
//! not answer within the connect timeout closes the client at once (and is logged); a `Semaphore`
//! caps connections; a failed accept backs off instead of ending the server; a connection on which
//! nothing moves, either way, for the idle timeout is closed; SIGINT/SIGTERM drain connections for
//! a bounded grace period.
//!
//! Guide: 教程 实战案例 (代理服务器).
//! The guide dials an internet host (httpbin.org), and its two hand-written copy loops never shut
//! down the other side's write half on EOF, so a client that half-closes waits forever.
//!
//! Differences from tokio: async-std has no `copy_bidirectional`. Its parts are written out: one
//! copy per direction, joined with `futures::future::try_join`, each followed by
//! `shutdown(Shutdown::Write)` on its destination; that shutdown is the half-close passing
//! through. An async-std `TcpStream` is a shared handle, and `&TcpStream` reads and writes, so
//! each direction borrows both sockets (tokio: `split()`). `async_std::io::copy` puts its own
//! 8 KiB `BufReader` in front of any reader (and the `unstable` feature changes its signature,
//! from `&mut` arguments to owned ones), so the 64 KiB buffers go through `futures::io::copy_buf`,
//! which writes straight out of async-std's `BufReader::with_capacity(64 KiB)`. The I/O traits are
//! futures-io's: `poll_read` fills a `&mut [u8]`, and the last write method is `poll_close` (a
//! half-close on an async-std `TcpStream`, though async-std's `WriteExt` offers no `close()` to
//! call it; `shutdown` is the call). The rest is as in `tcp_echo_server`: connections on
//! async-std's global executor (`ASYNC_STD_THREAD_COUNT` threads, default one per core),
//! `async_std::future::timeout` for the upstream connect, a `task::sleep` raced with the copies by
//! `FutureExt::race` for the idle limit, the accept loop raced with the signal and yielding once
//! per connection (no cooperative budget), connections that catch their own panics (awaiting a
//! `JoinHandle` would resume them in the accept loop), and `JoinHandle`s that are
//! `cancel().await`ed after the grace period, because dropping one would detach its task (a
//! dropped smol `Task` cancels).
//!
//! Start an upstream (here the echo server) and the proxy in front of it:
//!
//! ```text
//! cargo run -p examples-async-std --example tcp_echo_server -- 127.0.0.1:9000
//! cargo run -p examples-async-std --example proxy -- 127.0.0.1:8080 127.0.0.1:9000
//! ```
//!
//! and in another terminal talk to the upstream through the proxy:
//!
//! ```text
//! cargo run -p examples-async-std --example tcp_client -- 127.0.0.1:8080 "Hello through the proxy"
//! ```
//!
//! Flags (after the two addresses): `--connect-timeout-ms N` for the upstream connect (default
//! 5000), `--idle-timeout-ms N` (default 300000). Stdout: `listening on <addr>`, and
//! `shutdown complete` after Ctrl+C; connections, byte counts and errors go to stderr.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `FutureExt::race`
//! async-lock = "3"
//! async-signal = "0.2"
//! futures = "0.3"
//! anyhow = "1"
//! ```

use std::future::Future;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context as TaskContext, Poll};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use async_lock::{Semaphore, SemaphoreGuardArc};
use async_signal::{Signal, Signals};
use async_std::future;
use async_std::io::{BufReader, Read, Write};
use async_std::net::{TcpListener, TcpStream};
use async_std::prelude::*;
use async_std::task::{self, JoinHandle};
use futures::FutureExt as _;
use futures::future::try_join;
use futures::stream::FuturesUnordered;

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Long: proxied protocols (databases, SSH) may sit quiet for minutes and still be healthy.
const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// Each proxied connection holds two descriptors: 500 of them stay under the common soft limit
/// of 1024, so the cap bites before EMFILE does.
const MAX_CONNECTIONS: usize = 500;
/// Bytes each direction moves per read/write. Copying in 8 KiB pieces (async-std's `copy`,
/// tokio's `copy_bidirectional` default) takes eight times the system calls of 64 KiB pieces for
/// bulk transfers, which on loopback is most of the cost (measured in the README's server notes),
/// for 128 KiB per connection at most.
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

/// A connection's task, as the server keeps it. Awaiting a `JoinHandle` resumes the task's panic
/// in the awaiter, which here is the accept loop: so the task catches its own panic, and its
/// output is the `catch_unwind` result.
type Connection = JoinHandle<thread::Result<()>>;

/// Accepts clients on `listener` and proxies each to the upstream, in tasks on the global
/// executor, until `shutdown` completes; then drains or cancels the open connections and returns.
async fn serve(listener: TcpListener, config: Config, shutdown: impl Future<Output = ()>) {
    let config = Arc::new(config);
    // Kept: shutdown waits for exactly these tasks, and ends them with `cancel().await` (dropping
    // a handle would detach its task).
    let mut connections: FuturesUnordered<Connection> = FuturesUnordered::new();
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));

    let accept_loop = async {
        let mut backoff = ACCEPT_BACKOFF_MIN;
        loop {
            let (permit, client, peer) = reap(&mut connections)
                .race(next_connection(&listener, &permits, &mut backoff))
                .await;
            let config = Arc::clone(&config);
            let connection = async move {
                let _permit = permit;
                eprintln!("{peer}: connected");
                let notice = ShutdownNotice { peer: Some(peer) };
                let proxied = proxy(client, &config).await;
                notice.disarm();
                match proxied {
                    Ok((sent, received)) => {
                        eprintln!("{peer}: done, {sent} bytes to upstream, {received} bytes back")
                    }
                    // Returning drops the client socket: an unreachable upstream closes it at once.
                    Err(e) => eprintln!("{peer}: {e:#}"),
                }
            };
            connections.push(task::spawn(AssertUnwindSafe(connection).catch_unwind()));
            // No cooperative budget in async-std: without this, a stream of ready accepts would
            // keep the `race` below from ever looking at the signal.
            task::yield_now().await;
        }
    };
    // The whole accept loop races the signal, and is dropped where it waits when the signal wins.
    accept_loop.race(shutdown).await;

    drop(listener);
    let drained = async {
        while let Some(finished) = connections.next().await {
            report_panic(finished);
        }
    };
    if future::timeout(SHUTDOWN_GRACE, drained).await.is_err() {
        eprintln!(
            "{} connections still open after {} ms: closing them",
            connections.len(),
            SHUTDOWN_GRACE.as_millis()
        );
        // `cancel()` drops each task's future at the `.await` it is parked on, so only
        // destructors run (both sockets close), and returns once that is done; a dropped handle
        // would leave its task running.
        for connection in connections {
            if let Some(finished) = connection.cancel().await {
                report_panic(finished);
            }
        }
    }
}

/// Waits for a connection permit, then accepts the next client. A failed accept is logged and
/// retried after `backoff`, which doubles with every failure in a row.
async fn next_connection(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
    backoff: &mut Duration,
) -> (SemaphoreGuardArc, TcpStream, SocketAddr) {
    // At the cap, new clients wait in the kernel's backlog until a connection ends.
    let permit = permits.acquire_arc().await;
    loop {
        match listener.accept().await {
            Ok((client, peer)) => {
                *backoff = ACCEPT_BACKOFF_MIN;
                return (permit, client, peer);
            }
            Err(e) => {
                // Out of descriptors or an aborted handshake: wait and retry, never give up.
                eprintln!("accept failed: {e}; retrying in {} ms", backoff.as_millis());
                task::sleep(*backoff).await;
                *backoff = (*backoff * 2).min(ACCEPT_BACKOFF_MAX);
            }
        }
    }
}

/// Removes tasks from `connections` as they finish. It never completes: it runs raced against the
/// accept loop's waits, and the new task is pushed after each race.
async fn reap<T>(connections: &mut FuturesUnordered<Connection>) -> T {
    loop {
        match connections.next().await {
            Some(finished) => report_panic(finished),
            // Empty: nothing can finish before the next connection is pushed.
            None => future::pending::<()>().await,
        }
    }
}

fn report_panic(finished: thread::Result<()>) {
    if finished.is_err() {
        // The panic hook has printed the message already, on the executor thread.
        eprintln!("a connection task panicked; the server goes on");
    }
}

/// Logs `<peer>: closed by server shutdown` when dropped before [`ShutdownNotice::disarm`]: a task
/// stopped by `JoinHandle::cancel` runs none of its own code any more, only destructors.
struct ShutdownNotice {
    peer: Option<SocketAddr>,
}

impl ShutdownNotice {
    fn disarm(mut self) {
        self.peer = None;
    }
}

impl Drop for ShutdownNotice {
    fn drop(&mut self) {
        // While unwinding from a panic, the connection was not closed by shutdown.
        if let Some(peer) = self.peer.filter(|_| !thread::panicking()) {
            eprintln!("{peer}: closed by server shutdown");
        }
    }
}

/// Connects to the upstream and forwards both ways until both directions are finished; returns
/// the bytes sent each way.
async fn proxy(client: TcpStream, config: &Config) -> anyhow::Result<(u64, u64)> {
    let upstream = future::timeout(
        config.connect_timeout,
        TcpStream::connect(config.upstream.as_str()),
    )
    .await
    .map_err(|_| {
        anyhow!(
            "upstream {} did not answer within {} ms",
            config.upstream,
            config.connect_timeout.as_millis()
        )
    })?
    .with_context(|| format!("cannot connect to upstream {}", config.upstream))?;

    let activity = Activity::new();
    // Each direction ends by shutting down its destination's write side, and `try_join` waits
    // for both: EOF from one side passes through while the other direction goes on. (Two copies
    // that stopped at EOF without the shutdown would leave the other side waiting forever.) An
    // error either way ends both, and returning closes both sockets.
    let both_ways = async {
        let copied = try_join(
            forward(&client, &upstream, &activity),
            forward(&upstream, &client, &activity),
        )
        .await?;
        anyhow::Ok(copied)
    };
    let idle = async {
        activity.idle_for(config.idle_timeout).await;
        bail!(
            "nothing moved either way for {} ms, closed",
            config.idle_timeout.as_millis()
        )
    };
    both_ways.race(idle).await
}

/// Copies everything `from` sends to `to`, then shuts down `to`'s write side so that its peer
/// reads EOF too; returns the byte count.
async fn forward(from: &TcpStream, to: &TcpStream, activity: &Activity) -> io::Result<u64> {
    // Reads of up to 64 KiB into the `BufReader`, and `copy_buf` writes straight out of its
    // buffer. (`async_std::io::copy` would put its own 8 KiB `BufReader` in front of this one,
    // and write 8 KiB at a time.) `&TcpStream` is a reader and a writer: both directions borrow
    // both sockets.
    let reader = BufReader::with_capacity(BUFFER, Tracked::new(from, activity));
    let mut writer = Tracked::new(to, activity);
    let copied = futures::io::copy_buf(reader, &mut writer).await?;
    to.shutdown(Shutdown::Write)?;
    Ok(copied)
}

/// When bytes last moved on a connection, in either direction.
struct Activity {
    start: Instant,
    /// Milliseconds after `start`; atomic because the streams record it from inside `poll_*`,
    /// and the task that holds them must be `Send`.
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
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            task::sleep(deadline - now).await;
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

impl<S: Read + Unpin> Read for Tracked<'_, S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }
}

impl<S: Write + Unpin> Write for Tracked<'_, S> {
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

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

/// Completes on the first SIGINT (Ctrl+C) or SIGTERM. Installed before the server announces its
/// address, so a signal sent right after `listening on` is never lost.
fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    let mut signals = Signals::new([Signal::Int, Signal::Term])?;
    Ok(async move {
        match signals.next().await {
            Some(Ok(Signal::Int)) => eprintln!("SIGINT received, shutting down"),
            Some(Ok(_)) => eprintln!("SIGTERM received, shutting down"),
            // Only reading the signal pipe can fail; without it no signal could stop us later.
            Some(Err(e)) => eprintln!("cannot wait for signals ({e}), shutting down"),
            None => eprintln!("the signal stream ended, shutting down"),
        }
    })
}

fn parse_millis(flag: &str, value: Option<String>) -> anyhow::Result<Duration> {
    let value = value.with_context(|| format!("{flag} needs a value"))?;
    let ms: u64 = value
        .parse()
        .ok()
        .filter(|&ms| ms > 0)
        .with_context(|| format!("{flag}: `{value}` is not a positive number"))?;
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

async fn run(listen: String, config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(listen.as_str())
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let shutdown = shutdown_signal()?;
    println!("listening on {}", listener.local_addr()?);
    eprintln!("forwarding to {}", config.upstream);

    serve(listener, config, shutdown).await;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let (listen, config) = parse_args()?;
    // `serve` returns only after every connection task has finished or been cancelled, so no
    // connection outlives this line.
    task::block_on(run(listen, config))?;
    println!("shutdown complete");
    Ok(())
}
