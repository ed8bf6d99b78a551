//! Runtime-agnostic protocol code: framing written once against `futures::io`, driven by async-std.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/agnostic.rs
//!
//! Library code that only needs "something I can read and write" should not pick a runtime for its
//! users. `frame::{read_frame, write_frame}` (`frame/mod.rs`) are written against the `futures::io`
//! traits, and the tokio and smol twins call the very same functions. Next to the smol twin:
//! - the same I/O traits: both runtimes' sockets implement `futures::io` with no adapter (tokio's
//!   twin goes through `tokio_util::compat`);
//! - dropping the server's `JoinHandle` would detach its task, where a dropped smol `Task` cancels.
//!
//! Guide: none directly (指南 2.5.1.2 compares the runtimes); what it gets wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example agnostic
//! ```
//! Prints each frame the client sent and the server's reply, then the server refusing a frame whose
//! announced length is over its limit, without allocating it.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! anyhow = "1"
//! futures = "0.3"
//! ```

// One file shared by the three runtimes' twins: `shared/src/frame.rs`, linked here.
mod frame;

use std::io;

use async_std::io::WriteExt;
use async_std::net::{TcpListener, TcpStream};
use async_std::task;
use frame::{read_frame, write_frame};

/// The largest frame the server accepts.
const MAX_FRAME: u32 = 1024;

/// Answers each frame with its bytes reversed, until the client closes or breaks the protocol.
async fn serve_one(mut stream: TcpStream) -> io::Result<()> {
    // The stream already is a `futures::io` stream: the shared code knows nothing of async-std.
    while let Some(mut frame) = read_frame(&mut stream, MAX_FRAME).await? {
        frame.reverse();
        write_frame(&mut stream, &frame).await?;
    }
    Ok(())
}

async fn run() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // Kept and awaited below: dropping this `JoinHandle` would detach the server, and its
    // outcomes would be lost.
    let server = task::spawn(async move {
        let mut outcomes = Vec::new();
        for _ in 0..2 {
            let (stream, _) = listener.accept().await?;
            outcomes.push(serve_one(stream).await);
        }
        io::Result::Ok(outcomes)
    });

    let mut client = TcpStream::connect(addr).await?;
    for word in ["async-std", "async", "frames"] {
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
    task::block_on(run())
}
