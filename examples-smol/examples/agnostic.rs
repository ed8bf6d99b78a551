//! Runtime-agnostic protocol code: framing written once against `futures::io`, driven by smol.
//!
//! Library code that only needs "something I can read and write" should not pick a runtime for its
//! users. `frame::{read_frame, write_frame}` (`frame/mod.rs`) are written against the `futures::io`
//! traits, and the tokio and async-std twins call the very same functions. Differences from tokio:
//! - no compat layer: `smol::io::{AsyncRead, AsyncWrite}` *are* the `futures-io` traits, so a
//!   `smol::net::TcpStream` goes straight in (tokio's twin goes through `tokio_util::compat`).
//! - awaiting the server's `Task` gives its output itself: `server.await?` takes one `?`, not two.
//!
//! Guide: none directly (指南 2.5.1.2 compares the runtimes); what it gets wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example agnostic
//! ```
//!
//! Prints each frame the client sent and the server's reply, then the server refusing a frame whose
//! announced length is over its limit, without allocating it.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! anyhow = "1"
//! futures = "0.3"
//! ```

// One file shared by the three runtimes' twins: `shared/src/frame.rs`, linked here.
mod frame;

use std::io;

use frame::{read_frame, write_frame};
use smol::io::AsyncWriteExt;
use smol::net::{TcpListener, TcpStream};

/// The largest frame the server accepts.
const MAX_FRAME: u32 = 1024;

/// Answers each frame with its bytes reversed, until the client closes or breaks the protocol.
async fn serve_one(mut stream: TcpStream) -> io::Result<()> {
    // The stream already is a `futures::io` stream: the shared code knows nothing of smol.
    while let Some(mut frame) = read_frame(&mut stream, MAX_FRAME).await? {
        frame.reverse();
        write_frame(&mut stream, &frame).await?;
    }
    Ok(())
}

async fn run() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // Kept and awaited below: dropping this `Task` would cancel the server.
    let server = smol::spawn(async move {
        let mut outcomes = Vec::new();
        for _ in 0..2 {
            let (stream, _) = listener.accept().await?;
            outcomes.push(serve_one(stream).await);
        }
        io::Result::Ok(outcomes)
    });

    let mut client = TcpStream::connect(addr).await?;
    for word in ["smol", "async", "frames"] {
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

    for (i, outcome) in server.await?.into_iter().enumerate() {
        match outcome {
            Ok(()) => println!("connection {i}: closed cleanly"),
            Err(e) => println!("connection {i}: refused: {e}"),
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    smol::block_on(run())
}
