//! Upload client: streams one file to the file upload server and reports its answer.
//!
//! Sends the guide's framing (u32 big-endian name length, UTF-8 name, u64 size, bytes), streaming
//! the file with `tokio::io::copy` so that memory stays flat whatever its size. It listens for the
//! answer while it still sends: the server refuses a taken name or an oversized file as soon as it
//! has the header, and the client then stops and shows why, instead of a broken pipe.
//!
//! Guide: 教程 实战案例 (文件上传服务器), which has no client.
//!
//! ```text
//! cargo run -p examples-tokio --example file_upload_server -- 127.0.0.1:8080 /tmp/uploads
//! cargo run -p examples-tokio --example upload_client -- 127.0.0.1:8080 Cargo.toml [NAME]
//! ```
//!
//! Prints the reply: `OK` (exit 0), or `ERR <reason>` and the reason on stderr (exit 1).
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["fs", "io-util", "macros", "net", "rt-multi-thread",
//!     "time"] }
//! tokio-util = { version = "0.7", features = ["codec"] }
//! futures = "0.3"
//! clap = { version = "4", features = ["derive"] }
//! anyhow = "1"
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use futures::StreamExt;
use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::{FramedRead, LinesCodec};

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
    let (reader, mut writer) = stream.into_split();
    let mut replies = FramedRead::new(reader, LinesCodec::new_with_max_length(MAX_REPLY_LEN));

    let send = async {
        let mut header = Vec::with_capacity(4 + name.len() + 8);
        header.extend_from_slice(&name_len.to_be_bytes());
        header.extend_from_slice(name.as_bytes());
        header.extend_from_slice(&size.to_be_bytes());
        writer.write_all(&header).await?;
        // Exactly the announced size, through one fixed buffer, even if the file grows meanwhile.
        let sent = tokio::io::copy(&mut file.take(size), &mut writer).await?;
        if sent < size {
            bail!("{} shrank while it was being sent", path.display());
        }
        // Nothing more from us; the server still answers on the other direction.
        writer.shutdown().await?;
        anyhow::Ok(())
    };
    let mut send = std::pin::pin!(send);

    let reply = tokio::select! {
        // An early answer is a refusal: stop sending (the unfinished send is dropped).
        reply = replies.next() => reply,
        sent = &mut send => {
            if let Err(e) = sent {
                // Sending fails when the server refused and closed while we were still writing;
                // its reason, if it got through, says more than our broken pipe.
                return match timeout(Duration::from_secs(1), replies.next()).await {
                    Ok(Some(Ok(line))) => Ok(line),
                    _ => Err(e.context("cannot send the file")),
                };
            }
            timeout(REPLY_TIMEOUT, replies.next()).await.with_context(|| {
                format!("no reply within {} s of the last byte", REPLY_TIMEOUT.as_secs())
            })?
        }
    };
    let reply = reply.context("the server closed the connection without a reply")?;
    reply.context("cannot read the server's reply")
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Args { addr, file, name } = Args::parse();
    let name = match name {
        Some(name) => name,
        None => {
            let own = file.file_name().and_then(|name| name.to_str());
            own.with_context(|| format!("{}: no UTF-8 file name; give NAME", file.display()))?
                .to_owned()
        }
    };

    let reply = upload(&addr, &file, &name).await?;
    println!("{reply}");
    if reply == "OK" {
        return Ok(());
    }
    match reply.strip_prefix("ERR ") {
        Some(reason) => bail!("the server refused the upload: {reason}"),
        None => bail!("unexpected reply from the server"),
    }
}
