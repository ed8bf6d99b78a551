//! Reading and writing one `TcpStream` at once: `into_split`, `split`, or `futures`' `split`.
//!
//! A client that writes a large payload and only then reads the echo deadlocks once the socket
//! buffers fill: the server blocks writing to a client that does not read, so it stops reading,
//! and the client's write never ends. So one half reads while the other writes. What costs what:
//! - `into_split`: owned halves, one `Arc` (an allocation), no lock; each can go to its own task.
//! - `split`: borrowed halves, free, both polled by the task that owns the stream (`try_join!`).
//! - `futures::io::AsyncReadExt::split`: any `futures::io` stream (tokio's through `compat`), but
//!   every poll of a half takes a `BiLock`: a little cost, and the two halves contend for it.
//!
//! Guide: beyond the guides (how to read and write one TcpStream at once).
//!
//! ```text
//! cargo run -p examples-tokio --example tcp_split
//! ```
//!
//! Prints each way's 1 MiB sent, the bytes read back meanwhile, `equal: true`; then the server's.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["io-util", "macros", "net", "rt-multi-thread", "time"] }
//! tokio-util = { version = "0.7", features = ["compat"] }
//! futures = "0.3"
//! anyhow = "1"
//! ```

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use futures::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::compat::TokioAsyncReadCompatExt;

/// What each way sends, in pieces as a streaming upload would. Loopback's buffers may still hold
/// 1 MiB; split, the client works the same for any size, because it reads while it writes.
const PAYLOAD_LEN: usize = 1024 * 1024;
const CHUNK: usize = 64 * 1024;
/// The whole run must finish within this; a deadlock ends in an error, not a hang.
const DEADLINE: Duration = Duration::from_secs(5);

/// `into_split`: owned halves that can move anywhere. The reader goes into its own task (it may
/// run on another worker thread) while this task writes; no lock stands between them.
async fn owned_halves(addr: SocketAddr, data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let (reader, writer) = TcpStream::connect(addr).await?.into_split();
    let reading = tokio::spawn(receive(reader, data.len()));
    let sent = send(writer, data).await;
    // Joined whatever the write did: the task is never left running on its own.
    let received = reading.await??;
    sent?;
    Ok(received)
}

/// `split`: halves that borrow the stream, so both stay in this task; `try_join!` polls them in
/// turn, and whichever can make progress does. Nothing is allocated or locked.
async fn borrowed_halves(addr: SocketAddr, data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr).await?;
    let (reader, writer) = stream.split();
    let (received, ()) = tokio::try_join!(receive(reader, data.len()), send(writer, data))?;
    Ok(received)
}

/// `futures::io::AsyncReadExt::split`: generic code, for any `futures::io` reader and writer (a
/// smol or async-std stream as it is, tokio's through `compat`). The halves are owned too, but
/// both wrap one `BiLock`: each poll of either half takes it, and one waits while the other has it.
/// `tokio::io::split` is the same idea for tokio's traits, with a mutex.
async fn generic_split<S>(stream: S, data: &[u8]) -> anyhow::Result<Vec<u8>>
where
    S: futures::io::AsyncRead + futures::io::AsyncWrite + Send + 'static,
{
    let (mut reader, mut writer) = futures::io::AsyncReadExt::split(stream);
    let len = data.len();
    let reading = tokio::spawn(async move {
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
    let received = reading.await??;
    sent?;
    Ok(received)
}

/// Writes `data` in `CHUNK`-sized pieces. No half-close after the last one: the reader knows how
/// many bytes come back, and the connection closes when both halves are dropped.
async fn send(mut writer: impl AsyncWrite + Unpin, data: &[u8]) -> io::Result<()> {
    for chunk in data.chunks(CHUNK) {
        writer.write_all(chunk).await?;
    }
    Ok(())
}

/// Reads the `len` bytes the server echoes back.
async fn receive(mut reader: impl AsyncRead + Unpin, len: usize) -> io::Result<Vec<u8>> {
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
        let (mut reader, mut writer) = stream.split();
        echoed.push(tokio::io::copy(&mut reader, &mut writer).await?);
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
    let server = tokio::spawn(echo_server(listener, 3));
    let data = payload();

    let received = owned_halves(addr, &data).await?;
    report("into_split (owned halves, reader in its own task)", &data, &received)?;
    let received = borrowed_halves(addr, &data).await?;
    report("split (borrowed halves, one task, try_join!)", &data, &received)?;
    let stream = TcpStream::connect(addr).await?.compat();
    let received = generic_split(stream, &data).await?;
    report("futures::io::AsyncReadExt::split (BiLock on every poll)", &data, &received)?;

    let echoed = server.await??;
    println!("echo server: copied {echoed:?} bytes back, one connection per way");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tokio::time::timeout(DEADLINE, run())
        .await
        .with_context(|| format!("not done within {} ms", DEADLINE.as_millis()))?
}
