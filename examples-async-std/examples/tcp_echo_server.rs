//! TCP echo server that survives what a real network does to it: failed accepts, idle peers,
//! floods, resets, and a Ctrl+C with connections open.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/tcp_echo_server.rs`.
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
//! Differences from tokio: there is no runtime to build and no `#[main]`: `task::block_on` drives
//! the accept loop on `main`'s thread, and `task::spawn` puts each connection on async-std's
//! global executor, whose threads (`ASYNC_STD_THREAD_COUNT`, default one per core) start on first
//! use, so connections are served in parallel as on tokio's multi-threaded runtime. There is no
//! `select!`: the whole accept loop is one future raced with the signal by `FutureExt::race`, and
//! dropped where it waits when the signal wins; and no cooperative budget, so the loop yields once
//! per connection, or a flood of ready accepts would keep `race` from ever seeing the signal. The
//! idle limit is `async_std::future::timeout` around each read and each write, as in tokio. No
//! `TaskTracker` or `CancellationToken`: the `JoinHandle`s are the tracker, and after the grace
//! period each one left is `cancel().await`ed. Dropping them would not do: unlike smol's `Task`,
//! a dropped `JoinHandle` detaches its task, which runs on. `cancel()` drops the task's future at
//! the `.await` it is parked on, so only destructors run (the socket closes, the permit returns, a
//! guard logs `closed by server shutdown`), and returns once that is done, so `shutdown complete`
//! comes after the last connection is closed. Awaiting a `JoinHandle` gives the task's output
//! itself (no `JoinError`), and resumes a panic of the task in the awaiter (async-std's executor
//! spawns with async-task's `propagate_panic`), which here would be the accept loop: so each
//! connection catches its own panic, and its handle yields a `thread::Result`.
//! `shutdown(Shutdown::Write)` is a plain call, not a future. async-std has no signal handling and
//! no semaphore: signals are one `async-signal` stream for SIGINT and SIGTERM, and the owned permit
//! comes from async-lock's `acquire_arc`, which cannot fail (this semaphore cannot be closed).
//!
//! ```text
//! cargo run -p examples-async-std --example tcp_echo_server -- 127.0.0.1:8080
//! ```
//!
//! and in another terminal:
//!
//! ```text
//! cargo run -p examples-async-std --example tcp_client -- 127.0.0.1:8080 "Hello, server!"
//! ```
//!
//! Flags (after the address): `--idle-timeout-ms N` disconnects a peer idle for N ms (default
//! 60000). Stdout: `listening on <addr>`, and `shutdown complete` after Ctrl+C; connections and
//! errors are logged to stderr.
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
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use async_lock::{Semaphore, SemaphoreGuardArc};
use async_signal::{Signal, Signals};
use async_std::future;
use async_std::net::{TcpListener, TcpStream};
use async_std::prelude::*;
use async_std::task::{self, JoinHandle};
use futures::FutureExt as _;
use futures::stream::FuturesUnordered;

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

/// A connection's task, as the server keeps it. Its output is the connection's own
/// `catch_unwind`: awaiting a `JoinHandle` resumes the task's panic in the awaiter, which here is
/// the accept loop, so the panic is stopped inside the task and one panicking connection cannot
/// end the server.
type Connection = JoinHandle<thread::Result<()>>;

/// Accepts connections on `listener` and echoes each of them, in tasks on the global executor,
/// until `shutdown` completes; then drains or cancels the open connections and returns.
async fn serve(listener: TcpListener, idle_timeout: Duration, shutdown: impl Future<Output = ()>) {
    // The open connections' task handles: kept, because they are how shutdown waits for exactly
    // these tasks, and how it ends them (`cancel().await`; dropping a handle would detach).
    let mut connections: FuturesUnordered<Connection> = FuturesUnordered::new();
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));

    let accept_loop = async {
        let mut backoff = ACCEPT_BACKOFF_MIN;
        loop {
            // `race` polls `reap` first, every time: finished tasks are removed even while new
            // peers are ready at once, so `connections` only holds open ones.
            let (permit, stream, peer) = reap(&mut connections)
                .race(next_connection(&listener, &permits, &mut backoff))
                .await;
            let connection = async move {
                // Held until the connection ends, then the next peer may be accepted.
                let _permit = permit;
                eprintln!("{peer}: connected");
                let notice = ShutdownNotice { peer: Some(peer) };
                let echoed = echo(stream, idle_timeout).await;
                notice.disarm();
                match echoed {
                    Ok(bytes) => eprintln!("{peer}: closed after echoing {bytes} bytes"),
                    Err(e) => eprintln!("{peer}: {e}"),
                }
            };
            connections.push(task::spawn(AssertUnwindSafe(connection).catch_unwind()));
            // async-std has no cooperative budget (tokio's `accept` makes the task yield after a
            // run of ready results): while peers keep arriving, this loop would not return
            // `Pending` by itself, and the `race` below would never get to look at the signal.
            task::yield_now().await;
        }
    };
    // No `select!` in async-std: the whole accept loop races the signal. When the signal wins,
    // the loop's future is dropped wherever it waits (for a permit, an accept or a backoff
    // timer), and none of those loses a connection by being dropped.
    accept_loop.race(shutdown).await;

    // Stop accepting: new peers are refused from now on, not left waiting in the backlog.
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
        // Dropping the handles would detach the tasks, not stop them. `cancel()` marks each task
        // cancelled; its executor thread drops the future instead of polling it again, so it
        // stops at the `.await` it was parked on and only destructors run (socket, permit,
        // `ShutdownNotice`). It returns once the future is gone, or gives the output of a task
        // that finished just before.
        for connection in connections {
            if let Some(finished) = connection.cancel().await {
                report_panic(finished);
            }
        }
    }
}

/// Waits for a connection permit, then accepts the next peer. A failed accept is logged and
/// retried after `backoff`, which doubles with every failure in a row.
async fn next_connection(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
    backoff: &mut Duration,
) -> (SemaphoreGuardArc, TcpStream, SocketAddr) {
    // Take a permit before accepting: at the cap, new peers wait in the kernel's backlog instead
    // of costing a task, a buffer and a descriptor each.
    let permit = permits.acquire_arc().await;
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                *backoff = ACCEPT_BACKOFF_MIN;
                return (permit, stream, peer);
            }
            Err(e) => {
                // EMFILE/ENFILE clear only when connections close, ECONNABORTED at once; retrying
                // at once would spin on the same error, giving up would end the service for
                // everybody. So: log, wait, retry, and wait longer each time.
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
/// stopped by `JoinHandle::cancel` runs none of its own code any more, only destructors like this
/// one.
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

/// Sends back everything the peer sends until it closes its write side; returns the byte count.
/// Fails if the peer sends nothing and reads nothing for `idle_timeout`.
async fn echo(mut stream: TcpStream, idle_timeout: Duration) -> io::Result<u64> {
    // `async_std::io::timeout` would fold the two layers of `Result` into one, but its error
    // says only "future timed out"; this one says which limit was hit.
    let idle = |_| {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!("idle for {} ms, disconnected", idle_timeout.as_millis()),
        )
    };
    let mut buffer = vec![0u8; BUFFER_SIZE];
    let mut echoed = 0;
    loop {
        // A new timer for every read: the limit is on silence, not on the connection's age.
        let n = future::timeout(idle_timeout, stream.read(&mut buffer))
            .await
            .map_err(idle)??;
        if n == 0 {
            break;
        }
        // The write gets the same limit: a peer that sends but never reads would otherwise
        // hold this task (and its permit) forever once the socket buffers are full.
        future::timeout(idle_timeout, stream.write_all(&buffer[..n]))
            .await
            .map_err(idle)??;
        echoed += n as u64;
    }
    // The peer half-closed; tell it we are done too, so its read-to-EOF ends. A plain call in
    // async-std: `shutdown(2)` on the socket, nothing to await.
    stream.shutdown(Shutdown::Write)?;
    Ok(echoed)
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

async fn run(args: Args) -> anyhow::Result<()> {
    let listener = TcpListener::bind(args.addr.as_str())
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let shutdown = shutdown_signal()?;
    println!("listening on {}", listener.local_addr()?);

    serve(listener, args.idle_timeout, shutdown).await;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    // `serve` returns only after every connection task has finished or been cancelled: nothing
    // is left running on the global executor when we say so.
    task::block_on(run(args))?;
    println!("shutdown complete");
    Ok(())
}
