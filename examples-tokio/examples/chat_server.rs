//! Chat server: each line goes to every other client; none can lose lines silently or stall others.
//!
//! Each connection's task waits, with `select!`, for the next line from its client or the next
//! message of the room, a bounded `broadcast` channel. `LinesCodec` reads lines cancel-safely and
//! caps them at 8 KiB. A client that falls behind is told `* missed N messages` (exact); one that
//! stops reading is dropped. Accept loop and shutdown: `support/mod.rs`, to copy with it.
//!
//! Guide: 教程 实战案例 (聊天服务器); what it gets wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example chat_server -- 127.0.0.1:8080
//! cargo run -p examples-tokio --example chat_client -- 127.0.0.1:8080
//! ```
//!
//! Clients get `<addr>: <line>` and `* ` notices; the server prints `connected <addr>` per client.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = [
//!     "io-util", "macros", "net", "rt-multi-thread", "signal", "sync", "time"] }
//! tokio-util = { version = "0.7", features = ["codec", "rt"] }
//! futures = "0.3"
//! clap = { version = "4", features = ["derive"] }
//! anyhow = "1"
//! ```

mod support;

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use clap::Parser;
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::{Instant, sleep, timeout};
use tokio_util::codec::{FramedRead, FramedWrite, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;

/// The longest line a client may send, in bytes, without its newline.
const MAX_LINE_LEN: usize = 8192;
/// Messages the room keeps for clients that are behind.
const ROOM_CAPACITY: usize = 128;
/// After a last line, how long to read and discard what the client still sends: closing with
/// unread input sends a reset, which could destroy that line before the client reads it.
const LINGER: Duration = Duration::from_secs(1);

/// One client's session: its lines go to the room, the room's lines come to it.
async fn chat(
    stream: TcpStream,
    peer: SocketAddr,
    room: &Room,
    mut subscription: Subscription,
    args: &Args,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let (reader, writer) = stream.into_split();
    let mut lines = FramedRead::new(reader, LinesCodec::new_with_max_length(MAX_LINE_LEN));
    let mut client = Client { out: FramedWrite::new(writer, LinesCodec::new()), args };
    // The `seq`s of this client's own lines that have not come back from the room yet.
    let mut own_in_flight = VecDeque::new();
    // Messages skipped by `Lagged` since the last one delivered.
    let mut missed: u64 = 0;
    // Reset by every line the client sends, not by what it receives.
    let mut idle = std::pin::pin!(sleep(args.idle_timeout));

    loop {
        tokio::select! {
            // Cancel-safe: when another branch wins, a half-received line stays in the codec's
            // buffer and the next call goes on with it (`read_line` would drop it).
            line = lines.next() => match line {
                None => return Ok(()),
                Some(Ok(line)) => {
                    idle.as_mut().reset(Instant::now() + args.idle_timeout);
                    own_in_flight.push_back(room.publish(peer, line));
                }
                Some(Err(LinesCodecError::MaxLineLengthExceeded)) => {
                    let error = format!("* error: line longer than {MAX_LINE_LEN} bytes");
                    return client.close_with(lines.into_inner(), &error).await;
                }
                Some(Err(LinesCodecError::Io(e))) if e.kind() == io::ErrorKind::InvalidData => {
                    return client.close_with(lines.into_inner(), "* error: invalid UTF-8").await;
                }
                Some(Err(LinesCodecError::Io(e))) => return Err(e.into()),
            },
            received = subscription.recv() => match received {
                Ok(message) => {
                    // Own lines older than this one were skipped by a lag: not missed news.
                    while own_in_flight.front().is_some_and(|&seq| seq < message.seq) {
                        own_in_flight.pop_front();
                        missed = missed.saturating_sub(1);
                    }
                    if missed > 0 {
                        client.send(&format!("* missed {missed} messages")).await?;
                        missed = 0;
                    }
                    if own_in_flight.front() == Some(&message.seq) {
                        own_in_flight.pop_front(); // our own line: the others get it, not us
                    } else {
                        client.send(&format!("{}: {}", message.from, message.text)).await?;
                    }
                }
                // More than the room's capacity behind: the next `recv` gives the oldest message
                // still kept, and the count goes out with it.
                Err(RecvError::Lagged(skipped)) => missed += skipped,
                Err(RecvError::Closed) => return Ok(()), // the room outlives every connection
            },
            () = &mut idle => return client.close_with(lines.into_inner(), "* idle timeout").await,
            () = shutdown.cancelled() => {
                return client.close_with(lines.into_inner(), "* server shutting down").await;
            }
        }
    }
}

type Subscription = broadcast::Receiver<Message>;

/// One chat line on its way through the room.
#[derive(Clone)]
struct Message {
    /// Its position in the channel: a client recognises its own lines by it, also among those
    /// it missed, so they are neither echoed back nor counted as missed.
    seq: u64,
    from: SocketAddr,
    /// Shared, not copied: every receiver clones the message, which only bumps a count.
    text: Arc<str>,
}

/// The room every connection publishes to and is subscribed to.
struct Room {
    sender: broadcast::Sender<Message>,
    /// The next `seq`; locked while sending, so that numbers follow the channel's own order.
    next_seq: Mutex<u64>,
}

impl Room {
    /// Sends `text` to every subscriber, the sender's own connection too; returns its `seq`.
    fn publish(&self, from: SocketAddr, text: String) -> u64 {
        let mut next_seq = self.next_seq.lock().unwrap_or_else(PoisonError::into_inner);
        let seq = *next_seq;
        *next_seq += 1;
        // Fails only when nobody is subscribed, and the publisher always is.
        let _ = self.sender.send(Message { seq, from, text: text.into() });
        seq
    }
}

/// The writing half of a client's connection.
struct Client<'a> {
    out: FramedWrite<OwnedWriteHalf, LinesCodec>,
    args: &'a Args,
}

impl Client<'_> {
    /// Sends one line. Only a client that has stopped reading hits the timeout; without it,
    /// such a client would hold its task forever.
    async fn send(&mut self, line: &str) -> anyhow::Result<()> {
        let limit = self.args.write_timeout;
        match timeout(limit, self.out.send(line)).await {
            Ok(sent) => Ok(sent?),
            Err(_) => {
                anyhow::bail!("not reading: a write waited {} ms, disconnected", limit.as_millis())
            }
        }
    }

    /// Sends a last line and closes: a FIN, then what the client still sends is discarded for a
    /// moment, so that it reads the line and a clean end of stream.
    async fn close_with(
        mut self,
        mut reader: OwnedReadHalf,
        last_line: &str,
    ) -> anyhow::Result<()> {
        self.send(last_line).await?;
        self.out.into_inner().shutdown().await?;
        let mut discard = [0u8; 4096];
        let _ =
            timeout(LINGER, async { while let Ok(1..) = reader.read(&mut discard).await {} }).await;
        Ok(())
    }
}

/// Line-based chat server.
#[derive(Parser)]
#[command(name = "chat_server")]
struct Args {
    /// Address to listen on.
    #[arg(default_value = "127.0.0.1:8080")]
    addr: String,
    /// Disconnect a client that has sent no line for this long.
    #[arg(long = "idle-timeout-ms", value_name = "MS", default_value = "600000",
          value_parser = support::millis)]
    idle_timeout: Duration,
    /// Disconnect a client that has not read for this long while lines wait for it.
    #[arg(long = "write-timeout-ms", value_name = "MS", default_value = "10000",
          value_parser = support::millis)]
    write_timeout: Duration,
    #[command(flatten)]
    server: support::ServerArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Arc::new(Args::parse());
    let (sender, _) = broadcast::channel(ROOM_CAPACITY);
    let room = Arc::new(Room { sender, next_seq: Mutex::new(0) });
    let server = &args.server;
    support::run(&args.addr, server, |stream, peer, shutdown| {
        // Subscribed before `connected` is printed: from then on it sees every message.
        let subscription = room.sender.subscribe();
        println!("connected {peer}");
        let (room, args) = (Arc::clone(&room), Arc::clone(&args));
        async move {
            if let Err(e) = chat(stream, peer, &room, subscription, &args, shutdown).await {
                eprintln!("{peer}: {e:#}");
            }
            println!("disconnected {peer}");
        }
    })
    .await
}
