//! UDP echo server: every datagram goes back, whole, to the socket that sent it.
//!
//! UDP has no connections: one socket receives from everybody, and `recv_from` says who sent each
//! datagram. A datagram longer than the receive buffer is silently cut to its size, so the buffer
//! holds the largest there is (65,507 bytes of payload over IPv4), allocated once. A failed send
//! is logged and the others are still served. With no connections there is nothing to drain at
//! shutdown: on SIGINT/SIGTERM the loop stops between datagrams.
//!
//! Guide: 教程 网络编程 (UDP 套接字); what it gets wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example udp_echo -- 127.0.0.1:8080
//! echo hello | nc -u -w1 127.0.0.1 8080
//! ```
//!
//! Prints `listening on <addr>`, then `shutdown complete` after Ctrl+C. An echo server answers
//! whatever source address a datagram claims, so keep it on loopback: in public it reflects
//! spoofed traffic at third parties.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "net", "rt-multi-thread", "signal", "time"] }
//! clap = { version = "4", features = ["derive"] }
//! anyhow = "1"
//! ```

use std::future::Future;
use std::io;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::net::UdpSocket;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::sleep;

/// The largest UDP payload that fits in an IP packet (65,535 minus the IPv4 and UDP headers is
/// 65,507; IPv6 allows 65,527), rounded up to the IP maximum: nothing that arrives is cut.
const MAX_DATAGRAM: usize = 65_535;
/// Pause after a failed receive, so an error that repeats does not turn into a busy loop.
const RECEIVE_ERROR_PAUSE: Duration = Duration::from_millis(10);

/// Echoes datagrams on `socket` until `shutdown` completes.
async fn serve(socket: UdpSocket, shutdown: impl Future<Output = ()>) {
    let mut buffer = vec![0u8; MAX_DATAGRAM];
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // `recv_from` is cancel-safe: if shutdown wins the race, no datagram was taken.
        let (len, peer) = tokio::select! {
            () = &mut shutdown => break,
            received = socket.recv_from(&mut buffer) => match received {
                Ok(received) => received,
                Err(e) => {
                    eprintln!("receive failed: {e}");
                    sleep(RECEIVE_ERROR_PAUSE).await;
                    continue;
                }
            },
        };
        eprintln!("{peer}: {len} bytes");
        // Awaited here rather than spawned: a full send buffer then slows the receiving down,
        // instead of piling up tasks that each hold a copy of a datagram.
        if let Err(e) = socket.send_to(&buffer[..len], peer).await {
            eprintln!("{peer}: send of {len} bytes failed: {e}");
        }
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

/// UDP echo server.
#[derive(Parser)]
#[command(name = "udp_echo")]
struct Args {
    /// Address to listen on.
    #[arg(default_value = "127.0.0.1:8080")]
    addr: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = Args::parse().addr;
    let socket = UdpSocket::bind(&addr).await.with_context(|| format!("cannot bind {addr}"))?;
    let shutdown = shutdown_signal()?;
    println!("listening on {}", socket.local_addr()?);

    serve(socket, shutdown).await;
    println!("shutdown complete");
    Ok(())
}
