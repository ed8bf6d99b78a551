//! File upload server: stores each upload in DIR, and answers `OK` only once it is safely there.
//!
//! The protocol is the guide's: a u32 (big-endian) name length, the UTF-8 name, a u64 size, the
//! bytes; the answer is `OK` or `ERR <reason>`. Each header part is checked before use: the length
//! before anything is allocated, the name before it reaches the filesystem, the size against a cap.
//! The body streams into a temporary file that takes the name (never over another file) once every
//! byte is on disk: a short or aborted upload leaves nothing. Accept loop and shutdown:
//! `support/mod.rs`, to copy with it. Differences from tokio:
//! - no `read_u32`: `read_exact` and `from_be_bytes`; `unblock` returns the value, no `JoinError`.
//!
//! Guide: 教程 实战案例 (文件上传服务器); what it gets wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example file_upload_server -- 127.0.0.1:8080 /tmp/uploads
//! cargo run -p examples-smol --example upload_client -- 127.0.0.1:8080 Cargo.toml
//! ```
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! async-signal = "0.2"
//! clap = { version = "4", features = ["derive"] }
//! tempfile = "3"
//! anyhow = "1"
//! ```

mod support;

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use smol::channel::Receiver;
use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::net::TcpStream;
use smol::prelude::*;
use smol::unblock;
use support::timeout;

/// The longest file name accepted, in bytes: the usual file-system limit.
const MAX_NAME_LEN: u32 = 255;
/// Temporary files start with a dot, and client names may not: the two never collide.
const TEMP_PREFIX: &str = ".upload-";
const BUFFER_SIZE: usize = 64 * 1024;
/// After the reply, how long to read and discard what the client still sends (the rest of a
/// refused body): closing with unread input sends a reset, which could destroy the reply.
const LINGER: Duration = Duration::from_secs(1);

/// Reads the header, checking each part before it is used.
async fn read_header(stream: &mut TcpStream, max_size: u64) -> Result<Header, Refused> {
    let incomplete = |e: io::Error| Refused::logged("incomplete header", e);
    let (mut name_len, mut size) = ([0; 4], [0; 8]);
    stream.read_exact(&mut name_len).await.map_err(incomplete)?;
    let name_len = u32::from_be_bytes(name_len);
    // The client's word, up to 4 GiB: checked before anything is allocated.
    if !(1..=MAX_NAME_LEN).contains(&name_len) {
        return Err(format!("name length {name_len} is not in 1..={MAX_NAME_LEN}").into());
    }
    let mut name = vec![0; name_len as usize];
    stream.read_exact(&mut name).await.map_err(incomplete)?;
    let name = String::from_utf8(name).map_err(|_| Refused::from("name is not valid UTF-8"))?;
    check_file_name(&name)?;
    stream.read_exact(&mut size).await.map_err(incomplete)?;
    let size = u64::from_be_bytes(size);
    if size > max_size {
        return Err(format!("size {size} exceeds the limit of {max_size} bytes").into());
    }
    Ok(Header { name, size })
}

/// Accepts one plain file name directly inside DIR: nothing that could be a path.
fn check_file_name(name: &str) -> Result<(), Refused> {
    // Covers `.` and `..` too, hidden files, and our own temporary files.
    if name.starts_with('.') {
        return Err("name must not start with '.'".into());
    }
    // Either platform's separator; NUL and other control characters, which would garble logs.
    let forbidden = |c: char| c == '/' || c == '\\' || c.is_control();
    if let Some(c) = name.chars().find(|&c| forbidden(c)) {
        return Err(format!("name must not contain {c:?}").into()); // `{:?}` escapes it
    }
    Ok(())
}

/// Reads one upload and stores it; returns its header once the file is in DIR under its name.
async fn receive(
    stream: &mut TcpStream,
    args: &Args,
    shutdown: Receiver<()>,
) -> Result<Header, Refused> {
    let (header_ms, body_ms) = (args.header_timeout.as_millis(), args.body_timeout.as_millis());
    // One deadline for the whole header, so that sending it byte by byte does not stretch it.
    let header = async {
        let header = timeout(args.header_timeout, read_header(stream, args.max_size)).await;
        header.ok_or_else(|| format!("timed out: no complete header within {header_ms} ms"))?
    };
    let turned_away = async {
        let _ = shutdown.recv().await; // fails at once when shutdown begins
        Err("server shutting down".into())
    };
    let header = header.or(turned_away).await?;
    // Checked early, so that nobody sends a large file only to be refused; the no-clobber
    // rename below is what guarantees it, when two uploads of one name race.
    let target = args.dir.join(&header.name);
    match smol::fs::symlink_metadata(&target).await {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Refused::storage(e)),
        Ok(_) => return Err("file already exists".into()),
    }
    // In DIR itself, so that the rename stays within one file system. Dropping `temp`, on any
    // error or at the end of the grace period, deletes the file.
    let dir = args.dir.clone();
    let create = move || tempfile::Builder::new().prefix(TEMP_PREFIX).tempfile_in(dir);
    let temp = unblock(create).await.map_err(Refused::storage)?;
    let file = temp.as_file().try_clone().map_err(Refused::storage)?;
    let mut file = smol::fs::File::from(file);

    // Through one buffer, so that memory does not grow with the file; each read has the body
    // timeout, so that a stalled client is dropped but a slow large upload is not.
    let mut buffer = vec![0; BUFFER_SIZE];
    let mut received = 0;
    while received < header.size {
        let want = buffer.len().min((header.size - received) as usize);
        let read = timeout(args.body_timeout, stream.read(&mut buffer[..want])).await;
        let read = read.ok_or_else(|| format!("timed out: no data for {body_ms} ms"))?;
        let n = read.map_err(|e| Refused::logged("upload failed", e))?;
        if n == 0 {
            let size = header.size;
            return Err(format!("short upload: received {received} of {size} bytes").into());
        }
        file.write_all(&buffer[..n]).await.map_err(Refused::storage)?;
        received += n as u64;
    }
    // The data must be on disk before the name points at it (this flushes `file`'s buffer too).
    file.sync_all().await.map_err(Refused::storage)?;
    let dir = args.dir.clone();
    unblock(move || {
        // Fails, rather than replace a file that appeared since the check above.
        temp.persist_noclobber(&target).map_err(|e| match e.error.kind() {
            io::ErrorKind::AlreadyExists => Refused::from("file already exists"),
            _ => Refused::storage(e.error),
        })?;
        // The rename changed DIR: sync it too, or the new name may not survive a crash.
        let dir = std::fs::File::open(&dir).map_err(Refused::storage)?;
        dir.sync_all().map_err(Refused::storage)
    })
    .await?;
    Ok(header)
}

/// What the header announced.
struct Header {
    name: String,
    size: u64,
}

/// Why an upload was not stored. `reason` goes to the client after `ERR `: fixed text and
/// numbers, never the client's own bytes. `detail` is for the log only: it may name paths.
struct Refused {
    reason: String,
    detail: String,
}

impl Refused {
    fn logged(reason: &str, detail: impl std::fmt::Display) -> Self {
        let (reason, detail) = (reason.to_owned(), detail.to_string());
        Refused { reason, detail }
    }

    /// A failure of the server's own storage: the client learns only that.
    fn storage(error: impl std::fmt::Display) -> Self {
        Refused::logged("server could not store the file", error)
    }
}

impl<T: Into<String>> From<T> for Refused {
    fn from(reason: T) -> Self {
        Refused::logged(&reason.into(), "")
    }
}

/// File upload server.
#[derive(Parser)]
#[command(name = "file_upload_server")]
struct Args {
    /// Address to listen on.
    addr: String,
    /// Directory the files are stored in; it must exist.
    dir: PathBuf,
    /// Largest file accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 30)]
    max_size: u64,
    /// Time allowed for the whole header.
    #[arg(long = "header-timeout-ms", value_name = "MS", default_value = "10000",
          value_parser = support::millis)]
    header_timeout: Duration,
    /// Time allowed without any body data arriving.
    #[arg(long = "body-timeout-ms", value_name = "MS", default_value = "30000",
          value_parser = support::millis)]
    body_timeout: Duration,
    #[command(flatten)]
    server: support::ServerArgs,
}

fn main() -> anyhow::Result<()> {
    let args = Arc::new(Args::parse());
    // Fail at start, clearly, rather than refuse every upload later.
    let dir = args.dir.display();
    let metadata = std::fs::metadata(&args.dir);
    let metadata = metadata.with_context(|| format!("upload directory {dir}"))?;
    anyhow::ensure!(metadata.is_dir(), "upload directory {dir}: not a directory");

    support::run(&args.addr, &args.server, |mut stream, peer, shutdown| {
        let args = Arc::clone(&args);
        async move {
            let reply = match receive(&mut stream, &args, shutdown).await {
                Ok(Header { name, size }) => {
                    eprintln!("{peer}: stored {name:?} ({size} bytes)");
                    "OK\n".to_owned()
                }
                Err(Refused { reason, detail }) => {
                    eprintln!("{peer}: refused: {reason} {detail}");
                    format!("ERR {reason}\n")
                }
            };
            // Best effort: a client that is gone has nobody left to tell. A FIN after the
            // reply (`close` shuts down writing), then what the client still sends is
            // discarded, for a clean end.
            let _ = timeout(LINGER, async {
                stream.write_all(reply.as_bytes()).await?;
                stream.close().await?;
                let mut discard = [0u8; 8192];
                while stream.read(&mut discard).await? > 0 {}
                io::Result::Ok(())
            })
            .await;
        }
    })
}
