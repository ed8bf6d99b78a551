//! The server process (the hidden `serve` subcommand): an echo server on one executor thread of
//! the chosen runtime, stopped by SIGINT.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::thread;
use std::time::Duration;

use anyhow::Context;
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};

use crate::args::Runtime;
use crate::limits::{FD_MARGIN, raise_fd_limit};

/// The backlog the tokio server asks for (the kernel caps it at `net.core.somaxconn`).
const TOKIO_BACKLOG: u32 = 4096;
/// The buffer each server connection task owns.
const ECHO_BUFFER_BYTES: usize = 256;
/// How long the server waits after a failed `accept` (usually EMFILE, which retrying at once does
/// not clear).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// How often the server's `c10k-sigint` thread looks for SIGINT and for its client.
const WATCH_INTERVAL: Duration = Duration::from_millis(100);

/// The hidden `serve` subcommand: SIGINT handling first (before any other thread exists, so every
/// thread inherits the blocked mask), then the descriptor limit, then the runtime's server.
pub fn serve(runtime: Runtime) -> anyhow::Result<()> {
    watch_sigint_and_client().context("setting up SIGINT handling")?;
    raise_fd_limit(FD_MARGIN)?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let served = match runtime {
        Runtime::Tokio => server_tokio::serve(addr),
        Runtime::Smol => server_smol::serve(addr),
        Runtime::AsyncStd => server_async_std::serve(addr),
    };
    served.with_context(|| format!("{} server", runtime.name()))
}

/// Blocks SIGINT in this thread (and so in every thread started later) and starts the
/// `c10k-sigint` thread, which reads it from a `signalfd` and exits the process with status 0. The
/// same thread exits with status 1 when the parent process (the client) is gone.
fn watch_sigint_and_client() -> anyhow::Result<()> {
    let mut mask = SigSet::empty();
    mask.add(Signal::SIGINT);
    mask.thread_block()?;
    let signals = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
    let client = std::os::unix::process::parent_id();
    thread::Builder::new().name("c10k-sigint".into()).spawn(move || {
        loop {
            match signals.read_signal() {
                Ok(Some(_)) => std::process::exit(0),
                Ok(None) => {}
                Err(error) => {
                    eprintln!("c10k serve: reading the signalfd: {error}");
                    std::process::exit(1);
                }
            }
            if std::os::unix::process::parent_id() != client {
                eprintln!("c10k serve: the client process is gone, exiting");
                std::process::exit(1);
            }
            thread::sleep(WATCH_INTERVAL);
        }
    })?;
    Ok(())
}

/// Tells the client where the server listens: the first line of the server's stdout.
fn announce(addr: SocketAddr) -> io::Result<()> {
    use std::io::Write;
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "listening on {addr}")?;
    stdout.flush()
}

/// Reports a failed `accept`; the caller then waits [`ACCEPT_BACKOFF`].
fn accept_failed(error: &io::Error) {
    eprintln!("c10k serve: accept failed: {error}; retrying in {ACCEPT_BACKOFF:?}");
}

/// Reports a connection that ended in an error. A reset is how a peer may close and is not one.
fn connection_failed(error: &io::Error) {
    if error.kind() != io::ErrorKind::ConnectionReset {
        eprintln!("c10k serve: connection failed: {error}");
    }
}

/// The tokio server: a current-thread runtime on the calling thread.
mod server_tokio {
    use std::io;
    use std::net::SocketAddr;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpSocket, TcpStream};

    use super::{ECHO_BUFFER_BYTES, TOKIO_BACKLOG};

    /// Listens on `addr` with a backlog of [`TOKIO_BACKLOG`], announces the bound address and
    /// echoes on every accepted connection, all on this thread; returns only on a setup error.
    pub fn serve(addr: SocketAddr) -> io::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async {
            let socket = TcpSocket::new_v4()?;
            socket.bind(addr)?;
            let listener = socket.listen(TOKIO_BACKLOG)?;
            super::announce(listener.local_addr()?)?;
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        tokio::spawn(echo(stream));
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
}

/// The smol server: a `LocalExecutor` run by the calling thread.
mod server_smol {
    use std::io;
    use std::net::SocketAddr;

    use smol::LocalExecutor;
    use smol::io::{AsyncReadExt, AsyncWriteExt};
    use smol::net::{TcpListener, TcpStream};

    use super::ECHO_BUFFER_BYTES;

    /// Listens on `addr` (std's backlog), announces the bound address and echoes on every accepted
    /// connection, all tasks on this thread; returns only on a setup error.
    pub fn serve(addr: SocketAddr) -> io::Result<()> {
        let listener = TcpListener::try_from(std::net::TcpListener::bind(addr)?)?;
        super::announce(listener.local_addr()?)?;
        let executor = LocalExecutor::new();
        smol::block_on(executor.run(async {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => executor.spawn(echo(stream)).detach(),
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
}

/// The async-std server: the global runtime, one thread when `ASYNC_STD_THREAD_COUNT=1`.
mod server_async_std {
    use std::io;
    use std::net::SocketAddr;

    use async_std::io::{ReadExt, WriteExt};
    use async_std::net::{TcpListener, TcpStream};
    use async_std::task;

    use super::ECHO_BUFFER_BYTES;

    /// Listens on `addr` (std's backlog), announces the bound address and runs the accept loop as
    /// a task, so it and every connection task run on the runtime's thread while this thread waits;
    /// returns only on a setup error.
    pub fn serve(addr: SocketAddr) -> io::Result<()> {
        let listener = TcpListener::from(std::net::TcpListener::bind(addr)?);
        super::announce(listener.local_addr()?)?;
        task::block_on(task::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        // Dropping the handle detaches the task.
                        task::spawn(echo(stream));
                    }
                    Err(error) => {
                        super::accept_failed(&error);
                        task::sleep(super::ACCEPT_BACKOFF).await;
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
}
