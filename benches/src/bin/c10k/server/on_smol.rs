//! The smol server: a `LocalExecutor` run by the calling thread, the listener an
//! `Async<std::net::TcpListener>` (std's backlog).
//!
//! - `buffered`: the accepted stream becomes a `smol::net::TcpStream`; the task reads into its own
//!   256-byte buffer with `read` and answers with `write_all`.
//! - `readiness`: the task keeps the `smol::Async<std::net::TcpStream>` itself (no `Arc`, no
//!   read/write futures kept between calls), awaits read readiness, then reads into the thread's
//!   buffer and writes back through `get_ref()`, which the reactor made non-blocking; only a
//!   partial write copies the rest out, which it writes once the socket is writable. It waits with
//!   `poll_readable` / `poll_writable`, the poll forms of `readable()` / `writable()`: they keep
//!   the waker in the source's one slot per direction, while the `readable()` future carries its
//!   own ticket and guard, which made the task's future 216 bytes instead of a few dozen. An idle
//!   task holds its stream (16 bytes) and nothing else.

use std::cell::RefCell;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::net::SocketAddr;

use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::net::TcpStream;
use smol::{Async, LocalExecutor};

use super::{ECHO_BUFFER_BYTES, Echoed, THREAD_BUFFER_BYTES, read_and_echo};
use crate::args::Variant;

/// The stream a `readiness` task owns: std's socket registered with smol's reactor.
type RawStream = Async<std::net::TcpStream>;

thread_local! {
    /// The `readiness` server's one buffer: every task of this thread reads into it, and none
    /// holds it across an `.await`.
    static BUFFER: RefCell<Box<[u8]>> = RefCell::new(vec![0; THREAD_BUFFER_BYTES].into());
}

/// Listens on `addr`, announces the bound address and echoes on every accepted connection with
/// `variant`'s task, all tasks on this thread; returns only on a setup error.
pub fn serve(addr: SocketAddr, variant: Variant) -> io::Result<()> {
    let listener = Async::<std::net::TcpListener>::bind(addr)?;
    // The thread's buffer exists before the client's idle sample, not at the first echo.
    BUFFER.with(|_| {});
    super::announce(listener.get_ref().local_addr()?)?;
    let executor = LocalExecutor::new();
    smol::block_on(executor.run(async {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => match variant {
                    Variant::Buffered => executor.spawn(echo(stream.into())).detach(),
                    Variant::Readiness => executor.spawn(echo_on_readiness(stream)).detach(),
                },
                Err(error) => {
                    super::accept_failed(&error);
                    smol::Timer::after(super::ACCEPT_BACKOFF).await;
                }
            }
        }
    }))
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
async fn echo_on_readiness(stream: RawStream) {
    let result: io::Result<()> = async {
        stream.get_ref().set_nodelay(true)?;
        loop {
            poll_fn(|cx| stream.poll_readable(cx)).await?;
            let socket = stream.get_ref();
            let step = BUFFER.with_borrow_mut(|buffer| {
                read_and_echo(|b| (&*socket).read(b), |b| (&*socket).write(b), buffer)
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
async fn write_rest(stream: &RawStream, mut rest: &[u8]) -> io::Result<()> {
    while !rest.is_empty() {
        poll_fn(|cx| stream.poll_writable(cx)).await?;
        match stream.get_ref().write(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => rest = &rest[n..],
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}
