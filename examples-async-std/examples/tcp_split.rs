//! Reading and writing one `TcpStream` at once: a clone, two `&TcpStream`, or `futures`' `split`.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/tcp_split.rs
//!
//! A client that writes a large payload and only then reads the echo deadlocks once the socket
//! buffers fill: the server blocks writing to a client that does not read, so it stops reading,
//! and the client's write never ends. So one handle reads while another writes. What costs what:
//! a `clone()` is one more owned handle on the socket (an `Arc`), no lock, free to go to its own
//! task; `futures::io::AsyncReadExt::split` takes any `futures::io` stream, but every poll of a
//! half takes a `BiLock`: a little cost, and the two halves contend for it. Next to the smol twin:
//! - `&TcpStream` reads and writes too: two `&stream` are tokio's `split` (smol's needs `&mut`).
//! - `close()` only flushes, where smol's sends end of stream; a half-close is `shutdown(Write)`.
//!
//! Guide: beyond the guides (how to read and write one TcpStream at once).
//! ```text
//! cargo run -p examples-async-std --example tcp_split
//! ```
//! Prints each way's 1 MiB sent, the bytes read back meanwhile, `equal: true`; then the server's.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! futures = "0.3"
//! anyhow = "1"
//! ```

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use async_std::future::timeout;
use async_std::io::{Read, Write};
use async_std::net::{TcpListener, TcpStream};
use async_std::prelude::*;
use async_std::task;
use futures::future::try_join;

/// What each way sends, in pieces as a streaming upload would. Loopback's buffers may still hold
/// 1 MiB; split, the client works the same for any size, because it reads while it writes.
const PAYLOAD_LEN: usize = 1024 * 1024;
const CHUNK: usize = 64 * 1024;
/// The whole run must finish within this; a deadlock ends in an error, not a hang.
const DEADLINE: Duration = Duration::from_secs(5);

/// `clone()`: a second owned handle on the same socket, free to move anywhere. The reader goes
/// into its own task (on async-std's thread pool) while this task writes; no lock between them.
async fn owned_halves(addr: SocketAddr, data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let writer = TcpStream::connect(addr).await?;
    let reader = writer.clone();
    let reading = task::spawn(receive(reader, data.len()));
    let sent = send(writer, data).await;
    // Awaited whatever the write did (dropping the `JoinHandle` would detach the read).
    let received = reading.await?;
    sent?;
    Ok(received)
}

/// `&TcpStream`: async-std's stream reads and writes through a shared reference, so two of them
/// are borrowed halves for this one task, as tokio's `split` gives; `try_join` polls both.
async fn borrowed_halves(addr: SocketAddr, data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let stream = TcpStream::connect(addr).await?;
    let (received, ()) = try_join(receive(&stream, data.len()), send(&stream, data)).await?;
    Ok(received)
}

/// `futures::io::AsyncReadExt::split`: generic code, for any `futures::io` reader and writer (a
/// smol or async-std stream as it is, tokio's through `compat`). The halves are owned too, but
/// both wrap one `BiLock`: each poll of either half takes it, and one waits while the other has it.
async fn generic_split<S>(stream: S, data: &[u8]) -> anyhow::Result<Vec<u8>>
where
    S: futures::io::AsyncRead + futures::io::AsyncWrite + Send + 'static,
{
    let (mut reader, mut writer) = futures::io::AsyncReadExt::split(stream);
    let len = data.len();
    let reading = task::spawn(async move {
        let mut received = vec![0; len];
        reader.read_exact(&mut received).await.map(|()| received)
    });
    let sent = async {
        for chunk in data.chunks(CHUNK) {
            writer.write_all(chunk).await?;
        }
        io::Result::Ok(())
    }
    .await;
    let received = reading.await?;
    sent?;
    Ok(received)
}

/// Writes `data` in `CHUNK`-sized pieces. No half-close after the last one: the reader knows how
/// many bytes come back, and the connection closes when both handles are dropped.
async fn send(mut writer: impl Write + Unpin, data: &[u8]) -> io::Result<()> {
    for chunk in data.chunks(CHUNK) {
        writer.write_all(chunk).await?;
    }
    Ok(())
}

/// Reads the `len` bytes the server echoes back.
async fn receive(mut reader: impl Read + Unpin, len: usize) -> io::Result<Vec<u8>> {
    let mut received = vec![0; len];
    reader.read_exact(&mut received).await?;
    Ok(received)
}

/// The local echo server: serves `connections` clients in turn, copying each one's bytes back
/// until it closes, and answers how many bytes each connection echoed.
async fn echo_server(listener: TcpListener, connections: usize) -> io::Result<Vec<u64>> {
    let mut echoed = Vec::new();
    for _ in 0..connections {
        let (mut stream, _) = listener.accept().await?;
        let mut writer = stream.clone();
        echoed.push(async_std::io::copy(&mut stream, &mut writer).await?);
    }
    Ok(echoed)
}

/// 1 MiB whose bytes repeat every 251 (a prime), so a lost or reordered chunk shows.
fn payload() -> Vec<u8> {
    (0..PAYLOAD_LEN).map(|i| (i % 251) as u8).collect()
}

/// Prints what one way sent and got back, and fails unless the echo is what was sent.
fn report(how: &str, sent: &[u8], received: &[u8]) -> anyhow::Result<()> {
    let equal = received == sent;
    let chunks = sent.len().div_ceil(CHUNK);
    println!(
        "{how}: sent {} bytes in {chunks} chunks, read back {} meanwhile, equal: {equal}",
        sent.len(),
        received.len()
    );
    anyhow::ensure!(equal, "{how}: the echo differs from what was sent");
    Ok(())
}

async fn run() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // Kept and awaited below: dropping this `JoinHandle` would detach the server.
    let server = task::spawn(echo_server(listener, 3));
    let data = payload();

    let received = owned_halves(addr, &data).await?;
    report("clone (owned handles, reader in its own task)", &data, &received)?;
    let received = borrowed_halves(addr, &data).await?;
    report("&TcpStream (borrowed halves, one task, try_join)", &data, &received)?;
    let stream = TcpStream::connect(addr).await?;
    let received = generic_split(stream, &data).await?;
    report("futures::io::AsyncReadExt::split (BiLock on every poll)", &data, &received)?;

    let echoed = server.await?;
    println!("echo server: copied {echoed:?} bytes back, one connection per way");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(timeout(DEADLINE, run()))
        .with_context(|| format!("not done within {} ms", DEADLINE.as_millis()))?
}
