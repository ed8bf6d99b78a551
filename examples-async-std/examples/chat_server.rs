//! Line-based chat server: every line a client sends goes to every other client, and no client
//! can lose messages silently, stall the others or grow the server's memory.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/chat_server.rs`.
//!
//! Each connection has its own task that waits, with `race`, for whichever comes first: the next
//! line from its client or the next message from the room (an `async-broadcast` channel). Lines
//! are read with a length limit, so a client that never sends a newline costs at most 8 KiB. The
//! channel is bounded (128 messages) and in overflow mode: a client that reads too slowly to keep
//! up is skipped forward and told `* missed N messages` instead of either losing them silently
//! or making the server queue without bound; N is exact, and leaves out the client's own lines,
//! which it is never sent anyway (messages carry a sequence number for this). A client that stops
//! reading altogether is disconnected after the write timeout; slow writes only ever hold up that
//! client's own task.
//!
//! Guide: 教程 实战案例 (聊天服务器).
//! The guide's `read_line` inside `select!` drops a half-read line whenever a broadcast wins the
//! race, and it reads lines of any length, ignores `Lagged` (silent loss) and dies on a failed
//! `accept`; here reading is cancel-safe and bounded, lag is reported, and shutdown is graceful.
//!
//! Differences from tokio: there is no `LinesCodec`, and async-std's `read_line` is not
//! cancel-safe (its future takes the line's bytes out of the `String` while it reads, so dropping
//! it loses them), so `LineReader` below keeps the half-read line in the connection, outside the
//! future that `race` drops. There is no `select!`: async-std's `FutureExt::race` (`unstable`)
//! always polls its left side first, so shutdown and the idle timer go first, and the client's
//! lines and the room's messages take turns at going first, so neither can starve the other.
//! There is no resettable timer: each wait sleeps for what is left of the idle limit.
//! `async-broadcast` needs `set_overflow(true)` to drop old messages instead of making
//! `broadcast` wait for the slowest client; it reports a lag as `RecvError::Overflowed(n)` only
//! through `recv()` (its `Stream` impl skips the gap silently); and its channel closes for good
//! when the last receiver is dropped, so the room keeps an `InactiveReceiver` to survive being
//! empty. A dropped `JoinHandle` detaches its task, which runs on: so the handles are kept, and
//! after the grace period each one left is `cancel().await`ed; there is no `is_finished`, so
//! finished ones are found by polling each handle once with `now_or_never`. Polling a handle
//! would resume a panic of its task in the poller (here, the accept loop or shutdown), so each
//! connection catches its own. There is no cooperative budget: the loop yields once per event.
//! Signals come from `async-signal`, the semaphore from `async-lock`, and
//! `shutdown(Shutdown::Write)` is a plain call, not a future.
//!
//! ```text
//! cargo run -p examples-async-std --example chat_server -- 127.0.0.1:8080
//! ```
//!
//! and in two other terminals (type a line in one, it appears in the other):
//!
//! ```text
//! cargo run -p examples-async-std --example chat_client -- 127.0.0.1:8080
//! ```
//!
//! Clients receive `<peer addr>: <line>` for every other client's line, and server notices that
//! start with `* ` (`* missed N messages`, `* error: ...` just before a disconnect, `* idle
//! timeout`, `* server shutting down`). Stdout: `listening on <addr>`, then `connected <addr>`
//! once a client is subscribed to the room, `disconnected <addr>` when it leaves, and
//! `shutdown complete` after Ctrl+C; errors go to stderr. Flags (after the address):
//! `--max-connections N` (default 1024), `--idle-timeout-ms N` disconnects a client that sent no
//! line for N ms (default 600000), `--write-timeout-ms N` disconnects a client that has not read
//! for N ms while the server has data for it (default 10000). The connection tasks run on
//! async-std's global executor: one thread per core unless `ASYNC_STD_THREAD_COUNT` says otherwise.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `FutureExt::race`
//! async-broadcast = "0.7"
//! async-lock = "3"
//! async-signal = "0.2"
//! futures = "0.3"
//! anyhow = "1"
//! ```

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use async_broadcast::{InactiveReceiver, Receiver, RecvError, Sender};
use async_lock::Semaphore;
use async_signal::{Signal, Signals};
use async_std::channel;
use async_std::future;
use async_std::io::BufReader;
use async_std::net::{TcpListener, TcpStream};
use async_std::prelude::*;
use async_std::task::{self, JoinHandle};
use futures::future::Either;
use futures::{AsyncBufReadExt as _, FutureExt as _};

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
    sender: Sender<Message>,
    /// Keeps the channel open while no client is connected: an `async-broadcast` channel closes
    /// when its last active receiver is dropped. An inactive one holds no messages back.
    _keep_open: InactiveReceiver<Message>,
    /// The next `seq`; locked while sending so that numbers follow the channel's own order.
    next_seq: Mutex<u64>,
}

impl Room {
    fn new() -> Self {
        let (mut sender, receiver) = async_broadcast::broadcast(ROOM_CAPACITY);
        // When the room is full, drop its oldest message (a lagging client learns of it)
        // instead of making every publisher wait for the slowest reader.
        sender.set_overflow(true);
        Room {
            sender,
            _keep_open: receiver.deactivate(),
            next_seq: Mutex::new(0),
        }
    }

    /// A receiver of every message published from now on.
    fn subscribe(&self) -> Receiver<Message> {
        self.sender.new_receiver()
    }

    /// Sends `text` to every subscriber (the sender's own connection too) and returns its `seq`.
    fn publish(&self, from: SocketAddr, text: String) -> u64 {
        // A panic while holding this lock cannot leave the counter half-updated.
        let mut next_seq = self.next_seq.lock().unwrap_or_else(PoisonError::into_inner);
        let seq = *next_seq;
        *next_seq += 1;
        // In overflow mode `try_broadcast` never finds the room full; it fails only when the
        // channel is closed or nobody is subscribed, and the publisher itself always is.
        let _ = self.sender.try_broadcast(Message {
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
    // Closed on the shutdown signal: every connection's `recv` then fails at once, and each
    // tells its client and ends. Nothing is ever sent on it.
    let (stop_connections, shutting_down) = channel::bounded::<()>(1);
    // The running connection tasks, kept so shutdown can wait for exactly those and cancel
    // what is left after the grace period.
    let mut connections: Vec<(SocketAddr, JoinHandle<()>)> = Vec::new();
    let permits = Arc::new(Semaphore::new(settings.max_connections));
    let mut backoff = ACCEPT_BACKOFF_MIN;
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        // Take a permit before accepting: at the cap, new clients wait in the kernel's backlog
        // instead of costing a task, buffers and a descriptor each.
        let permit = async { Some(permits.acquire_arc().await) };
        let Some(permit) = permit.race(stopped(shutdown.as_mut())).await else {
            break;
        };
        // `race` polls its left side first: a client the kernel has already connected is
        // taken, and told the server is shutting down, rather than reset with the backlog.
        let accepted = async { Some(listener.accept().await) };
        let (stream, peer) = match accepted.race(stopped(shutdown.as_mut())).await {
            None => break,
            Some(Ok(accepted)) => {
                backoff = ACCEPT_BACKOFF_MIN;
                accepted
            }
            Some(Err(e)) => {
                // EMFILE clears only when connections close, ECONNABORTED at once: retrying at
                // once would spin, giving up would end the chat for everybody.
                eprintln!("accept failed: {e}; retrying in {} ms", backoff.as_millis());
                let pause = async {
                    task::sleep(backoff).await;
                    Some(())
                };
                if pause.race(stopped(shutdown.as_mut())).await.is_none() {
                    break;
                }
                backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                continue;
            }
        };

        // Subscribe before announcing the client: from `connected` on it sees every message.
        let subscription = room.subscribe();
        println!("connected {peer}");
        let room = Arc::clone(&room);
        let settings = Arc::clone(&settings);
        let shutting_down = shutting_down.clone();
        let task = task::spawn(async move {
            // Held until the connection ends; then the next client may be accepted.
            let _permit = permit;
            let chat = chat(stream, peer, &room, subscription, &settings, &shutting_down);
            // A panic would otherwise be stored in the task and resumed in `serve` when it polls
            // the handle, ending the server for everybody; here it ends only this connection.
            match AssertUnwindSafe(chat).catch_unwind().await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => eprintln!("{peer}: {e:#}"),
                Err(_panic) => eprintln!("{peer}: connection task panicked"),
            }
            println!("disconnected {peer}");
        });
        // Dropping a running task's `JoinHandle` would not stop it, only lose the way to wait
        // for it and cancel it, so the handles stay here until their tasks have finished. A
        // `JoinHandle` has no `is_finished`: polling it once, without waiting, tells (and takes
        // the task's `()`).
        connections.retain_mut(|(_, task)| task.now_or_never().is_none());
        connections.push((peer, task));
    }

    // Stop accepting: new clients are refused from now on, not left waiting in the backlog.
    drop(listener);
    stop_connections.close();
    let all_finished = async {
        while let Some((_, task)) = connections.last_mut() {
            task.await;
            connections.pop();
        }
    };
    if future::timeout(SHUTDOWN_GRACE, all_finished).await.is_err() {
        // `cancel` drops the connection's future (closing its socket) and waits until that is
        // done; it gives `None` unless the task finished just before.
        for (peer, task) in connections {
            if task.cancel().await.is_none() {
                eprintln!("{peer}: closed at the end of the shutdown grace period");
                println!("disconnected {peer}");
            }
        }
    }
}

/// Completes when `shutdown` does, as `None`: the other side of a `race` in the accept loop.
async fn stopped<T>(shutdown: Pin<&mut impl Future<Output = ()>>) -> Option<T> {
    shutdown.await;
    None
}

/// What a connection's task woke up for.
enum Event {
    Line(Result<Option<String>, LineError>),
    Room(Result<Message, RecvError>),
    Idle,
    ShuttingDown,
}

/// Runs one client's session: relays its lines to the room and the room's lines to it.
async fn chat(
    stream: TcpStream,
    peer: SocketAddr,
    room: &Room,
    mut subscription: Receiver<Message>,
    settings: &Settings,
    shutting_down: &channel::Receiver<()>,
) -> anyhow::Result<()> {
    // An async-std `TcpStream` is a shared handle: a clone is the writing half.
    let mut lines = LineReader::new(stream.clone(), MAX_LINE_LEN);
    let mut client = Client {
        out: stream,
        write_timeout: settings.write_timeout,
    };
    // The `seq`s of this client's own lines that it has not yet seen come back from the room.
    let mut own_in_flight = VecDeque::new();
    // Messages skipped by `Overflowed` since the last message, reported with the next one.
    let mut missed: u64 = 0;
    // The idle clock: restarted by every line the client sends, not by what it receives.
    let mut last_line = Instant::now();
    // Whether the room's next message is polled before the client's next line, this time round.
    let mut room_first = false;

    loop {
        // Cancel-safe: when another branch wins, the bytes of a half-received line stay in
        // `lines` and the next call continues that line.
        let line = async { Event::Line(lines.next_line().await) };
        let received = async { Event::Room(subscription.recv_direct().await) };
        let idle_over = async {
            // Saturating, so a huge `--idle-timeout-ms` means "never" instead of an overflow.
            task::sleep(settings.idle_timeout.saturating_sub(last_line.elapsed())).await;
            Event::Idle
        };
        let shutdown = async {
            // Fails (the channel is closed) on shutdown; nothing is ever sent.
            let _ = shutting_down.recv().await;
            Event::ShuttingDown
        };
        // `race` always tries its left side first. Were that always the client's lines, a client
        // that floods would never get to its room messages, and the `seq`s of its own lines would
        // pile up in `own_in_flight`; were it always the room, a busy room would keep a client
        // from being heard. So the two take turns.
        let traffic = if room_first {
            Either::Left(received.race(line))
        } else {
            Either::Right(line.race(received))
        };
        room_first = !room_first;
        let event = shutdown.race(idle_over).race(traffic).await;
        match event {
            Event::Line(line) => match line {
                Ok(None) => return Ok(()),
                Ok(Some(line)) => {
                    last_line = Instant::now();
                    own_in_flight.push_back(room.publish(peer, line));
                }
                Err(LineError::TooLong) => {
                    let error = format!("* error: line longer than {MAX_LINE_LEN} bytes");
                    return client.close_with(lines, &error).await;
                }
                Err(LineError::InvalidUtf8) => {
                    return client.close_with(lines, "* error: invalid UTF-8").await;
                }
                Err(LineError::Io(e)) => return Err(e.into()),
            },
            Event::Room(received) => match received {
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
                        client
                            .send(&format!("{}: {}", message.from, message.text))
                            .await?;
                    }
                }
                // This client fell more than the room's capacity behind: the room dropped
                // exactly `skipped` messages it had not read, and the next `recv` gives the
                // oldest message still kept; the count is reported with it.
                Err(RecvError::Overflowed(skipped)) => missed += skipped,
                Err(RecvError::Closed) => return Ok(()), // the room outlives every connection
            },
            Event::Idle => return client.close_with(lines, "* idle timeout").await,
            Event::ShuttingDown => {
                return client.close_with(lines, "* server shutting down").await;
            }
        }
        // async-std has no cooperative budget like tokio's: while a flooding client's lines (or
        // the room's messages) are always ready, this loop would never give its executor thread
        // to the other connections. So it yields once per event.
        task::yield_now().await;
    }
}

/// Why a line could not be read.
enum LineError {
    TooLong,
    InvalidUtf8,
    Io(io::Error),
}

/// Reads a client's lines, each at most `max_len` bytes long, cancel-safely.
///
/// The half-read line lives in `line`, not in the future `next_line` returns: that future's only
/// `.await` is `fill_buf`, which consumes nothing, and what it returned is moved into `line` and
/// consumed before the next `.await`. Dropping the future at any point therefore loses nothing.
struct LineReader {
    reader: BufReader<TcpStream>,
    line: Vec<u8>,
    max_len: usize,
}

impl LineReader {
    fn new(stream: TcpStream, max_len: usize) -> Self {
        LineReader {
            reader: BufReader::new(stream),
            line: Vec::new(),
            max_len,
        }
    }

    /// The next line without its `\n` (or `\r\n`); `None` at the end of the stream.
    async fn next_line(&mut self) -> Result<Option<String>, LineError> {
        loop {
            // async-std's own `BufReadExt` has no `fill_buf`; the futures crate's has.
            let available = self.reader.fill_buf().await.map_err(LineError::Io)?;
            if available.is_empty() {
                // The end of the stream: a last line without its newline still counts.
                if self.line.is_empty() {
                    return Ok(None);
                }
                return self.take_line().map(Some);
            }
            let (part, used, complete) = match available.iter().position(|&b| b == b'\n') {
                Some(newline) => (&available[..newline], newline + 1, true),
                None => (available, available.len(), false),
            };
            // Checked before buffering, so a line without an end costs at most `max_len`.
            if self.line.len() + part.len() > self.max_len {
                return Err(LineError::TooLong);
            }
            self.line.extend_from_slice(part);
            self.reader.consume_unpin(used);
            if complete {
                return self.take_line().map(Some);
            }
        }
    }

    fn take_line(&mut self) -> Result<String, LineError> {
        let mut line = std::mem::take(&mut self.line);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        String::from_utf8(line).map_err(|_| LineError::InvalidUtf8)
    }
}

/// The writing half of a client's connection.
struct Client {
    out: TcpStream,
    /// How long one line may wait for room in the client's socket buffer. Only a client that has
    /// stopped reading hits it; without it, such a client would hold its task forever.
    write_timeout: Duration,
}

impl Client {
    /// Sends one line.
    async fn send(&mut self, line: &str) -> anyhow::Result<()> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        match future::timeout(self.write_timeout, self.out.write_all(&bytes)).await {
            Ok(sent) => Ok(sent?),
            Err(_elapsed) => bail!(
                "not reading: a write waited {} ms, disconnected",
                self.write_timeout.as_millis()
            ),
        }
    }

    /// Sends a last line (an error or a goodbye) and closes the connection cleanly.
    async fn close_with(mut self, mut reader: LineReader, last_line: &str) -> anyhow::Result<()> {
        self.send(last_line).await?;
        // End our side with a FIN, so the client reads the line and then a clean end of stream.
        self.out.shutdown(Shutdown::Write)?;
        // Closing a socket with unread input sends a reset, which may reach the client before
        // it has read our line and destroy it. So read and discard what it still sends, for a
        // short while, before dropping the socket.
        let mut discard = [0u8; 4096];
        let _ = future::timeout(LINGER, async {
            while let Ok(1..) = reader.reader.read(&mut discard).await {}
        })
        .await;
        Ok(())
    }
}

/// Completes on the first SIGINT (Ctrl+C) or SIGTERM. Installed before the server announces its
/// address, so a signal sent right after `listening on` is never lost.
fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    let mut signals = Signals::new([Signal::Int, Signal::Term])?;
    Ok(async move {
        match signals.next().await {
            Some(Ok(Signal::Int)) => eprintln!("SIGINT received, shutting down"),
            Some(Ok(Signal::Term)) => eprintln!("SIGTERM received, shutting down"),
            Some(Ok(other)) => eprintln!("{other:?} received, shutting down"),
            // The stream never ends, and fails only if its internal pipe does; stopping is
            // better than a server that can no longer be stopped cleanly.
            Some(Err(e)) => eprintln!("cannot wait for signals: {e}; shutting down"),
            None => {}
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
                    .context("--max-connections: too large")?;
            }
            "--idle-timeout-ms" => {
                settings.idle_timeout = Duration::from_millis(positive(&arg, args.next())?);
            }
            "--write-timeout-ms" => {
                settings.write_timeout = Duration::from_millis(positive(&arg, args.next())?);
            }
            _ if arg.starts_with("--") || addr.is_some() => {
                bail!("unexpected argument `{arg}`\n{USAGE}")
            }
            _ => addr = Some(arg),
        }
    }
    Ok((addr.unwrap_or_else(|| DEFAULT_ADDR.to_owned()), settings))
}

async fn run() -> anyhow::Result<()> {
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

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
