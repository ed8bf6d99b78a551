//! The skeleton every TCP server example of this crate runs on, written once so that each server
//! file is its protocol: the flags they share, the accept loop, SIGINT/SIGTERM, the grace period.
//!
//! A server calls [`run`] with a handler, `|stream, peer, shutdown| async { .. }`, that serves one
//! connection; `shutdown` is cancelled when the server starts to stop. [`run`] keeps the contract
//! of docs/design.md: `listening on <addr>` once the signals are caught, then, after the signal,
//! `shutdown complete`. `graceful_shutdown.rs` teaches the same shutdown step by step.
//!
//! Copy it beside the server, as `src/support/mod.rs`, with the server's own `[dependencies]`.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Semaphore;
use tokio::task::coop::unconstrained;
use tokio::time::{sleep, timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

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
/// The most clients taken from the backlog at shutdown (tokio listens with a backlog of 1024).
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

/// Listens on `addr` and hands every connection to `handler` until SIGINT or SIGTERM.
pub async fn run<H, F>(addr: &str, args: &ServerArgs, handler: H) -> anyhow::Result<()>
where
    H: FnMut(TcpStream, SocketAddr, CancellationToken) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    let listener =
        TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    // Installed before the first line, so that a signal sent right after it is never lost.
    let signal = shutdown_signal()?;
    println!("listening on {}", listener.local_addr()?);
    serve(listener, args.max_connections as usize, signal, handler).await;
    println!("shutdown complete");
    Ok(())
}

async fn serve<H, F>(
    listener: TcpListener,
    max_connections: usize,
    signal: impl Future<Output = ()>,
    mut handler: H,
) where
    H: FnMut(TcpStream, SocketAddr, CancellationToken) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    // Cancelled on the signal: handlers watch it to say goodbye.
    let shutdown = CancellationToken::new();
    // Cancelled when the grace period is over: whatever still runs is dropped.
    let grace_over = CancellationToken::new();
    // Knows which connection tasks still run, so that shutdown waits for exactly those.
    let connections = TaskTracker::new();
    let mut spawn = |stream, peer, permit| {
        let connection = handler(stream, peer, shutdown.clone());
        let grace_over = grace_over.clone();
        connections.spawn(async move {
            // Held until the connection ends; then the next client may be accepted.
            let _permit = permit;
            if grace_over.run_until_cancelled(connection).await.is_none() {
                eprintln!("{peer}: closed by server shutdown");
            }
        });
    };

    let permits = Arc::new(Semaphore::new(max_connections));
    let mut backoff = ACCEPT_BACKOFF_MIN;
    let mut signal = std::pin::pin!(signal);
    loop {
        // A permit before `accept`: at the cap, new clients wait in the kernel's backlog instead
        // of costing a task and a descriptor each. `biased`: the signal first, so that a flood
        // of clients cannot hold off the shutdown.
        let permit = tokio::select! {
            biased;
            () = &mut signal => break,
            permit = Arc::clone(&permits).acquire_owned() => permit.expect("never closed"),
        };
        let accepted = tokio::select! {
            biased;
            () = &mut signal => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                backoff = ACCEPT_BACKOFF_MIN;
                spawn(stream, peer, Some(permit));
            }
            Err(e) => {
                // EMFILE clears only when connections close, ECONNABORTED at once: retrying at
                // once would spin, giving up would end the service for everybody.
                eprintln!("accept failed: {e}; retrying in {} ms", backoff.as_millis());
                tokio::select! {
                    () = &mut signal => break,
                    () = sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
            }
        }
    }

    shutdown.cancel();
    // Clients already waiting in the backlog are accepted and told, like the open connections,
    // instead of being reset when the listener closes. `unconstrained`: tokio's budget could
    // otherwise make a ready `accept` look pending.
    for _ in 0..BACKLOG {
        tokio::select! {
            biased;
            Ok((stream, peer)) = unconstrained(listener.accept()) => spawn(stream, peer, None),
            () = std::future::ready(()) => break, // nobody left waiting
        }
    }
    drop(listener);
    connections.close();
    if timeout(SHUTDOWN_GRACE, connections.wait()).await.is_err() {
        grace_over.cancel();
        connections.wait().await;
    }
}

/// Completes on the first SIGINT (Ctrl+C) or SIGTERM.
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
