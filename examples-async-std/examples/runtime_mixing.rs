//! A tokio-only library under async-std: the panic without tokio's context, and `async-compat`.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/runtime_mixing.rs
//!
//! Some libraries call `tokio::time` or `tokio::net` inside their futures, and those need tokio's
//! timer and reactor: polled by any other executor they panic with "there is no reactor running".
//! `async_compat::Compat` wraps such a future so that every poll enters the context of one global
//! tokio runtime: tokio's timers and sockets then work, while the future itself is still polled by
//! async-std, on its thread. The opposite direction, protocol code that needs no runtime at all, is
//! `agnostic`. Next to the smol twin: the same, since `Compat` does not care who polls it.
//!
//! Guide: beyond the guides (running a tokio-only library under another runtime).
//!
//! ```text
//! cargo run -p examples-async-std --example runtime_mixing
//! ```
//!
//! The panic without `Compat`; the library's timer and sockets under it, on async-std's thread.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! async-compat = "0.2"
//! tokio = { version = "1", features = ["io-util", "net", "time"] }
//! anyhow = "1"
//! ```

use std::thread;
use std::time::{Duration, Instant};

use async_compat::Compat;

/// Stands in for a library written for tokio: its futures use tokio's timer and sockets.
mod tokio_only {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    /// Waits `delay` on tokio's timer, then answers.
    pub async fn answer_after(delay: Duration) -> u32 {
        tokio::time::sleep(delay).await;
        42
    }

    /// Sends `message` to a listener of its own on 127.0.0.1 and returns what arrived.
    pub async fn round_trip(message: &[u8]) -> std::io::Result<Vec<u8>> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let mut client = TcpStream::connect(listener.local_addr()?).await?;
        let (mut server, _) = listener.accept().await?;
        client.write_all(message).await?;
        client.shutdown().await?;
        let mut received = Vec::new();
        server.read_to_end(&mut received).await?;
        Ok(received)
    }
}

fn run() -> anyhow::Result<()> {
    // Without a tokio context: the panic, caught by running it on a thread of its own.
    let without =
        thread::spawn(|| async_std::task::block_on(tokio_only::answer_after(Duration::ZERO)));
    let payload = without.join().expect_err("a tokio timer polled by async-std alone must panic");
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(not a string)");
    println!("without Compat: panicked: {message}");

    // With it: the same futures, each wrapped, polled by async-std on this thread.
    let here = thread::current().id();
    async_std::task::block_on(async {
        let started = Instant::now();
        let answer = Compat::new(tokio_only::answer_after(Duration::from_millis(20))).await;
        let on_this_thread = thread::current().id() == here;
        println!(
            "with Compat: timer answered {answer} after {} ms, polled on async-std's thread: \
             {on_this_thread}",
            started.elapsed().as_millis()
        );
        let echoed = Compat::new(tokio_only::round_trip(b"hello")).await?;
        println!("with Compat: tokio sockets carried {:?}", String::from_utf8_lossy(&echoed));
        anyhow::Ok(())
    })
}

fn main() -> anyhow::Result<()> {
    run()
}
