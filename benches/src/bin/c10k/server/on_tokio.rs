//! The tokio server: a current-thread runtime on the calling thread, the listener from
//! `TcpSocket::listen` with a backlog of [`TOKIO_BACKLOG`].
//!
//! - `buffered`: the task reads into its own 256-byte buffer with `read` and answers with
//!   `write_all`.
//! - `readiness`: the task awaits read readiness, then `try_read`s into the thread's buffer and
//!   `try_write`s it back; only a partial write copies the rest out, which it writes once the
//!   socket is write-ready. It waits with `poll_read_ready` / `poll_write_ready`, the poll forms of
//!   `readable()` / `writable()`: they keep the waker in the stream's registration, while the
//!   `readable()` future carries its own waiter node, which made the task's future 344 bytes
//!   instead of a few dozen. An idle task holds its stream (32 bytes) and nothing else.

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use super::{ECHO_BUFFER_BYTES, Echoed, THREAD_BUFFER_BYTES, TOKIO_BACKLOG, read_and_echo};
use crate::args::Variant;

thread_local! {
    /// The `readiness` server's one buffer: every task of this thread reads into it, and none
    /// holds it across an `.await`.
    static BUFFER: RefCell<Box<[u8]>> = RefCell::new(vec![0; THREAD_BUFFER_BYTES].into());
}

/// Listens on `addr`, announces the bound address and echoes on every accepted connection with
/// `variant`'s task, all on this thread; returns only on a setup error.
pub fn serve(addr: SocketAddr, variant: Variant) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let socket = TcpSocket::new_v4()?;
        socket.bind(addr)?;
        let listener = socket.listen(TOKIO_BACKLOG)?;
        // The thread's buffer exists before the client's idle sample, not at the first echo.
        BUFFER.with(|_| {});
        super::announce(listener.local_addr()?)?;
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    match variant {
                        Variant::Buffered => tokio::spawn(echo(stream)),
                        Variant::Readiness => tokio::spawn(echo_on_readiness(stream)),
                    };
                }
                Err(error) => {
                    super::accept_failed(&error);
                    tokio::time::sleep(super::ACCEPT_BACKOFF).await;
                }
            }
        }
    })
}

/// Writes back whatever arrives, until end of stream.
async fn echo(mut stream: TcpStream) {
    let mut buf = [0u8; ECHO_BUFFER_BYTES];
    let result: io::Result<()> = async {
        stream.set_nodelay(true)?;
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok(());
            }
            stream.write_all(&buf[..n]).await?;
        }
    }
    .await;
    if let Err(error) = result {
        super::connection_failed(&error);
    }
}

/// Writes back whatever arrives, until end of stream, holding no buffer while it waits.
async fn echo_on_readiness(stream: TcpStream) {
    let result: io::Result<()> = async {
        stream.set_nodelay(true)?;
        loop {
            poll_fn(|cx| stream.poll_read_ready(cx)).await?;
            let step = BUFFER.with_borrow_mut(|buffer| {
                read_and_echo(|b| stream.try_read(b), |b| stream.try_write(b), buffer)
            })?;
            match step {
                Echoed::All => {}
                Echoed::Rest(rest) => write_rest(&stream, &rest).await?,
                Echoed::Closed => return Ok(()),
            }
        }
    }
    .await;
    if let Err(error) = result {
        super::connection_failed(&error);
    }
}

/// Writes `rest` as the socket becomes writable.
async fn write_rest(stream: &TcpStream, mut rest: &[u8]) -> io::Result<()> {
    while !rest.is_empty() {
        poll_fn(|cx| stream.poll_write_ready(cx)).await?;
        match stream.try_write(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => rest = &rest[n..],
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}
