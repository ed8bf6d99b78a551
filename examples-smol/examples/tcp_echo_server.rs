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
//! Differences from tokio: there is no runtime to build and no `#[main]`. The tasks run on an
//! `Executor` that `main` drives from one thread per core, its own included, so connections are
//! served in parallel as on tokio's multi-threaded runtime (`smol::spawn` would put them on smol's
//! global executor: one thread unless `SMOL_THREADS` says more). There is no `select!`: the whole
//! accept loop is one future raced with the signal by `or`, and dropped where it waits when the
//! signal wins; and no cooperative budget, so the loop yields once per connection, or a flood of
//! ready accepts would keep `or` from ever seeing the signal. No `timeout()`: a fresh `Timer`
//! raced with each read and each write is the idle limit. No `TaskTracker` or
//! `CancellationToken`: the `Task` handles are the tracker, and dropping them after the grace
//! period is the abort, because a dropped smol `Task` cancels its future, which then runs only
//! destructors (the socket closes, the permit returns, a guard logs `closed by server shutdown`).
//! Awaiting a `Task` resumes the task's panic in the awaiter, so the reaper catches it.
//! `shutdown(Shutdown::Write)` is a plain call, not a future. Signals are one `async-signal`
//! stream for SIGINT and SIGTERM, and the owned permit comes from `acquire_arc`, which cannot
//! fail (this semaphore cannot be closed).
//!
//! ```text
//! cargo run -p examples-smol --example tcp_echo_server -- 127.0.0.1:8080
//! ```
//!
//! and in another terminal:
//!
//! ```text
//! cargo run -p examples-smol --example tcp_client -- 127.0.0.1:8080 "Hello, server!"
//! ```
//!
//! Flags (after the address): `--idle-timeout-ms N` disconnects a peer idle for N ms (default
//! 60000). Stdout: `listening on <addr>`, and `shutdown complete` after Ctrl+C; connections and
//! errors are logged to stderr.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! async-signal = "0.2"
//! futures = "0.3"
//! anyhow = "1"
//! ```

use std::future::Future;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::num::NonZeroUsize;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use async_signal::{Signal, Signals};
use futures::stream::FuturesUnordered;
use smol::future::{self, CatchUnwind};
use smol::lock::{Semaphore, SemaphoreGuardArc};
use smol::net::{TcpListener, TcpStream};
use smol::prelude::*;
use smol::{Executor, Task, Timer};

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

/// A connection's task, as the server keeps it. Awaiting a smol `Task` resumes the task's panic in
/// the awaiter, which here is the accept loop: `catch_unwind` stops it there, so one panicking
/// connection cannot end the server.
type Connection = CatchUnwind<AssertUnwindSafe<Task<()>>>;

/// Accepts connections on `listener` and echoes each of them, in tasks on `ex`, until `shutdown`
/// completes; then drains or closes the open connections and returns.
async fn serve(
    ex: &Executor<'_>,
    listener: TcpListener,
    idle_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    // The open connections' task handles: kept, not detached, because they are how shutdown waits
    // for exactly these tasks, and how it ends them (dropping a `Task` cancels it).
    let mut connections: FuturesUnordered<Connection> = FuturesUnordered::new();
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));

    let accept_loop = async {
        let mut backoff = ACCEPT_BACKOFF_MIN;
        loop {
            // `or` polls `reap` first, every time: finished tasks are removed even while new
            // peers are ready at once, so `connections` only holds open ones.
            let (permit, stream, peer) = reap(&mut connections)
                .or(next_connection(&listener, &permits, &mut backoff))
                .await;
            let task = ex.spawn(async move {
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
            });
            connections.push(AssertUnwindSafe(task).catch_unwind());
            // smol has no cooperative budget (tokio's `accept` makes the task yield after a run
            // of ready results): while peers keep arriving, this loop would not return `Pending`
            // by itself, and the `or` below would never get to look at the signal.
            future::yield_now().await;
        }
    };
    // No `select!` in smol: the whole accept loop races the signal. When the signal wins, the
    // loop's future is dropped wherever it waits (for a permit, an accept or a backoff timer),
    // and none of those loses a connection by being dropped.
    accept_loop.or(shutdown).await;

    // Stop accepting: new peers are refused from now on, not left waiting in the backlog.
    drop(listener);
    let drained = async {
        while let Some(finished) = connections.next().await {
            report_panic(finished);
        }
        true
    };
    let grace_over = async {
        Timer::after(SHUTDOWN_GRACE).await;
        false
    };
    if !drained.or(grace_over).await {
        eprintln!(
            "{} connections still open after {} ms: closing them",
            connections.len(),
            SHUTDOWN_GRACE.as_millis()
        );
        // smol's abort is the drop: each dropped `Task` is marked cancelled, and its executor
        // drops the future instead of polling it again, so it stops at the `.await` it was
        // parked on; what runs is destructors only (socket, permit, `ShutdownNotice`). The drop
        // happens when an executor thread next picks the task up; `main` drops the executor
        // before it prints `shutdown complete`, which drops any that are left.
        drop(connections);
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
                Timer::after(*backoff).await;
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

fn report_panic(finished: std::thread::Result<()>) {
    if finished.is_err() {
        // The panic hook has printed the message already, on the executor thread.
        eprintln!("a connection task panicked; the server goes on");
    }
}

/// Logs `<peer>: closed by server shutdown` when dropped before [`ShutdownNotice::disarm`]: a task
/// cancelled by dropping its `Task` runs none of its own code any more, only destructors like
/// this one.
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
    let mut buffer = vec![0u8; BUFFER_SIZE];
    let mut echoed = 0;
    loop {
        // A new timer for every read: the limit is on silence, not on the connection's age.
        let n = stream.read(&mut buffer).or(idle(idle_timeout)).await?;
        if n == 0 {
            break;
        }
        // The write gets the same limit: a peer that sends but never reads would otherwise
        // hold this task (and its permit) forever once the socket buffers are full.
        stream
            .write_all(&buffer[..n])
            .or(idle(idle_timeout))
            .await?;
        echoed += n as u64;
    }
    // The peer half-closed; tell it we are done too, so its read-to-EOF ends. A plain call in
    // smol: `shutdown(2)` on the socket, nothing to await.
    stream.shutdown(Shutdown::Write)?;
    Ok(echoed)
}

/// Fails with `TimedOut` once `limit` has passed. Raced with `or` against an I/O future, it is
/// that future with a timeout: whichever finishes first wins, and the other is dropped.
async fn idle<T>(limit: Duration) -> io::Result<T> {
    Timer::after(limit).await;
    Err(io::Error::new(
        io::ErrorKind::TimedOut,
        format!("idle for {} ms, disconnected", limit.as_millis()),
    ))
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

async fn run(ex: &Executor<'_>, args: Args) -> anyhow::Result<()> {
    let listener = TcpListener::bind(args.addr.as_str())
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let shutdown = shutdown_signal()?;
    println!("listening on {}", listener.local_addr()?);

    serve(ex, listener, args.idle_timeout, shutdown).await;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    // An `Executor` is only a queue of tasks; the threads that call `run` on it do the work. One
    // per core, as tokio's multi-threaded runtime has, so connections are echoed in parallel: this
    // thread, which also drives the server, and the others, which run connection tasks until the
    // server is done. (A single thread would serve this load as well, with `LocalExecutor`, whose
    // tasks need not be `Send`.)
    let ex = Executor::new();
    let threads = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let (server_done, wait_for_server) = smol::channel::bounded::<()>(1);
    let served = thread::scope(|scope| {
        for _ in 1..threads {
            // `recv` fails once the sender is dropped; that ends this thread's `run`.
            scope.spawn(|| smol::block_on(ex.run(wait_for_server.recv())));
        }
        let served = smol::block_on(ex.run(run(&ex, args)));
        drop(server_done);
        served
    });
    // Dropping the executor drops every task still in it: the connections cancelled at the end
    // of the grace period are all gone, their sockets closed, before we say so.
    drop(ex);
    served?;
    println!("shutdown complete");
    Ok(())
}
