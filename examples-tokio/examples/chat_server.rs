//! Line-based chat server: every line a client sends goes to every other client, and no client
//! can lose messages silently, stall the others or grow the server's memory.
//!
//! Each connection has its own task that waits, with `select!`, for whichever comes first: the
//! next line from its client or the next message from the room (a `tokio::sync::broadcast`
//! channel). Lines are framed by `LinesCodec` with a length limit, so a client that never sends a
//! newline costs at most 8 KiB. The channel is bounded (128 messages): a client that reads too
//! slowly to keep up is skipped forward and told `* missed N messages` instead of either losing
//! them silently or making the server queue without bound; N is exact, and leaves out the
//! client's own lines, which it is never sent anyway (messages carry a sequence number for this). A client that stops reading altogether
//! is disconnected after the write timeout; slow writes only ever hold up that client's own task.
//!
//! Guide: 教程 实战案例 (聊天服务器).
//! The guide's `read_line` inside `select!` drops a half-read line whenever a broadcast wins the
//! race, and it reads lines of any length, ignores `Lagged` (silent loss) and dies on a failed
//! `accept`; here reading is cancel-safe and bounded, lag is reported, and shutdown is graceful.
//!
//! ```text
//! cargo run -p examples-tokio --example chat_server -- 127.0.0.1:8080
//! ```
//!
//! and in two other terminals (type a line in one, it appears in the other):
//!
//! ```text
//! cargo run -p examples-tokio --example chat_client -- 127.0.0.1:8080
//! ```
//!
//! Clients receive `<peer addr>: <line>` for every other client's line, and server notices that
//! start with `* ` (`* missed N messages`, `* error: ...` just before a disconnect, `* idle
//! timeout`, `* server shutting down`). Stdout: `listening on <addr>`, then `connected <addr>`
//! once a client is subscribed to the room, `disconnected <addr>` when it leaves, and
//! `shutdown complete` after Ctrl+C; errors go to stderr. Flags (after the address):
//! `--max-connections N` (default 1024), `--idle-timeout-ms N` disconnects a client that sent no
//! line for N ms (default 600000), `--write-timeout-ms N` disconnects a client that has not read
//! for N ms while the server has data for it (default 10000).
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["io-util", "macros", "net", "rt-multi-thread", "signal", "sync", "time"] }
//! tokio-util = { version = "0.7", features = ["codec", "rt"] }
//! futures = "0.3"
//! anyhow = "1"
//! ```

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail};
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Semaphore;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::{Instant, sleep, timeout};
use tokio_util::codec::{FramedRead, FramedWrite, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// The longest line a client may send, in bytes, without its newline.
const MAX_LINE_LEN: usize = 8192;
/// Messages the room keeps for clients that are behind; a client further behind is skipped
/// forward and told how many it missed.
const ROOM_CAPACITY: usize = 128;
const DEFAULT_MAX_CONNECTIONS: usize = 1024;
const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(600);
const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// First and longest pause after a failed `accept`; the pause doubles between the two.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);
/// How long connections may take to say goodbye after a shutdown signal before they are closed.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// After an error line, how long the server keeps reading (and discarding) what the client had
/// already sent, so that closing does not answer it with a reset that could destroy the error
/// line before the client has read it.
const LINGER: Duration = Duration::from_secs(1);

const USAGE: &str = "usage: chat_server [ADDR] [--max-connections N] [--idle-timeout-ms N] \
                     [--write-timeout-ms N]";

struct Settings {
    max_connections: usize,
    idle_timeout: Duration,
    write_timeout: Duration,
}

/// One chat line on its way through the room.
#[derive(Clone)]
struct Message {
    /// Position in the channel: lets a client recognise its own lines, also among those it
    /// missed, so they are neither echoed back nor counted as missed.
    seq: u64,
    from: SocketAddr,
    /// Shared rather than copied: every receiver clones the message, which only bumps a count.
    text: Arc<str>,
}

/// The chat room every connection publishes to and is subscribed to.
struct Room {
    sender: broadcast::Sender<Message>,
    /// The next `seq`; locked while sending so that numbers follow the channel's own order.
    next_seq: Mutex<u64>,
}

impl Room {
    fn new() -> Self {
        Room {
            sender: broadcast::Sender::new(ROOM_CAPACITY),
            next_seq: Mutex::new(0),
        }
    }

    /// Sends `text` to every subscriber (the sender's own connection too) and returns its `seq`.
    fn publish(&self, from: SocketAddr, text: String) -> u64 {
        // A panic while holding this lock cannot leave the counter half-updated.
        let mut next_seq = self.next_seq.lock().unwrap_or_else(PoisonError::into_inner);
        let seq = *next_seq;
        *next_seq += 1;
        // `send` fails only when nobody is subscribed, and the publisher itself always is.
        let _ = self.sender.send(Message {
            seq,
            from,
            text: text.into(),
        });
        seq
    }
}

/// Accepts clients on `listener` and runs the chat room until `shutdown` completes, then says
/// goodbye to the clients, closes what is left after the grace period, and returns.
async fn serve(listener: TcpListener, settings: Settings, shutdown: impl Future<Output = ()>) {
    let room = Arc::new(Room::new());
    let settings = Arc::new(settings);
    // Cancelled on the shutdown signal: each connection tells its client and ends.
    let shutting_down = CancellationToken::new();
    // Cancelled when the grace period is over: whatever is still running is dropped.
    let close_connections = CancellationToken::new();
    // Knows which connection tasks are still running, so shutdown can wait for exactly those.
    let connections = TaskTracker::new();
    let permits = Arc::new(Semaphore::new(settings.max_connections));
    let mut backoff = ACCEPT_BACKOFF_MIN;
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        // Take a permit before accepting: at the cap, new clients wait in the kernel's backlog
        // instead of costing a task, buffers and a descriptor each.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_closed) => break, // never closed here
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    backoff = ACCEPT_BACKOFF_MIN;
                    accepted
                }
                Err(e) => {
                    // EMFILE clears only when connections close, ECONNABORTED at once: retrying
                    // at once would spin, giving up would end the chat for everybody.
                    eprintln!("accept failed: {e}; retrying in {} ms", backoff.as_millis());
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                    continue;
                }
            },
        };

        // Subscribe before announcing the client: from `connected` on it sees every message.
        let subscription = room.sender.subscribe();
        println!("connected {peer}");
        let room = Arc::clone(&room);
        let settings = Arc::clone(&settings);
        let shutting_down = shutting_down.clone();
        let close = close_connections.clone();
        connections.spawn(async move {
            // Held until the connection ends; then the next client may be accepted.
            let _permit = permit;
            let chat = chat(stream, peer, &room, subscription, &settings, &shutting_down);
            match close.run_until_cancelled(chat).await {
                Some(Ok(())) => {}
                Some(Err(e)) => eprintln!("{peer}: {e:#}"),
                None => eprintln!("{peer}: closed at the end of the shutdown grace period"),
            }
            println!("disconnected {peer}");
        });
    }

    // Stop accepting: new clients are refused from now on, not left waiting in the backlog.
    drop(listener);
    shutting_down.cancel();
    connections.close();
    if timeout(SHUTDOWN_GRACE, connections.wait()).await.is_err() {
        close_connections.cancel();
        connections.wait().await;
    }
}

/// Runs one client's session: relays its lines to the room and the room's lines to it.
async fn chat(
    stream: TcpStream,
    peer: SocketAddr,
    room: &Room,
    mut subscription: broadcast::Receiver<Message>,
    settings: &Settings,
    shutting_down: &CancellationToken,
) -> anyhow::Result<()> {
    let (reader, writer) = stream.into_split();
    let mut lines = FramedRead::new(reader, LinesCodec::new_with_max_length(MAX_LINE_LEN));
    let mut client = Client {
        out: FramedWrite::new(writer, LinesCodec::new()),
        write_timeout: settings.write_timeout,
    };
    // The `seq`s of this client's own lines that it has not yet seen come back from the room.
    let mut own_in_flight = VecDeque::new();
    // Messages skipped by `Lagged` since the last message, reported with the next one.
    let mut missed: u64 = 0;
    // Reset by every line the client sends, not by what it receives.
    let idle = sleep(settings.idle_timeout);
    let mut idle = std::pin::pin!(idle);

    loop {
        tokio::select! {
            // Cancel-safe: when another branch wins, the bytes of a half-received line stay in
            // the codec's buffer and the next call continues that line. (`read_line` would
            // drop them.)
            line = lines.next() => match line {
                None => return Ok(()),
                Some(Ok(line)) => {
                    idle.as_mut().reset(Instant::now() + settings.idle_timeout);
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
                    // Own lines older than this one were skipped by a lag: not news to this
                    // client, so not missed either.
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
                // This client fell more than the room's capacity behind; the next `recv` gives
                // the oldest message still kept, and the count is reported with it.
                Err(RecvError::Lagged(skipped)) => missed += skipped,
                Err(RecvError::Closed) => return Ok(()), // the room outlives every connection
            },
            () = &mut idle => return client.close_with(lines.into_inner(), "* idle timeout").await,
            () = shutting_down.cancelled() => {
                return client.close_with(lines.into_inner(), "* server shutting down").await;
            }
        }
    }
}

/// The writing half of a client's connection.
struct Client {
    out: FramedWrite<OwnedWriteHalf, LinesCodec>,
    /// How long one line may wait for room in the client's socket buffer. Only a client that has
    /// stopped reading hits it; without it, such a client would hold its task forever.
    write_timeout: Duration,
}

impl Client {
    /// Sends one line and flushes it.
    async fn send(&mut self, line: &str) -> anyhow::Result<()> {
        match timeout(self.write_timeout, self.out.send(line)).await {
            Ok(sent) => Ok(sent?),
            Err(_elapsed) => bail!(
                "not reading: a write waited {} ms, disconnected",
                self.write_timeout.as_millis()
            ),
        }
    }

    /// Sends a last line (an error or a goodbye) and closes the connection cleanly.
    async fn close_with(
        mut self,
        mut reader: OwnedReadHalf,
        last_line: &str,
    ) -> anyhow::Result<()> {
        self.send(last_line).await?;
        // End our side with a FIN, so the client reads the line and then a clean end of stream.
        let mut writer = self.out.into_inner();
        writer.shutdown().await?;
        // Closing a socket with unread input sends a reset, which may reach the client before
        // it has read our line and destroy it. So read and discard what it still sends, for a
        // short while, before dropping the socket.
        let mut discard = [0u8; 4096];
        let _ = timeout(LINGER, async {
            while let Ok(1..) = reader.read(&mut discard).await {}
        })
        .await;
        Ok(())
    }
}

/// Completes on the first SIGINT (Ctrl+C) or SIGTERM. Installed before the server announces its
/// address, so a signal sent right after `listening on` is never lost.
fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => eprintln!("SIGINT received, shutting down"),
            _ = terminate.recv() => eprintln!("SIGTERM received, shutting down"),
        }
    })
}

/// Parses a flag's value as a positive number.
fn positive(flag: &str, value: Option<String>) -> anyhow::Result<u64> {
    let value = value.with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
    value
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .with_context(|| format!("{flag}: `{value}` is not a positive number"))
}

/// Parses a flag's value as a timeout in milliseconds, at most a day: `Instant + Duration`
/// panics on overflow, so an absurd value must be refused here, not met on the first deadline.
fn millis(flag: &str, value: Option<String>) -> anyhow::Result<Duration> {
    const MAX_MS: u64 = 24 * 60 * 60 * 1000;
    let ms = positive(flag, value)?;
    anyhow::ensure!(ms <= MAX_MS, "{flag}: at most {MAX_MS} ms (one day)");
    Ok(Duration::from_millis(ms))
}

fn parse_args() -> anyhow::Result<(String, Settings)> {
    let mut addr = None;
    let mut settings = Settings {
        max_connections: DEFAULT_MAX_CONNECTIONS,
        idle_timeout: DEFAULT_IDLE_TIMEOUT,
        write_timeout: DEFAULT_WRITE_TIMEOUT,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--max-connections" => {
                settings.max_connections = usize::try_from(positive(&arg, args.next())?)
                    .ok()
                    .filter(|&n| n <= Semaphore::MAX_PERMITS)
                    .context("--max-connections: too large")?;
            }
            "--idle-timeout-ms" => {
                settings.idle_timeout = millis(&arg, args.next())?;
            }
            "--write-timeout-ms" => {
                settings.write_timeout = millis(&arg, args.next())?;
            }
            _ if arg.starts_with("--") || addr.is_some() => {
                bail!("unexpected argument `{arg}`\n{USAGE}")
            }
            _ => addr = Some(arg),
        }
    }
    Ok((addr.unwrap_or_else(|| DEFAULT_ADDR.to_owned()), settings))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (addr, settings) = parse_args()?;
    let listener = TcpListener::bind(addr.as_str())
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let shutdown = shutdown_signal()?;
    println!("listening on {}", listener.local_addr()?);

    serve(listener, settings, shutdown).await;
    println!("shutdown complete");
    Ok(())
}
