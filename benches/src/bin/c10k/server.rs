//! The server process (the hidden `serve` subcommand): an echo server on one executor thread of
//! the chosen runtime, stopped by SIGINT.
//!
//! Each runtime's server is its own module, written only with that runtime's APIs (a test below
//! reads their sources and checks it): `on_tokio`, `on_smol`, `on_async_std`. Each has the
//! `buffered` variant, a task that owns its stream and a 256-byte buffer; tokio and smol also have
//! the `readiness` variant, a task that owns only its stream, awaits readiness and then reads into
//! the one buffer of its thread ([`read_and_echo`], shared as it is std only), so an idle
//! connection holds no buffer at all.

mod on_async_std;
mod on_smol;
mod on_tokio;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};

use crate::args::{ASYNC_STD_HAS_NO_READINESS, Runtime, Variant};
use crate::limits::raise_fd_limit;

/// The backlog the tokio server asks for (the kernel caps it at `net.core.somaxconn`).
const TOKIO_BACKLOG: u32 = 4096;
/// The buffer each `buffered` server connection task owns.
const ECHO_BUFFER_BYTES: usize = 256;
/// The one buffer per thread of the `readiness` servers: the largest message the client sends.
const THREAD_BUFFER_BYTES: usize = 64 * 1024;
/// How long the server waits after a failed `accept` (usually EMFILE, which retrying at once does
/// not clear).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// How often the server's `c10k-sigint` thread looks for SIGINT and for its client.
const WATCH_INTERVAL: Duration = Duration::from_millis(100);

/// The hidden `serve` subcommand: SIGINT handling first (before any other thread exists, so every
/// thread inherits the blocked mask), then the descriptor limit, then the runtime's server.
pub fn serve(runtime: Runtime, variant: Variant) -> anyhow::Result<()> {
    watch_sigint_and_client().context("setting up SIGINT handling")?;
    raise_fd_limit()?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let served = match (runtime, variant) {
        (Runtime::Tokio, variant) => on_tokio::serve(addr, variant),
        (Runtime::Smol, variant) => on_smol::serve(addr, variant),
        (Runtime::AsyncStd, Variant::Buffered) => on_async_std::serve(addr),
        (Runtime::AsyncStd, Variant::Readiness) => bail!("{ASYNC_STD_HAS_NO_READINESS}"),
    };
    served.with_context(|| format!("{} {} server", runtime.name(), variant.name()))
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

/// What [`read_and_echo`] left to do.
enum Echoed {
    /// Everything read was written back (or nothing was there to read: a spurious wakeup).
    All,
    /// The socket took only part of it: the rest, copied out of the thread's buffer, is for the
    /// task to write once the socket is writable.
    Rest(Vec<u8>),
    /// End of stream.
    Closed,
}

/// One step of a `readiness` server, on a socket that was just reported readable: reads what has
/// arrived into `buffer` (the thread's) with the non-blocking `read`, writes it back with the
/// non-blocking `write` as far as the socket takes it, and only on a partial write allocates the
/// remainder. Both calls return `WouldBlock` instead of waiting; it runs in one go, so the buffer
/// is never held across an `.await`.
fn read_and_echo(
    mut read: impl FnMut(&mut [u8]) -> io::Result<usize>,
    mut write: impl FnMut(&[u8]) -> io::Result<usize>,
    buffer: &mut [u8],
) -> io::Result<Echoed> {
    let n = match read(buffer) {
        Ok(0) => return Ok(Echoed::Closed),
        Ok(n) => n,
        Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(Echoed::All),
        Err(error) => return Err(error),
    };
    let mut written = 0;
    while written < n {
        match write(&buffer[written..n]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(more) => written += more,
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                return Ok(Echoed::Rest(buffer[written..n].to_vec()));
            }
            Err(error) => return Err(error),
        }
    }
    Ok(Echoed::All)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bench rule "each runtime's variant uses only its own runtime's APIs" (docs/design.md),
    /// checked on the server modules' sources: one that names another runtime fails here.
    #[test]
    fn each_server_module_uses_only_its_own_runtime() {
        let modules = [
            ("on_tokio.rs", include_str!("server/on_tokio.rs"), "tokio"),
            ("on_smol.rs", include_str!("server/on_smol.rs"), "smol"),
            ("on_async_std.rs", include_str!("server/on_async_std.rs"), "async_std"),
        ];
        let names: [(&str, &[&str]); 3] = [
            ("tokio", &["tokio"]),
            ("async_std", &["async_std", "async-std", "async std"]),
            ("smol", &["smol"]),
        ];
        for (file, source, own) in modules {
            let source = source.to_lowercase();
            assert!(source.contains(own), "{file} does not use {own} at all");
            for (runtime, spellings) in names {
                if runtime == own {
                    continue;
                }
                for spelling in spellings {
                    assert!(
                        !source.contains(spelling),
                        "{file} mentions `{spelling}`: it must use only {own}'s APIs"
                    );
                }
            }
        }
    }

    #[test]
    fn read_and_echo_writes_back_and_keeps_only_a_partial_rest() {
        let mut buffer = [0u8; 8];
        let mut sent = Vec::new();
        let step = read_and_echo(
            |b| {
                b[..5].copy_from_slice(b"hello");
                Ok(5)
            },
            |b| {
                sent.extend_from_slice(b);
                Ok(b.len())
            },
            &mut buffer,
        );
        assert!(matches!(step, Ok(Echoed::All)));
        assert_eq!(sent, b"hello");

        let mut calls = 0;
        let step = read_and_echo(
            |b| {
                b[..5].copy_from_slice(b"hello");
                Ok(5)
            },
            |_| {
                calls += 1;
                if calls == 1 { Ok(2) } else { Err(io::ErrorKind::WouldBlock.into()) }
            },
            &mut buffer,
        );
        assert!(matches!(step, Ok(Echoed::Rest(rest)) if rest == b"llo"));
        let closed = read_and_echo(|_| Ok(0), |_| unreachable!(), &mut buffer);
        assert!(matches!(closed, Ok(Echoed::Closed)));
        let spurious = read_and_echo(
            |_| Err(io::ErrorKind::WouldBlock.into()),
            |_| unreachable!(),
            &mut buffer,
        );
        assert!(matches!(spurious, Ok(Echoed::All)));
    }
}
