//! File upload server: stores each uploaded file in DIR, and answers `OK` only once it is safely
//! there, whatever a client sends.
//!
//! The protocol is the guide's: a u32 (big-endian) name length, the UTF-8 name, a u64 size, then
//! that many bytes; the server answers one line, `OK` or `ERR <reason>`. Everything in the header
//! comes from a stranger, so it is checked before it is used: the name length before anything is
//! allocated (the guide's `vec![0; name_len]` lets a 4-byte header demand 4 GiB), the name before
//! it reaches the filesystem (one plain file name, never a path), the size against a cap before
//! the body is read. The body is streamed with `tokio::io::copy` into a temporary file in DIR, so
//! memory stays flat whatever the file size; only when exactly `size` bytes have arrived and are
//! synced to disk is the file moved to its name (never over an existing file) and the directory
//! synced, and only then does the client get `OK`. A short or aborted upload leaves nothing.
//!
//! Guide: 教程 实战案例 (文件上传服务器).
//! The guide writes to any path a client names (`../x` escapes), allocates the client's length
//! unchecked, overwrites files, and answers `OK` to a truncated upload; here all four are refused.
//!
//! ```text
//! cargo run -p examples-tokio --example file_upload_server -- 127.0.0.1:8080 /tmp/uploads
//! ```
//!
//! and in another terminal (DIR must exist):
//!
//! ```text
//! cargo run -p examples-tokio --example upload_client -- 127.0.0.1:8080 Cargo.toml
//! ```
//!
//! Stdout: `listening on <addr>`, and `shutdown complete` after Ctrl+C; each upload, stored or
//! refused and why, is logged to stderr. Flags (after ADDR DIR): `--max-size BYTES` (default 1 GiB),
//! `--header-timeout-ms N` for the whole header (default 10000), `--body-timeout-ms N` without any
//! body data arriving (default 30000), `--max-connections N` (default 1024). Stored files get mode
//! 0600, the temporary file's; a temporary file is named `.upload-*`, a name no client can use.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["fs", "io-util", "macros", "net", "rt-multi-thread", "signal", "sync", "time"] }
//! tokio-util = { version = "0.7", features = ["rt"] }
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::fs::File;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Semaphore;
use tokio::task::spawn_blocking;
use tokio::time::{Instant, Sleep, sleep, timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The longest file name accepted, in bytes: the usual file-system limit.
const MAX_NAME_LEN: u32 = 255;
const DEFAULT_MAX_SIZE: u64 = 1 << 30;
const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Temporary files start with a dot, and client names may not: the two can never collide.
const TEMP_PREFIX: &str = ".upload-";
/// First and longest pause after a failed `accept`; the pause doubles between the two.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);
/// How long uploads under way may go on after a shutdown signal before they are aborted.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// After the reply: how long to wait for a client to take it. Meanwhile the server discards what
/// the client still sends (the rest of a refused body), because closing a socket with unread
/// input sends a reset, which can destroy the reply before the client has read it.
const LINGER: Duration = Duration::from_secs(1);

const USAGE: &str = "usage: file_upload_server ADDR DIR [--max-size BYTES] \
                     [--header-timeout-ms N] [--body-timeout-ms N] [--max-connections N]";

struct Settings {
    dir: PathBuf,
    max_size: u64,
    header_timeout: Duration,
    body_timeout: Duration,
    max_connections: usize,
}

/// What the header announced.
struct Header {
    name: String,
    size: u64,
}

/// Why an upload was not stored.
#[derive(Debug)]
struct Refused {
    /// Sent to the client after `ERR `: a fixed text or numbers, never the client's own bytes.
    reason: String,
    /// For the server's log only: it may name server paths.
    detail: Option<String>,
}

impl Refused {
    fn new(reason: impl Into<String>) -> Self {
        Refused {
            reason: reason.into(),
            detail: None,
        }
    }

    /// A failure of the server's own storage: the client learns only that.
    fn storage(error: impl fmt::Display) -> Self {
        Refused {
            reason: "server could not store the file".into(),
            detail: Some(error.to_string()),
        }
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Some(detail) => write!(f, "{} ({detail})", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

/// Accepts uploads on `listener` until `shutdown` completes, then lets the uploads under way
/// finish for a grace period, aborts the rest (their temporary files are removed) and returns.
async fn serve(listener: TcpListener, settings: Settings, shutdown: impl Future<Output = ()>) {
    let settings = Arc::new(settings);
    // Cancelled on the shutdown signal: connections still waiting for a header are turned away.
    let shutting_down = CancellationToken::new();
    // Cancelled when the grace period is over: whatever is still running is dropped.
    let close_connections = CancellationToken::new();
    // Knows which connection tasks are still running, so shutdown can wait for exactly those.
    let connections = TaskTracker::new();
    let permits = Arc::new(Semaphore::new(settings.max_connections));
    let mut backoff = ACCEPT_BACKOFF_MIN;
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        // Take a permit before accepting: at the cap, new clients wait in the kernel's backlog
        // instead of costing a task, a descriptor and a temporary file each.
        // `biased`: a free permit and a client already waiting in the backlog win over the
        // shutdown signal, so such a client is accepted and told `ERR server shutting down`
        // instead of being reset when the listener closes. tokio's cooperative budget makes
        // `accept` yield after a burst, so even a flood cannot hold shutdown off for long.
        let permit = tokio::select! {
            biased;
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_closed) => break, // never closed here
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            biased;
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    backoff = ACCEPT_BACKOFF_MIN;
                    accepted
                }
                Err(e) => {
                    // EMFILE clears only when connections close, ECONNABORTED at once: retrying
                    // at once would spin, giving up would end the service for everybody.
                    eprintln!("accept failed: {e}; retrying in {} ms", backoff.as_millis());
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                    continue;
                }
            },
            () = &mut shutdown => break,
        };

        let settings = Arc::clone(&settings);
        let shutting_down = shutting_down.clone();
        let close = close_connections.clone();
        connections.spawn(async move {
            // Held until the connection ends; then the next client may be accepted.
            let _permit = permit;
            let connection = handle_connection(stream, peer, &settings, &shutting_down);
            if close.run_until_cancelled(connection).await.is_none() {
                // Dropping the upload dropped its temporary file, which removed it.
                eprintln!("{peer}: upload aborted at the end of the shutdown grace period");
            }
        });
    }

    // Stop accepting: new clients are refused from now on, not left waiting in the backlog.
    drop(listener);
    shutting_down.cancel();
    connections.close();
    if timeout(SHUTDOWN_GRACE, connections.wait()).await.is_err() {
        close_connections.cancel();
        connections.wait().await;
    }
}

/// Receives one upload, answers it, and closes the connection.
async fn handle_connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    settings: &Settings,
    shutting_down: &CancellationToken,
) {
    let reply = match receive(&mut stream, settings, shutting_down).await {
        Ok(header) => {
            eprintln!("{peer}: stored {:?} ({} bytes)", header.name, header.size);
            "OK\n".to_owned()
        }
        Err(refused) => {
            eprintln!("{peer}: refused: {refused}");
            format!("ERR {}\n", refused.reason)
        }
    };
    // Best effort: the client may be gone already, and then there is nobody left to tell.
    let _ = timeout(LINGER, async {
        stream.write_all(reply.as_bytes()).await?;
        // A FIN after the reply: the client reads the line, then a clean end of stream.
        stream.shutdown().await?;
        let mut discard = [0u8; 8192];
        while stream.read(&mut discard).await? > 0 {}
        io::Result::Ok(())
    })
    .await;
}

/// Reads and checks the header, then streams the body into DIR; returns the header once the
/// file is stored under its name.
async fn receive(
    stream: &mut TcpStream,
    settings: &Settings,
    shutting_down: &CancellationToken,
) -> Result<Header, Refused> {
    // The whole header gets one deadline, so sending it a byte at a time does not stretch it.
    // A client still silent when shutdown begins is turned away rather than waited for.
    let header = tokio::select! {
        header = timeout(settings.header_timeout, read_header(stream, settings.max_size)) => {
            header.map_err(|_| {
                let ms = settings.header_timeout.as_millis();
                Refused::new(format!("timed out: no complete header within {ms} ms"))
            })??
        }
        () = shutting_down.cancelled() => return Err(Refused::new("server shutting down")),
    };

    // Checked before the body, so a client does not send a large file only to be refused; the
    // no-clobber rename below is what really guarantees it (another upload may race this one).
    let target = settings.dir.join(&header.name);
    match tokio::fs::symlink_metadata(&target).await {
        Ok(_) => return Err(Refused::new("file already exists")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Refused::storage(e)),
    }

    // In DIR itself, so that the final rename stays within one file system. Dropping `temp` (on
    // any error or abort from here on) deletes the file.
    let dir = settings.dir.clone();
    let temp = spawn_blocking(move || {
        tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)
    })
    .await
    .map_err(Refused::storage)?
    .map_err(Refused::storage)?;
    let mut file = File::from_std(temp.as_file().try_clone().map_err(Refused::storage)?);

    // `take` stops at the announced size; `copy` moves the bytes through one fixed buffer and
    // flushes the file at the end; `IdleTimeout` drops a client that stops sending.
    let mut body = IdleTimeout::new((&mut *stream).take(header.size), settings.body_timeout);
    let received = tokio::io::copy(&mut body, &mut file).await.map_err(|e| {
        if e.kind() == io::ErrorKind::TimedOut {
            let ms = settings.body_timeout.as_millis();
            Refused::new(format!("timed out: no data for {ms} ms"))
        } else {
            // A reset client or a full disk: either way the file is incomplete.
            Refused {
                reason: "upload failed".into(),
                detail: Some(e.to_string()),
            }
        }
    })?;
    if received < header.size {
        return Err(Refused::new(format!(
            "short upload: received {received} of {} bytes",
            header.size
        )));
    }
    // The data must be on disk before the name points at it, or a crash could leave a
    // complete-looking name over missing data.
    file.sync_all().await.map_err(Refused::storage)?;
    drop(file);

    let dir = settings.dir.clone();
    spawn_blocking(move || {
        // Fails instead of replacing a file that appeared since the check above.
        temp.persist_noclobber(&target).map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                Refused::new("file already exists")
            } else {
                Refused::storage(e.error)
            }
        })?;
        // The rename changed the directory: sync it too, or the new name may not survive a
        // crash, after the client was told `OK`.
        std::fs::File::open(&dir)
            .and_then(|dir| dir.sync_all())
            .map_err(Refused::storage)
    })
    .await
    .map_err(Refused::storage)??;
    Ok(header)
}

/// Reads the header (name length, name, size) and checks each part before using it.
async fn read_header(stream: &mut TcpStream, max_size: u64) -> Result<Header, Refused> {
    let incomplete = |e: io::Error| Refused {
        reason: "incomplete header".into(),
        detail: Some(e.to_string()),
    };
    let name_len = stream.read_u32().await.map_err(incomplete)?;
    // Checked before anything is allocated: the length is the client's word, up to 4 GiB.
    if !(1..=MAX_NAME_LEN).contains(&name_len) {
        return Err(Refused::new(format!(
            "name length {name_len} is not in 1..={MAX_NAME_LEN}"
        )));
    }
    let mut name = vec![0; name_len as usize]; // at most 255 bytes now
    stream.read_exact(&mut name).await.map_err(incomplete)?;
    let name = String::from_utf8(name).map_err(|_| Refused::new("name is not valid UTF-8"))?;
    check_file_name(&name)?;

    let size = stream.read_u64().await.map_err(incomplete)?;
    if size > max_size {
        return Err(Refused::new(format!(
            "size {size} exceeds the limit of {max_size} bytes"
        )));
    }
    Ok(Header { name, size })
}

/// Accepts one plain file name for a file directly inside DIR, nothing that could be a path.
fn check_file_name(name: &str) -> Result<(), Refused> {
    // Covers `.` and `..` too, and hidden files, and our own temporary files.
    if name.starts_with('.') {
        return Err(Refused::new("name must not start with '.'"));
    }
    // Separators of either platform; NUL (which the OS would reject anyway) and other control
    // characters, which have no place in a file name and would garble logs and terminals.
    let forbidden = |c: char| c == '/' || c == '\\' || c.is_control();
    if let Some(c) = name.chars().find(|&c| forbidden(c)) {
        // `{:?}` escapes it, so the reply stays one printable line.
        return Err(Refused::new(format!("name must not contain {c:?}")));
    }
    Ok(())
}

/// A reader that fails with `TimedOut` when its inner reader delivers nothing for `limit`.
///
/// `tokio::time::timeout` limits one whole future, but `tokio::io::copy` is one future for the
/// whole body: a limit on it would cut off large files. This restarts the clock at every read
/// that makes progress, so only a stalled client is dropped.
struct IdleTimeout<R> {
    inner: R,
    limit: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<R> IdleTimeout<R> {
    fn new(inner: R, limit: Duration) -> Self {
        IdleTimeout {
            inner,
            limit,
            deadline: Box::pin(sleep(limit)),
        }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for IdleTimeout<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                let next = Instant::now() + this.limit;
                this.deadline.as_mut().reset(next);
                Poll::Ready(result)
            }
            // No data yet: the deadline's waker is registered too, so we are woken by either.
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no data before the idle timeout",
                ))),
                Poll::Pending => Poll::Pending,
            },
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

/// Parses a flag's value as a positive number.
fn positive(flag: &str, value: Option<String>) -> anyhow::Result<u64> {
    let value = value.with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
    value
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .with_context(|| format!("{flag}: `{value}` is not a positive number"))
}

/// Parses a flag's value as a timeout in milliseconds, at most a day: `Instant + Duration`
/// panics on overflow, so an absurd value must be refused here, not met on the first deadline.
fn millis(flag: &str, value: Option<String>) -> anyhow::Result<Duration> {
    const MAX_MS: u64 = 24 * 60 * 60 * 1000;
    let ms = positive(flag, value)?;
    anyhow::ensure!(ms <= MAX_MS, "{flag}: at most {MAX_MS} ms (one day)");
    Ok(Duration::from_millis(ms))
}

fn parse_args() -> anyhow::Result<(String, Settings)> {
    let mut positional = Vec::new();
    let mut max_size = DEFAULT_MAX_SIZE;
    let mut header_timeout = DEFAULT_HEADER_TIMEOUT;
    let mut body_timeout = DEFAULT_BODY_TIMEOUT;
    let mut max_connections = DEFAULT_MAX_CONNECTIONS;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--max-size" => max_size = positive(&arg, args.next())?,
            "--header-timeout-ms" => {
                header_timeout = millis(&arg, args.next())?;
            }
            "--body-timeout-ms" => {
                body_timeout = millis(&arg, args.next())?;
            }
            "--max-connections" => {
                max_connections = usize::try_from(positive(&arg, args.next())?)
                    .ok()
                    .filter(|&n| n <= Semaphore::MAX_PERMITS)
                    .context("--max-connections: too large")?;
            }
            _ if arg.starts_with("--") => bail!("unexpected argument `{arg}`\n{USAGE}"),
            _ => positional.push(arg),
        }
    }
    let [addr, dir] = <[String; 2]>::try_from(positional)
        .map_err(|_| anyhow::anyhow!("expected ADDR and DIR\n{USAGE}"))?;
    let settings = Settings {
        dir: PathBuf::from(dir),
        max_size,
        header_timeout,
        body_timeout,
        max_connections,
    };
    Ok((addr, settings))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (addr, settings) = parse_args()?;
    // Fail at start, clearly, rather than refusing every upload later.
    let dir = &settings.dir;
    let metadata = tokio::fs::metadata(dir)
        .await
        .with_context(|| format!("upload directory {}", dir.display()))?;
    if !metadata.is_dir() {
        bail!("upload directory {}: not a directory", dir.display());
    }

    let listener = TcpListener::bind(addr.as_str())
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let shutdown = shutdown_signal()?;
    println!("listening on {}", listener.local_addr()?);

    serve(listener, settings, shutdown).await;
    println!("shutdown complete");
    Ok(())
}
