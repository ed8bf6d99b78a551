//! Upload client: streams one file to the file upload server and reports its answer.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/upload_client.rs
//!
//! Sends the guide's framing (u32 big-endian name length, UTF-8 name, u64 size, bytes), streaming
//! the file with `async_std::io::copy` so that memory stays flat whatever its size. It listens for
//! the answer while it still sends: the server refuses a taken name or an oversized file as soon as
//! it has the header, and the client then stops and shows why, instead of a broken pipe.
//! Next to smol:
//! - the same `lines()` stream (cancel-safe `next()`), raced with `race` (`unstable`) for `or`.
//! - `future::timeout` for smol's `Timer` race; `close` only flushes: the FIN is `shutdown`.
//!
//! Guide: 教程 实战案例 (文件上传服务器), which has no client.
//! ```text
//! cargo run -p examples-async-std --example file_upload_server -- 127.0.0.1:8080 /tmp/uploads
//! cargo run -p examples-async-std --example upload_client -- 127.0.0.1:8080 Cargo.toml [NAME]
//! ```
//! Prints the reply: `OK` (exit 0), or `ERR <reason>` and the reason on stderr (exit 1).
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `FutureExt::race`
//! clap = { version = "4", features = ["derive"] }
//! anyhow = "1"
//! ```

use std::net::Shutdown;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use async_std::fs::File;
use async_std::future::timeout;
use async_std::io::BufReader;
use async_std::net::TcpStream;
use async_std::prelude::*;
use clap::Parser;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// After the last byte: the server still syncs the file to disk before it answers.
const REPLY_TIMEOUT: Duration = Duration::from_secs(60);
/// A reply is `OK` or `ERR <reason>`; anything longer is not a reply.
const MAX_REPLY_LEN: usize = 1024;

/// Uploads `path` as `name` to the server at `addr` and returns the server's reply line.
async fn upload(addr: &str, path: &Path, name: &str) -> anyhow::Result<String> {
    let file = File::open(path).await.with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().await?.len();
    let name_len = u32::try_from(name.len()).context("the name is too long")?;

    let stream = timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
        .await
        .with_context(|| format!("cannot connect to {addr}: timed out"))?
        .with_context(|| format!("cannot connect to {addr}"))?;
    // An async-std `TcpStream` is a shared handle: a clone is the writing half. The reply and its
    // newline are read, no more: a longer one shows up as too long below.
    let mut writer = stream.clone();
    let mut replies = BufReader::new(stream.take(MAX_REPLY_LEN as u64 + 1)).lines();

    let send = async {
        let mut header = Vec::with_capacity(4 + name.len() + 8);
        header.extend_from_slice(&name_len.to_be_bytes());
        header.extend_from_slice(name.as_bytes());
        header.extend_from_slice(&size.to_be_bytes());
        writer.write_all(&header).await?;
        // Exactly the announced size, through one fixed buffer, even if the file grows meanwhile.
        let sent = async_std::io::copy(file.take(size), &mut writer).await?;
        if sent < size {
            bail!("{} shrank while it was being sent", path.display());
        }
        // Nothing more from us (`close` would only flush); the server still answers.
        writer.shutdown(Shutdown::Write)?;
        anyhow::Ok(None) // all sent: the reply is still to come
    };
    // An early answer is a refusal: stop sending (the unfinished send is dropped).
    let early_reply = async { Ok(Some(replies.next().await)) };
    let reply = match early_reply.race(send).await {
        Ok(Some(reply)) => reply,
        // Sending fails when the server refused and closed while we were still writing; its
        // reason, if it got through, says more than our broken pipe.
        Err(e) => {
            return match timeout(Duration::from_secs(1), replies.next()).await {
                Ok(Some(Ok(line))) => Ok(line),
                _ => Err(e.context("cannot send the file")),
            };
        }
        Ok(None) => timeout(REPLY_TIMEOUT, replies.next()).await.with_context(|| {
            format!("no reply within {} s of the last byte", REPLY_TIMEOUT.as_secs())
        })?,
    };
    let reply = reply.context("the server closed the connection without a reply")?;
    let reply = reply.context("cannot read the server's reply")?;
    anyhow::ensure!(reply.len() <= MAX_REPLY_LEN, "the reply is longer than {MAX_REPLY_LEN} bytes");
    Ok(reply)
}

/// Upload client.
#[derive(Parser)]
#[command(name = "upload_client")]
struct Args {
    /// The upload server's address.
    addr: String,
    /// The file to send.
    file: PathBuf,
    /// The name to store it under; the file's own by default.
    name: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let Args { addr, file, name } = Args::parse();
    let name = match name {
        Some(name) => name,
        None => {
            let own = file.file_name().and_then(|name| name.to_str());
            own.with_context(|| format!("{}: no UTF-8 file name; give NAME", file.display()))?
                .to_owned()
        }
    };

    let reply = async_std::task::block_on(upload(&addr, &file, &name))?;
    println!("{reply}");
    if reply == "OK" {
        return Ok(());
    }
    match reply.strip_prefix("ERR ") {
        Some(reason) => bail!("the server refused the upload: {reason}"),
        None => bail!("unexpected reply from the server"),
    }
}
