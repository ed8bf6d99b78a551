//! UDP echo server: every datagram goes back, whole, to the socket that sent it.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/udp_echo.rs`.
//!
//! UDP has no connections: one socket receives from everybody, and `recv_from` says who sent each
//! datagram. A datagram longer than the receive buffer is silently cut to the buffer's size, so the
//! buffer must hold the largest datagram there is: 65,507 bytes of payload over IPv4 (65,527 over
//! IPv6), hence one 65,535-byte buffer, allocated once and reused. A failed send to one peer is
//! logged and the server goes on serving the others. With no connections there are no tasks to
//! drain at shutdown: on SIGINT/SIGTERM the loop stops between datagrams.
//!
//! Guide: 教程 网络编程 (UDP 套接字).
//! The guide receives into `[0; 1024]`, so a longer datagram comes back cut to 1 KiB without any
//! error, and its `send_to(..).await?` ends the server on the first failed send.
//!
//! Differences from tokio: no `select!`: the whole echo loop is one future raced with the signal
//! by `FutureExt::race`, and dropped where it waits when the signal wins; `recv_from` takes a
//! datagram only in the poll that returns it, so dropping it loses nothing. async-std has no
//! cooperative budget, so the loop yields once per datagram, or a flood would keep `race` from
//! ever seeing the signal. The pause after an error is `task::sleep`. async-std has no signal
//! handling: signals are one `async-signal` stream for SIGINT and SIGTERM. With one socket and
//! nothing spawned there is nothing to run in parallel: `task::block_on` runs the loop on `main`'s
//! thread. It also starts async-std's global thread pool, as every first `block_on` or `spawn`
//! does, which then has nothing to run (tokio's twin builds a multi-threaded runtime likewise).
//!
//! ```text
//! cargo run -p examples-async-std --example udp_echo -- 127.0.0.1:8080
//! ```
//!
//! and in another terminal, any UDP client, e.g.:
//!
//! ```text
//! echo hello | nc -u -w1 127.0.0.1 8080
//! ```
//!
//! Stdout: `listening on <addr>`, and `shutdown complete` after Ctrl+C; each datagram and any
//! error is logged to stderr. An echo server answers whoever the source address claims to be, so
//! keep it on loopback: on a public address it reflects spoofed traffic at third parties.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `FutureExt::race`
//! async-signal = "0.2"
//! anyhow = "1"
//! ```

use std::future::Future;
use std::io;
use std::time::Duration;

use anyhow::{Context, bail};
use async_signal::{Signal, Signals};
use async_std::net::UdpSocket;
use async_std::prelude::*;
use async_std::task;

const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// The largest UDP payload that fits in an IP packet (65,535 minus the IPv4 and UDP headers is
/// 65,507; IPv6 allows 65,527), rounded up to the IP maximum: nothing that arrives is cut.
const MAX_DATAGRAM: usize = 65_535;
/// Pause after a failed receive, so an error that repeats does not turn into a busy loop.
const RECEIVE_ERROR_PAUSE: Duration = Duration::from_millis(10);

/// Echoes datagrams on `socket` until `shutdown` completes.
async fn serve(socket: UdpSocket, shutdown: impl Future<Output = ()>) {
    let mut buffer = vec![0u8; MAX_DATAGRAM];
    let echo_loop = async {
        loop {
            let (len, peer) = match socket.recv_from(&mut buffer).await {
                Ok(received) => received,
                Err(e) => {
                    eprintln!("receive failed: {e}");
                    task::sleep(RECEIVE_ERROR_PAUSE).await;
                    continue;
                }
            };
            eprintln!("{peer}: {len} bytes");
            // Awaited here rather than spawned: a full send buffer then slows the receiving down,
            // instead of piling up tasks that each hold a copy of a datagram.
            if let Err(e) = socket.send_to(&buffer[..len], peer).await {
                eprintln!("{peer}: send of {len} bytes failed: {e}");
            }
            // async-std has no cooperative budget (tokio's `recv_from` makes the task yield after
            // a run of ready results): under a flood `recv_from` is always ready, this loop would
            // never return `Pending` by itself, and `race` below would never look at the signal.
            task::yield_now().await;
        }
    };
    // The loop races the signal. Dropped in `recv_from`, it has taken nothing (a datagram leaves
    // the socket only in the poll that returns it); dropped in `send_to`, which waits only while
    // the send buffer is full, that one echo is not sent, as with any shutdown mid-traffic.
    echo_loop.race(shutdown).await;
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

async fn run() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| DEFAULT_ADDR.to_owned());
    if let Some(extra) = args.next() {
        bail!("unexpected argument `{extra}`\nusage: udp_echo [ADDR]");
    }
    let socket = UdpSocket::bind(addr.as_str())
        .await
        .with_context(|| format!("cannot bind {addr}"))?;
    let shutdown = shutdown_signal()?;
    println!("listening on {}", socket.local_addr()?);

    serve(socket, shutdown).await;
    println!("shutdown complete");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
