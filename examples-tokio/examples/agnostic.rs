//! Runtime-agnostic protocol code: framing written once against `futures::io`, driven by tokio.
//!
//! Library code that only needs "something I can read and write" should not pick a runtime for its
//! users, and need not: `frame::{read_frame, write_frame}` (`frame/mod.rs`) are written against the
//! `futures::io` traits, and the async-std and smol twins call the very same functions. tokio's own
//! `AsyncRead`/`AsyncWrite` differ: `.compat()`, from `tokio_util::compat`, adapts its streams.
//!
//! Guide: beyond the guides (their runtime comparison is 指南 2.5.1.2); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example agnostic
//! ```
//!
//! Prints each frame the client sent and the server's reply, then the server refusing a frame whose
//! announced length is over its limit, without allocating it.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["io-util", "macros", "net", "rt-multi-thread"] }
//! tokio-util = { version = "0.7", features = ["compat"] }
//! anyhow = "1"
//! futures = "0.3"
//! ```

// One file shared by the three runtimes' twins: `shared/src/frame.rs`, linked here.
mod frame;

use std::io;

use frame::{read_frame, write_frame};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::compat::TokioAsyncReadCompatExt;

/// The largest frame the server accepts.
const MAX_FRAME: u32 = 1024;

/// Answers each frame with its bytes reversed, until the client closes or breaks the protocol.
async fn serve_one(stream: TcpStream) -> io::Result<()> {
    // From here on the stream is a `futures::io` stream: the shared code knows nothing of tokio.
    let mut stream = stream.compat();
    while let Some(mut frame) = read_frame(&mut stream, MAX_FRAME).await? {
        frame.reverse();
        write_frame(&mut stream, &frame).await?;
    }
    Ok(())
}

async fn run() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let mut outcomes = Vec::new();
        for _ in 0..2 {
            let (stream, _) = listener.accept().await?;
            outcomes.push(serve_one(stream).await);
        }
        io::Result::Ok(outcomes)
    });

    let mut client = TcpStream::connect(addr).await?.compat();
    for word in ["tokio", "async", "frames"] {
        write_frame(&mut client, word.as_bytes()).await?;
        let reply = read_frame(&mut client, MAX_FRAME)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the server closed early"))?;
        println!("sent {word:?}, got {:?}", String::from_utf8_lossy(&reply));
    }
    drop(client); // a clean end of stream: the server's loop ends with `Ok`

    // A hostile client announces a 4 GiB frame; the server refuses before allocating anything.
    let mut hostile = TcpStream::connect(addr).await?;
    hostile.write_all(&u32::MAX.to_be_bytes()).await?;

    for (i, outcome) in server.await??.into_iter().enumerate() {
        match outcome {
            Ok(()) => println!("connection {i}: closed cleanly"),
            Err(e) => println!("connection {i}: refused: {e}"),
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
