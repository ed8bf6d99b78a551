//! UDP echo server: every datagram goes back, whole, to the socket that sent it.
//!
//! UDP has no connections: one socket receives from everybody, and `recv_from` says who sent each
//! datagram; one longer than the buffer is silently cut, so the buffer holds the largest there is
//! (65,507 bytes of payload over IPv4). A failed send is logged, the others are still served, and
//! on SIGINT/SIGTERM the loop stops between datagrams (nothing to drain). Differences from tokio:
//! - no `select!`: the loop races the signal with `or`; no coop budget: it yields per datagram.
//!
//! Guide: 教程 网络编程 (UDP 套接字); what it gets wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example udp_echo -- 127.0.0.1:8080
//! echo hello | nc -u -w1 127.0.0.1 8080
//! ```
//!
//! Prints `listening on <addr>`, then `shutdown complete` after Ctrl+C. An echo server answers any
//! source address a datagram claims: keep it on loopback, or it reflects spoofed traffic at others.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! async-signal = "0.2"
//! clap = { version = "4", features = ["derive"] }
//! anyhow = "1"
//! ```

use std::io;
use std::time::Duration;

use anyhow::Context;
use async_signal::{Signal, Signals};
use clap::Parser;
use smol::net::UdpSocket;
use smol::prelude::*;
use smol::{Timer, future};

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
                    Timer::after(RECEIVE_ERROR_PAUSE).await;
                    continue;
                }
            };
            eprintln!("{peer}: {len} bytes");
            // Awaited here rather than spawned: a full send buffer then slows the receiving down,
            // instead of piling up tasks that each hold a copy of a datagram.
            if let Err(e) = socket.send_to(&buffer[..len], peer).await {
                eprintln!("{peer}: send of {len} bytes failed: {e}");
            }
            // Under a flood `recv_from` is always ready: without this, the loop would never
            // return `Pending`, and the `or` below would never look at the signal.
            future::yield_now().await;
        }
    };
    // Dropped in `recv_from`, the loop has taken nothing (a datagram leaves the socket only in
    // the poll that returns it); dropped in `send_to`, that one echo is not sent.
    shutdown.or(echo_loop).await;
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

/// UDP echo server.
#[derive(Parser)]
#[command(name = "udp_echo")]
struct Args {
    /// Address to listen on.
    #[arg(default_value = "127.0.0.1:8080")]
    addr: String,
}

// No runtime to start: one socket, nothing spawned, so `block_on` on this thread is all it takes.
fn main() -> anyhow::Result<()> {
    let addr = Args::parse().addr;
    smol::block_on(async {
        let socket = UdpSocket::bind(&addr).await;
        let socket = socket.with_context(|| format!("cannot bind {addr}"))?;
        let shutdown = shutdown_signal()?;
        println!("listening on {}", socket.local_addr()?);

        serve(socket, shutdown).await;
        println!("shutdown complete");
        Ok(())
    })
}
