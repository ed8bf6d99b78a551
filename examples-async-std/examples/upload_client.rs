//! Upload client: streams one file to the file upload server and reports its answer.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/upload_client.rs`.
//!
//! Sends the guide's framing (u32 big-endian name length, the UTF-8 name, u64 size, the bytes),
//! streaming the file with `io::copy` so memory stays flat whatever its size. It listens
//! for the answer while it is still sending: the server refuses a name that is taken or a size
//! over its limit as soon as it has read the header, and then the client stops at once and shows
//! the reason, instead of pushing the whole file into a closed connection and reporting only a
//! broken pipe.
//!
//! Guide: 教程 实战案例 (文件上传服务器).
//! The guide gives no client; its server's reply (`OK` with no newline) is not framed, so here the
//! reply is a line, and the exit status says whether the file was stored.
//!
//! Differences from tokio: no `select!` and no `LinesCodec`: the send and the reply race with
//! `FutureExt::race` (`unstable`), which always polls its left side first, and the reply comes
//! from async-std's `lines()` stream, which keeps a half-read line in the stream (so dropping its
//! `next()` loses nothing), over a `take` that bounds its length. `async_std::future::timeout`
//! gives `Err(TimeoutError)` when time runs out, like tokio's. An async-std `TcpStream` is a
//! cloneable handle (no `into_split`), and `shutdown(Shutdown::Write)` is a plain call, not a
//! future.
//!
//! Start the server in one terminal (DIR must exist):
//!
//! ```text
//! cargo run -p examples-async-std --example file_upload_server -- 127.0.0.1:8080 /tmp/uploads
//! ```
//!
//! and upload a file from another (NAME, the name to store it under, defaults to FILE's own):
//!
//! ```text
//! cargo run -p examples-async-std --example upload_client -- 127.0.0.1:8080 Cargo.toml [NAME]
//! ```
//!
//! Prints the server's reply line: `OK` (exit 0), or `ERR <reason>` and then, on stderr,
//! `Error: the server refused the upload: <reason>` (exit 1).
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `FutureExt::race`
//! anyhow = "1"
//! ```

use std::net::Shutdown;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use async_std::fs::File;
use async_std::future::timeout;
use async_std::io::{self, BufReader};
use async_std::net::TcpStream;
use async_std::prelude::*;
use async_std::task;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// After the last byte: the server still syncs the file to disk before it answers.
const REPLY_TIMEOUT: Duration = Duration::from_secs(60);
/// A reply is `OK` or `ERR <reason>`; anything longer is not a reply.
const MAX_REPLY_LEN: usize = 1024;

/// What ended the race between sending and the server's reply.
enum Event {
    Reply(Option<io::Result<String>>),
    Sent(anyhow::Result<()>),
}

/// Uploads `path` as `name` to the server at `addr` and returns the server's reply line.
async fn upload(addr: &str, path: &Path, name: &str) -> anyhow::Result<String> {
    let file = File::open(path)
        .await
        .with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().await?.len();
    let name_len = u32::try_from(name.len()).context("the name is too long")?;

    let stream = timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
        .await
        .with_context(|| format!("cannot connect to {addr}: timed out"))?
        .with_context(|| format!("cannot connect to {addr}"))?;
    // An async-std `TcpStream` is a shared handle: a clone is the writing half.
    let mut writer = stream.clone();
    // At most one reply line and its newline are read; a longer one shows up as too long below.
    let mut replies = BufReader::new(stream.take(MAX_REPLY_LEN as u64 + 1)).lines();

    let send = async {
        let mut header = Vec::with_capacity(4 + name.len() + 8);
        header.extend_from_slice(&name_len.to_be_bytes());
        header.extend_from_slice(name.as_bytes());
        header.extend_from_slice(&size.to_be_bytes());
        writer.write_all(&header).await?;
        // Exactly the announced size, through one fixed buffer, even if the file grows meanwhile.
        let sent = io::copy(&mut file.take(size), &mut writer).await?;
        if sent < size {
            bail!("{} shrank while it was being sent", path.display());
        }
        // Nothing more from us; the server still answers on the other direction.
        writer.shutdown(Shutdown::Write)?;
        anyhow::Ok(())
    };
    let mut send = std::pin::pin!(send);

    let reply = async { Event::Reply(replies.next().await) };
    let sent = async { Event::Sent(send.as_mut().await) };
    let reply = match reply.race(sent).await {
        // An early answer is a refusal: stop sending (the unfinished send is dropped).
        Event::Reply(reply) => reply,
        Event::Sent(sent) => {
            if let Err(e) = sent {
                // Sending fails when the server refused and closed while we were still writing;
                // its reason, if it got through, says more than our broken pipe.
                return match timeout(Duration::from_secs(1), replies.next()).await {
                    Ok(Some(Ok(line))) => Ok(line),
                    _ => Err(e.context("cannot send the file")),
                };
            }
            let waited = REPLY_TIMEOUT.as_secs();
            timeout(REPLY_TIMEOUT, replies.next())
                .await
                .with_context(|| format!("no reply within {waited} s of the last byte"))?
        }
    };
    let reply = reply.context("the server closed the connection without a reply")?;
    let reply = reply.context("cannot read the server's reply")?;
    if reply.len() > MAX_REPLY_LEN {
        bail!("the server's reply is longer than {MAX_REPLY_LEN} bytes");
    }
    Ok(reply)
}

async fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (addr, path, name) = match args.as_slice() {
        [addr, path] => {
            let path = Path::new(path);
            let name = path
                .file_name()
                .and_then(|name| name.to_str())
                .with_context(|| format!("{}: no UTF-8 file name; give NAME", path.display()))?;
            (addr, path, name)
        }
        [addr, path, name] => (addr, Path::new(path), name.as_str()),
        _ => bail!("usage: upload_client ADDR FILE [NAME]"),
    };

    let reply = upload(addr, path, name).await?;
    println!("{reply}");
    if reply == "OK" {
        return Ok(());
    }
    match reply.strip_prefix("ERR ") {
        Some(reason) => bail!("the server refused the upload: {reason}"),
        None => bail!("unexpected reply from the server"),
    }
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
