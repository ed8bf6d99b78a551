//! File upload server: stores each uploaded file in DIR, and answers `OK` only once it is safely
//! there, whatever a client sends.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/file_upload_server.rs`.
//!
//! The protocol is the guide's: a u32 (big-endian) name length, the UTF-8 name, a u64 size, then
//! that many bytes; the server answers one line, `OK` or `ERR <reason>`. Everything in the header
//! comes from a stranger, so it is checked before it is used: the name length before anything is
//! allocated (the guide's `vec![0; name_len]` lets a 4-byte header demand 4 GiB), the name before
//! it reaches the filesystem (one plain file name, never a path), the size against a cap before
//! the body is read. The body is streamed through one fixed buffer into a temporary file in DIR, so
//! memory stays flat whatever the file size; only when exactly `size` bytes have arrived and are
//! synced to disk is the file moved to its name (never over an existing file) and the directory
//! synced, and only then does the client get `OK`. A short or aborted upload leaves nothing.
//!
//! Guide: 教程 实战案例 (文件上传服务器).
//! The guide writes to any path a client names (`../x` escapes), allocates the client's length
//! unchecked, overwrites files, and answers `OK` to a truncated upload; here all four are refused.
//!
//! Differences from tokio: there is no `read_u32`/`read_u64`, so the header is read with
//! `read_exact` into arrays and `from_be_bytes`. Blocking calls (creating the temporary file,
//! the rename, the directory sync) go through `task::spawn_blocking`, whose `JoinHandle` yields
//! the closure's value itself, not a `Result` with a `JoinError` (a panic there is resumed in the
//! awaiter). There is no timer to re-arm, so the body is copied by a loop of its own with
//! `io::timeout` around each read: the limit is on silence, not on the whole upload.
//! `async_std::fs::File` writes through a cache that a blocking-pool thread drains; `sync_all`
//! drains it first, and so does its destructor, blocking its thread meanwhile. There is no
//! `select!`: `FutureExt::race` (`unstable`) always polls its left side first. A dropped
//! `JoinHandle` detaches its task, which runs on: so the connection tasks' handles are kept, and
//! after the grace period `cancel().await` is the abort; it waits until the upload's future, and
//! with it the temporary file, has been dropped. There is no `is_finished`, so finished handles
//! are found by polling each once with `now_or_never` (which would resume a panic of the task
//! there, in the accept loop: so each connection catches its own). Signals come from
//! `async-signal`, the semaphore from `async-lock`, and `shutdown(Shutdown::Write)` is a plain
//! call, not a future.
//!
//! ```text
//! cargo run -p examples-async-std --example file_upload_server -- 127.0.0.1:8080 /tmp/uploads
//! ```
//!
//! and in another terminal (DIR must exist):
//!
//! ```text
//! cargo run -p examples-async-std --example upload_client -- 127.0.0.1:8080 Cargo.toml
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
//! async-std = { version = "1", features = ["unstable"] } # `FutureExt::race`
//! async-lock = "3"
//! async-signal = "0.2"
//! futures = "0.3"
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::fmt;
use std::future::Future;
use std::net::{Shutdown, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use async_lock::Semaphore;
use async_signal::{Signal, Signals};
use async_std::channel;
use async_std::fs::File;
use async_std::future;
use async_std::io::{self, Read, Write};
use async_std::net::{TcpListener, TcpStream};
use async_std::prelude::*;
use async_std::task::{self, JoinHandle};
use futures::FutureExt as _;

/// The longest file name accepted, in bytes: the usual file-system limit.
const MAX_NAME_LEN: u32 = 255;
const DEFAULT_MAX_SIZE: u64 = 1 << 30;
const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// The body passes through one buffer of this size per upload, whatever the file's size.
const COPY_BUFFER_SIZE: usize = 64 * 1024;
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
    // Closed on the shutdown signal: connections still waiting for a header are turned away.
    // Nothing is ever sent on it; a closed channel's `recv` fails at once, for every receiver.
    let (stop_connections, shutting_down) = channel::bounded::<()>(1);
    // The running connection tasks, kept so shutdown can wait for exactly those and cancel
    // what is left after the grace period.
    let mut connections: Vec<(SocketAddr, JoinHandle<()>)> = Vec::new();
    let permits = Arc::new(Semaphore::new(settings.max_connections));
    let mut backoff = ACCEPT_BACKOFF_MIN;
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        // Take a permit before accepting: at the cap, new clients wait in the kernel's backlog
        // instead of costing a task, a descriptor and a temporary file each.
        let permit = async { Some(permits.acquire_arc().await) };
        let Some(permit) = permit.race(stopped(shutdown.as_mut())).await else {
            break;
        };
        // `race` polls its left side first: a client the kernel has already connected is
        // taken, and told the server is shutting down, rather than reset with the backlog.
        let accepted = async { Some(listener.accept().await) };
        let (stream, peer) = match accepted.race(stopped(shutdown.as_mut())).await {
            None => break,
            Some(Ok(accepted)) => {
                backoff = ACCEPT_BACKOFF_MIN;
                accepted
            }
            Some(Err(e)) => {
                // EMFILE clears only when connections close, ECONNABORTED at once: retrying at
                // once would spin, giving up would end the service for everybody.
                eprintln!("accept failed: {e}; retrying in {} ms", backoff.as_millis());
                let pause = async {
                    task::sleep(backoff).await;
                    Some(())
                };
                if pause.race(stopped(shutdown.as_mut())).await.is_none() {
                    break;
                }
                backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                continue;
            }
        };

        let settings = Arc::clone(&settings);
        let shutting_down = shutting_down.clone();
        let task = task::spawn(async move {
            // Held until the connection ends; then the next client may be accepted.
            let _permit = permit;
            let connection = handle_connection(stream, peer, &settings, &shutting_down);
            // A panic would otherwise be stored in the task and resumed in `serve` when it polls
            // the handle, ending the server for everybody; here it ends only this connection.
            if AssertUnwindSafe(connection).catch_unwind().await.is_err() {
                eprintln!("{peer}: connection task panicked");
            }
        });
        // Dropping a running task's `JoinHandle` would not stop it, only lose the way to wait
        // for it and cancel it, so the handles stay here until their tasks have finished. A
        // `JoinHandle` has no `is_finished`: polling it once, without waiting, tells (and takes
        // the task's `()`).
        connections.retain_mut(|(_, task)| task.now_or_never().is_none());
        connections.push((peer, task));
    }

    // Stop accepting: new clients are refused from now on, not left waiting in the backlog.
    drop(listener);
    stop_connections.close();
    let all_finished = async {
        while let Some((_, task)) = connections.last_mut() {
            task.await;
            connections.pop();
        }
    };
    if future::timeout(SHUTDOWN_GRACE, all_finished).await.is_err() {
        // `cancel` drops the upload's future, whose temporary file removes itself, and waits
        // until that is done; it gives `None` unless the task finished just before.
        for (peer, task) in connections {
            if task.cancel().await.is_none() {
                eprintln!("{peer}: upload aborted at the end of the shutdown grace period");
            }
        }
    }
}

/// Completes when `shutdown` does, as `None`: the other side of a `race` in the accept loop.
async fn stopped<T>(shutdown: Pin<&mut impl Future<Output = ()>>) -> Option<T> {
    shutdown.await;
    None
}

/// Receives one upload, answers it, and closes the connection.
async fn handle_connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    settings: &Settings,
    shutting_down: &channel::Receiver<()>,
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
    let _ = future::timeout(LINGER, async {
        stream.write_all(reply.as_bytes()).await?;
        // A FIN after the reply: the client reads the line, then a clean end of stream.
        stream.shutdown(Shutdown::Write)?;
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
    shutting_down: &channel::Receiver<()>,
) -> Result<Header, Refused> {
    // The whole header gets one deadline, so sending it a byte at a time does not stretch it.
    // A client still silent when shutdown begins is turned away rather than waited for.
    let limit = settings.header_timeout;
    let read = future::timeout(limit, read_header(stream, settings.max_size));
    let header = async {
        read.await.map_err(|_| {
            let ms = limit.as_millis();
            Refused::new(format!("timed out: no complete header within {ms} ms"))
        })?
    };
    let turned_away = async {
        // Fails (the channel is closed) on shutdown; nothing is ever sent.
        let _ = shutting_down.recv().await;
        Err(Refused::new("server shutting down"))
    };
    let header = header.race(turned_away).await?;

    // Checked before the body, so a client does not send a large file only to be refused; the
    // no-clobber rename below is what really guarantees it (another upload may race this one).
    let target = settings.dir.join(&header.name);
    match async_std::fs::symlink_metadata(&target).await {
        Ok(_) => return Err(Refused::new("file already exists")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Refused::storage(e)),
    }

    // In DIR itself, so that the final rename stays within one file system. Dropping `temp` (on
    // any error or abort from here on) deletes the file.
    let dir = settings.dir.clone();
    let temp = task::spawn_blocking(move || {
        tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)
    })
    .await
    .map_err(Refused::storage)?;
    let mut file = File::from(temp.as_file().try_clone().map_err(Refused::storage)?);

    // `take` stops at the announced size; the copy moves the bytes through one fixed buffer,
    // flushes the file at the end, and drops a client that stops sending.
    let mut body = (&mut *stream).take(header.size);
    let copy = copy_with_idle_timeout(&mut body, &mut file, settings.body_timeout);
    let received = copy.await.map_err(|e| {
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
    task::spawn_blocking(move || {
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
    .await?;
    Ok(header)
}

/// Reads the header (name length, name, size) and checks each part before using it.
async fn read_header(stream: &mut TcpStream, max_size: u64) -> Result<Header, Refused> {
    let incomplete = |e: io::Error| Refused {
        reason: "incomplete header".into(),
        detail: Some(e.to_string()),
    };
    let mut name_len = [0u8; 4];
    stream.read_exact(&mut name_len).await.map_err(incomplete)?;
    let name_len = u32::from_be_bytes(name_len);
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

    let mut size = [0u8; 8];
    stream.read_exact(&mut size).await.map_err(incomplete)?;
    let size = u64::from_be_bytes(size);
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

/// Copies `reader` to `writer` until `reader` ends, failing with `TimedOut` when no data arrives
/// for `limit`; returns the number of bytes copied.
///
/// `io::timeout` around `io::copy` would limit the whole body, and cut off large files; around
/// each read, it limits only silence. async-std has no timer to re-arm, so the loop is written
/// out, with a new timer for every read.
async fn copy_with_idle_timeout(
    reader: &mut (impl Read + Unpin),
    writer: &mut (impl Write + Unpin),
    limit: Duration,
) -> io::Result<u64> {
    let mut buffer = vec![0u8; COPY_BUFFER_SIZE];
    let mut copied = 0;
    loop {
        let n = io::timeout(limit, reader.read(&mut buffer)).await?;
        if n == 0 {
            writer.flush().await?;
            return Ok(copied);
        }
        writer.write_all(&buffer[..n]).await?;
        copied += n as u64;
    }
}

/// Completes on the first SIGINT (Ctrl+C) or SIGTERM. Installed before the server announces its
/// address, so a signal sent right after `listening on` is never lost.
fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    let mut signals = Signals::new([Signal::Int, Signal::Term])?;
    Ok(async move {
        match signals.next().await {
            Some(Ok(Signal::Int)) => eprintln!("SIGINT received, shutting down"),
            Some(Ok(Signal::Term)) => eprintln!("SIGTERM received, shutting down"),
            Some(Ok(other)) => eprintln!("{other:?} received, shutting down"),
            // The stream never ends, and fails only if its internal pipe does; stopping is
            // better than a server that can no longer be stopped cleanly.
            Some(Err(e)) => eprintln!("cannot wait for signals: {e}; shutting down"),
            None => {}
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
                header_timeout = Duration::from_millis(positive(&arg, args.next())?);
            }
            "--body-timeout-ms" => {
                body_timeout = Duration::from_millis(positive(&arg, args.next())?);
            }
            "--max-connections" => {
                max_connections = usize::try_from(positive(&arg, args.next())?)
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

async fn run() -> anyhow::Result<()> {
    let (addr, settings) = parse_args()?;
    // Fail at start, clearly, rather than refusing every upload later.
    let dir = &settings.dir;
    let metadata = async_std::fs::metadata(dir)
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

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
