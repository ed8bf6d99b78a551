//! The skeleton every TCP server example of this crate runs on, written once so that each server
//! file is its protocol: the flags they share, the accept loop, SIGINT/SIGTERM, the grace period.
//!
//! A server calls [`run`] with a handler, `|stream, peer, shutdown| async { .. }`, that serves one
//! connection; `shutdown.recv()` completes (with `Err`) when the server starts to stop. [`run`]
//! keeps the contract of docs/design.md: `listening on <addr>` once the signals are caught, then,
//! after the signal, `shutdown complete`. `graceful_shutdown.rs` teaches the same step by step.
//!
//! Copy it beside the server, as `src/support/mod.rs`, with the server's own `[dependencies]`.

use std::io;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::Context;
use async_signal::{Signal, Signals};
use smol::channel::{self, Receiver};
use smol::lock::Semaphore;
use smol::net::{TcpListener, TcpStream};
use smol::prelude::*;
use smol::{Executor, Task, Timer, future};

/// The flags every server takes, after its own.
#[derive(clap::Args)]
pub struct ServerArgs {
    /// Connections served at once; more wait in the kernel's backlog.
    // Each holds at most two descriptors (the proxy's): 500 stay under the usual limit of 1024.
    #[arg(long, value_name = "N", default_value_t = 500,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
}

/// How long open connections may go on after the signal before they are closed.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// First and longest pause after a failed `accept`; the pause doubles in between.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);
/// The most clients taken from the backlog at shutdown, so that a flood cannot hold it off.
const BACKLOG: usize = 1024;

/// Parses a `--*-timeout-ms` value: 1 ms to one day. `Instant + Duration` panics on overflow, so
/// an absurd value is refused here rather than met at the first deadline.
pub fn millis(value: &str) -> Result<Duration, String> {
    const DAY_MS: u64 = 24 * 60 * 60 * 1000;
    match value.parse::<u64>() {
        Ok(ms @ 1..=DAY_MS) => Ok(Duration::from_millis(ms)),
        _ => Err(format!("expected milliseconds from 1 to {DAY_MS} (one day)")),
    }
}

/// `future`'s output, or `None` if `limit` passes first. smol has no `timeout`: a `Timer` raced
/// with `or` is the idiom, and the loser is dropped.
pub async fn timeout<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    let timed_out = async {
        Timer::after(limit).await;
        None
    };
    async { Some(future.await) }.or(timed_out).await
}

/// Listens on `addr` and hands every connection to `handler` until SIGINT or SIGTERM. A plain
/// `fn`: smol has no runtime to start, so this builds the executor the connections run on.
pub fn run<H, F>(addr: &str, args: &ServerArgs, handler: H) -> anyhow::Result<()>
where
    H: FnMut(TcpStream, SocketAddr, Receiver<()>) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    // An `Executor` is only a queue; one thread per core runs it, this one included, so that
    // connections are served in parallel (`smol::spawn` has one thread unless SMOL_THREADS).
    let ex = Executor::new();
    let threads = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let (server_done, wait_for_server) = channel::bounded::<()>(1);
    thread::scope(|scope| {
        for _ in 1..threads {
            // `recv` fails once `server_done` is dropped; that ends this thread's `run`.
            scope.spawn(|| smol::block_on(ex.run(wait_for_server.recv())));
        }
        let served = smol::block_on(ex.run(async {
            let listener = TcpListener::bind(addr).await;
            let listener = listener.with_context(|| format!("cannot listen on {addr}"))?;
            // Installed before the first line, so that a signal sent right after it is never lost.
            let signal = shutdown_signal()?;
            println!("listening on {}", listener.local_addr()?);
            serve(&ex, listener, args.max_connections as usize, signal, handler).await;
            anyhow::Ok(())
        }));
        drop(server_done);
        served
    })?;
    println!("shutdown complete");
    Ok(())
}

async fn serve<H, F>(
    ex: &Executor<'_>,
    listener: TcpListener,
    max_connections: usize,
    signal: impl Future<Output = ()>,
    mut handler: H,
) where
    H: FnMut(TcpStream, SocketAddr, Receiver<()>) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    // Dropped on the signal, which closes the channel: every `shutdown.recv()` then fails at once.
    let (begin_shutdown, shutdown) = channel::bounded::<()>(1);
    // The connection tasks, kept (not detached) so that shutdown waits for exactly those; a
    // dropped smol `Task` cancels its future.
    let mut connections: Vec<(SocketAddr, Task<()>)> = Vec::new();
    let mut spawn = |stream, peer, permit| {
        let connection = handler(stream, peer, shutdown.clone());
        let task = ex.spawn(async move {
            // Held until the connection ends; then the next client may be accepted.
            let _permit = permit;
            // Awaiting a `Task` resumes its panic in the awaiter (the shutdown below): caught
            // here, a panic ends only its own connection.
            if AssertUnwindSafe(connection).catch_unwind().await.is_err() {
                eprintln!("{peer}: connection task panicked");
            }
        });
        connections.retain(|(_, task)| !task.is_finished());
        connections.push((peer, task));
    };

    let permits = Arc::new(Semaphore::new(max_connections));
    let accept_loop = async {
        let mut backoff = ACCEPT_BACKOFF_MIN;
        loop {
            // A permit before `accept`: at the cap, new clients wait in the kernel's backlog
            // instead of costing a task and a descriptor each.
            let permit = permits.acquire_arc().await;
            match listener.accept().await {
                Ok((stream, peer)) => {
                    backoff = ACCEPT_BACKOFF_MIN;
                    spawn(stream, peer, Some(permit));
                }
                Err(e) => {
                    // EMFILE clears only when connections close, ECONNABORTED at once: retrying
                    // at once would spin, giving up would end the service for everybody.
                    eprintln!("accept failed: {e}; retrying in {} ms", backoff.as_millis());
                    Timer::after(backoff).await;
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                }
            }
            // No cooperative budget in smol: while clients keep arriving, `accept` is always
            // ready, and without this the `or` below would never look at the signal again.
            future::yield_now().await;
        }
    };
    // No `select!`: the whole loop races the signal, which `or` polls first, and is dropped
    // where it waits (for a permit, a client or a backoff); none of those loses a client.
    signal.or(accept_loop).await;

    drop(begin_shutdown);
    // Clients already waiting in the backlog are accepted and told, like the open connections,
    // instead of being reset when the listener closes. `poll_once`: nobody left waiting.
    for _ in 0..BACKLOG {
        match future::poll_once(listener.accept()).await {
            Some(Ok((stream, peer))) => spawn(stream, peer, None),
            _ => break,
        }
    }
    drop(listener);
    let all_done = async {
        while let Some((_, task)) = connections.last_mut() {
            task.await;
            connections.pop();
        }
    };
    if timeout(SHUTDOWN_GRACE, all_done).await.is_none() {
        for (peer, task) in connections {
            // `cancel` drops the future, which runs only destructors (the socket closes, the
            // permit returns), and waits for that; `None`: it had not finished.
            if task.cancel().await.is_none() {
                eprintln!("{peer}: closed by server shutdown");
            }
        }
    }
}

/// Completes on the first SIGINT (Ctrl+C) or SIGTERM.
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
