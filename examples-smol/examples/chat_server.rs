//! Chat server: each line goes to every other client; none can lose lines silently or stall others.
//!
//! Each connection's task races its client's next line against the room's next message (a bounded
//! `async-broadcast` channel). Lines are capped at 8 KiB; a client that falls behind is told
//! `* missed N messages` (exact). Skeleton: `support/mod.rs`, copy it too. Differences from tokio:
//! - no `LinesCodec`: `read_until` into a buffer kept across calls reads lines cancel-safely.
//! - `async-broadcast` closes when its last receiver goes: an inactive one keeps the room open.
//!
//! Guide: 教程 实战案例 (聊天服务器); what it gets wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example chat_server -- 127.0.0.1:8080
//! cargo run -p examples-smol --example chat_client -- 127.0.0.1:8080
//! ```
//!
//! Clients get `<addr>: <line>` and `* ` notices; the server prints `connected <addr>` per client.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! async-broadcast = "0.7"
//! async-signal = "0.2"
//! clap = { version = "4", features = ["derive"] }
//! anyhow = "1"
//! ```

mod support;

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use async_broadcast::{RecvError, Sender};
use clap::Parser;
use smol::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Take};
use smol::net::TcpStream;
use smol::prelude::*;
use smol::{Timer, channel};
use support::timeout;

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
    shutdown: channel::Receiver<()>,
) -> anyhow::Result<()> {
    // A smol `TcpStream` is a shared handle: a clone is the writing half.
    let (mut reader, mut line) = (BufReader::new(stream.clone()).take(0), Vec::new());
    let mut client = Client { out: stream, args };
    // The `seq`s of this client's own lines that have not come back from the room yet.
    let mut own_in_flight = VecDeque::new();
    // Messages skipped by `Overflowed` since the last one delivered.
    let mut missed: u64 = 0;
    // Reset by every line the client sends, not by what it receives.
    let mut idle = Timer::after(args.idle_timeout);

    loop {
        // No `select!`: each branch maps into `Event`, and `race` picks a ready one at random.
        let next = async { Event::Line(next_line(&mut reader, &mut line).await) };
        let received = async { Event::Room(subscription.recv_direct().await) };
        let idle_over = async {
            (&mut idle).await;
            Event::Close("* idle timeout")
        };
        let shutting_down = async {
            let _ = shutdown.recv().await; // fails at once when shutdown begins
            Event::Close("* server shutting down")
        };
        match next.race(received).race(idle_over).race(shutting_down).await {
            Event::Line(Ok(None)) => return Ok(()),
            Event::Line(Ok(Some(line))) => {
                idle.set_after(args.idle_timeout);
                own_in_flight.push_back(room.publish(peer, line));
            }
            // Too long or not UTF-8: the client is told which, then closed.
            Event::Line(Err(e)) if e.kind() == io::ErrorKind::InvalidData => {
                return client.close_with(&format!("* error: {e}")).await;
            }
            Event::Line(Err(e)) => return Err(e.into()),
            Event::Room(Ok(message)) => {
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
            Event::Room(Err(RecvError::Overflowed(skipped))) => missed += skipped,
            Event::Room(Err(RecvError::Closed)) => return Ok(()), // the room outlives us all
            Event::Close(last_line) => return client.close_with(last_line).await,
        }
        // No coop budget in smol: while a flooding client's lines (or the room's messages) are
        // always ready, this loop would never give its thread to the other connections.
        smol::future::yield_now().await;
    }
}

/// What a connection's task woke up for.
enum Event {
    Line(io::Result<Option<String>>),
    Room(Result<Message, RecvError>),
    Close(&'static str),
}

type Subscription = async_broadcast::Receiver<Message>;

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
    sender: Sender<Message>,
    /// The next `seq`; locked while sending, so that numbers follow the channel's own order.
    next_seq: Mutex<u64>,
}

impl Room {
    /// Sends `text` to every subscriber, the sender's own connection too; returns its `seq`.
    fn publish(&self, from: SocketAddr, text: String) -> u64 {
        let mut next_seq = self.next_seq.lock().unwrap_or_else(PoisonError::into_inner);
        let seq = *next_seq;
        *next_seq += 1;
        // Never full in overflow mode: fails only with nobody subscribed, and the sender is.
        let _ = self.sender.try_broadcast(Message { seq, from, text: text.into() });
        seq
    }
}

/// Reads the rest of the next line into `line`; `Ok(None)` at the end of the stream. Cancel-safe:
/// `read_until` appends to `line` as it reads, so a half-read line stays there for the next call.
/// A line over `MAX_LINE_LEN` (which `take` caps) or not UTF-8 is an `InvalidData` error.
async fn next_line(reader: &mut Reader, line: &mut Vec<u8>) -> io::Result<Option<String>> {
    let invalid = |why: String| io::Error::new(io::ErrorKind::InvalidData, why);
    reader.set_limit((MAX_LINE_LEN + 1 - line.len()) as u64);
    reader.read_until(b'\n', line).await?;
    if line.pop_if(|&mut b| b == b'\n').is_some() {
        line.pop_if(|&mut b| b == b'\r');
    } else if line.len() > MAX_LINE_LEN {
        return Err(invalid(format!("line longer than {MAX_LINE_LEN} bytes")));
    } else if line.is_empty() {
        return Ok(None); // the end of the stream; a last line without its `\n` still counts
    }
    let line = String::from_utf8(std::mem::take(line));
    Ok(Some(line.map_err(|_| invalid("invalid UTF-8".into()))?))
}

/// A client's reading half, with a `take` that bounds each line.
type Reader = Take<BufReader<TcpStream>>;

/// The writing half of a client's connection.
struct Client<'a> {
    out: TcpStream,
    args: &'a Args,
}

impl Client<'_> {
    /// Sends one line. Only a client that has stopped reading hits the timeout; without it,
    /// such a client would hold its task forever.
    async fn send(&mut self, line: &str) -> anyhow::Result<()> {
        let (limit, ms) = (self.args.write_timeout, self.args.write_timeout.as_millis());
        let sent = timeout(limit, self.out.write_all(format!("{line}\n").as_bytes())).await;
        Ok(sent.with_context(|| format!("not reading: a write waited {ms} ms, disconnected"))??)
    }

    /// Sends a last line and closes: a FIN (`close` shuts down writing), then what the client
    /// still sends is discarded for a moment, so that it reads the line and a clean end of stream.
    async fn close_with(mut self, last_line: &str) -> anyhow::Result<()> {
        self.send(last_line).await?;
        self.out.close().await?;
        let mut discard = [0u8; 4096];
        let _ = timeout(LINGER, async { while let Ok(1..) = self.out.read(&mut discard).await {} })
            .await;
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

fn main() -> anyhow::Result<()> {
    let args = Arc::new(Args::parse());
    let (mut sender, receiver) = async_broadcast::broadcast(ROOM_CAPACITY);
    // When the room is full, its oldest message goes (a lagging client is told so) instead of
    // every publisher waiting for the slowest reader.
    sender.set_overflow(true);
    // An `async-broadcast` channel closes when its last receiver is dropped: this one keeps the
    // room open while nobody is in it (inactive, it holds no messages back).
    let _keep_open = receiver.deactivate();
    let room = Arc::new(Room { sender, next_seq: Mutex::new(0) });
    support::run(&args.addr, &args.server, |stream, peer, shutdown| {
        // Subscribed before `connected` is printed: from then on it sees every message.
        let subscription = room.sender.new_receiver();
        println!("connected {peer}");
        let (room, args) = (Arc::clone(&room), Arc::clone(&args));
        async move {
            if let Err(e) = chat(stream, peer, &room, subscription, &args, shutdown).await {
                eprintln!("{peer}: {e:#}");
            }
            println!("disconnected {peer}");
        }
    })
}
