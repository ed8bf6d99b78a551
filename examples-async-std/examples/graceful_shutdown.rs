//! Graceful shutdown of a TCP server: stop accepting, let work in flight finish, bound the wait.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/graceful_shutdown.rs
//!
//! Asked to stop, a server closes its listener at once, lets each connection finish the request in
//! hand (idle ones close at once), and waits for that only so long: a client that never finishes
//! must not keep the process alive. Here `run` starts a tiny server and its clients, and calls
//! `shutdown.cancel()` where a real server's signal handler would. Next to the smol twin:
//! - a dropped `JoinHandle` detaches, where a smol `Task` cancels: the abort after the grace period
//!   is `cancel().await` on each handle, or the 10 s request would run on after the shutdown;
//! - `FutureExt::race` (it needs `unstable`) polls its left side first, like smol's `or`.
//!
//! Guide: 教程 进程和信号 (信号处理); 教程 实战案例; what they get wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example graceful_shutdown
//! ```
//! Prints three clients (idle, a 100 ms and a 10 s request), the shutdown, a fourth client refused,
//! the busy one aborted after the 500 ms grace period, what each client saw, `shutdown complete`.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `FutureExt::race`
//! async-lock = "3"
//! futures = "0.3"
//! anyhow = "1"
//! ```

use std::future::Future;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use async_lock::Semaphore;
use async_std::channel::{self, Receiver, Sender};
use async_std::future::timeout;
use async_std::io::{BufRead, BufReadExt, BufReader, ReadExt, WriteExt};
use async_std::net::{TcpListener, TcpStream};
use async_std::prelude::FutureExt as _;
use async_std::task::{self, JoinHandle};
use futures::FutureExt as _;

/// How long connections in flight get to finish once shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);
/// After the abort, how long the cancelled tasks get to end (they do at once unless running).
const ABORT_WAIT: Duration = Duration::from_millis(500);
/// A connection with no request for this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// A client that does not read its replies for this long is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_CONNECTIONS: usize = 1024;
const MAX_LINE_LEN: usize = 64;
/// The longest request a client may ask for.
const MAX_WORK_MS: u64 = 60_000;
const MIN_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// How long this program's own clients wait for the server before giving up.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(2);

/// A stand-in for tokio-util's `CancellationToken`, made of a channel on which nothing is
/// ever sent: `cancel` closes it, and from then on `cancelled()` is ready at once, in every clone.
#[derive(Clone)]
struct Token {
    /// Never used to send; held so the channel stays open until `cancel` (a channel closes by
    /// itself once its last sender is gone).
    _sender: Sender<()>,
    receiver: Receiver<()>,
}

impl Token {
    fn new() -> Self {
        let (sender, receiver) = channel::bounded(1);
        Token { _sender: sender, receiver }
    }

    fn cancel(&self) {
        self.receiver.close();
    }

    /// Pending until `cancel`: `recv` waits while the channel is open and empty, and fails at once
    /// when it is closed.
    async fn cancelled(&self) {
        let _closed = self.receiver.recv().await;
    }
}

/// A connection task and what the log says about it.
struct Connection {
    id: u64,
    peer: SocketAddr,
    /// `cancel().await` on it stops the connection. Dropping it would not: the task would run on,
    /// detached, out of reach.
    task: JoinHandle<()>,
}

/// What the accept loop and every connection task share. Cloning is cheap: all handles.
#[derive(Clone)]
struct Server {
    /// Cancelled to start a graceful shutdown: stop accepting, finish the request in hand.
    shutdown: Token,
    /// One permit per open connection, so a flood of clients cannot exhaust memory or files.
    /// async-std has no semaphore: this is async-lock's, like its `Mutex` and `RwLock`.
    connections: Arc<Semaphore>,
}

impl Server {
    fn new() -> Self {
        Server { shutdown: Token::new(), connections: Arc::new(Semaphore::new(MAX_CONNECTIONS)) }
    }

    /// `fut`'s output, or `None` once the shutdown has started. The shutdown is polled first, so
    /// it wins when both are ready.
    async fn until_shutdown<T>(&self, fut: impl Future<Output = T>) -> Option<T> {
        async {
            self.shutdown.cancelled().await;
            None
        }
        .race(async { Some(fut.await) })
        .await
    }

    /// Accepts connections until `shutdown` is cancelled, then returns the tasks of those still
    /// open; returning drops (closes) the listener.
    async fn accept_loop(self, listener: TcpListener) -> Vec<Connection> {
        let mut connections: Vec<Connection> = Vec::new();
        let mut backoff = MIN_BACKOFF;
        let mut next_id = 1;
        loop {
            // Forget the connections that have ended, so the list holds only live ones. No
            // `is_finished`: one poll tells, and takes a finished task's output, so its handle
            // must leave the list (polled again, it would panic: "Task polled after completion").
            // A task that panicked would re-raise its panic here; `handle` returns errors instead.
            connections.retain_mut(|connection| (&mut connection.task).now_or_never().is_none());
            // At the cap, wait for a connection to end before accepting another.
            let Some(permit) = self.until_shutdown(self.connections.acquire_arc()).await else {
                return connections;
            };
            let Some(accepted) = self.until_shutdown(listener.accept()).await else {
                return connections;
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => {
                    backoff = MIN_BACKOFF;
                    accepted
                }
                Err(e) => {
                    // EMFILE, ECONNABORTED...: log, pause, retry; never end the server over it.
                    eprintln!("accept failed: {e}; retrying in {backoff:?}");
                    if self.until_shutdown(task::sleep(backoff)).await.is_none() {
                        return connections;
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            };
            let id = next_id;
            next_id += 1;
            let server = self.clone();
            let task = task::spawn(async move {
                let _permit = permit; // released when the connection ends
                match server.handle(stream).await {
                    Ok(()) => eprintln!("connection {id} ({peer}): closed"),
                    Err(e) => eprintln!("connection {id} ({peer}): {e:#}"),
                }
            });
            connections.push(Connection { id, peer, task });
        }
    }

    /// One connection: each request `work <ms>` is answered `working` at once and `done <ms>`
    /// when the work is finished.
    async fn handle(&self, stream: TcpStream) -> anyhow::Result<()> {
        // An async-std `TcpStream` is a cloneable handle: one clone reads, the other writes.
        let mut reader = BufReader::new(stream.clone());
        let mut writer = stream;
        let mut line = Vec::new();
        loop {
            // Between requests, a shutdown closes the connection at once (a request arriving at
            // that very moment is not served: the client sees the connection close without a
            // reply, as with any server going away). Racing `read_line` against the shutdown is
            // safe: a partly received line stays in `line`.
            let request =
                self.until_shutdown(timeout(IDLE_TIMEOUT, read_line(&mut reader, &mut line))).await;
            let request = match request {
                None => return Ok(()),
                Some(Err(_timed_out)) => bail!("idle for {IDLE_TIMEOUT:?}, closed"),
                Some(Ok(request)) => request?,
            };
            let Some(request) = request else {
                return Ok(()); // the client hung up
            };
            let work_ms = request
                .strip_prefix("work ")
                .and_then(|ms| ms.parse::<u64>().ok())
                .filter(|ms| *ms <= MAX_WORK_MS);
            let Some(work_ms) = work_ms else {
                let error = format!("error: expected `work <ms>`, ms up to {MAX_WORK_MS}");
                reply(&mut writer, &error).await?;
                continue;
            };
            reply(&mut writer, "working").await?;
            // The request's work. A graceful shutdown lets it finish; only the abort stops it.
            task::sleep(Duration::from_millis(work_ms)).await;
            reply(&mut writer, &format!("done {work_ms}")).await?;
        }
    }
}

/// Waits up to `grace` for every connection task, then cancels those left, which closes their
/// sockets. Returns how many were cancelled.
async fn drain(mut connections: Vec<Connection>, grace: Duration) -> anyhow::Result<usize> {
    // Each handle leaves the list once its task is awaited to the end (polling a completed
    // `JoinHandle` again panics), so what the timeout leaves behind has yet to be seen finished.
    let finished = timeout(grace, async {
        while let Some(connection) = connections.last_mut() {
            (&mut connection.task).await;
            connections.pop();
        }
    })
    .await;
    if finished.is_ok() {
        return Ok(0);
    }
    let abort = async {
        let mut aborted = 0;
        for Connection { id, peer, task } in connections {
            // Drops the task's future, wherever it is waiting, and waits until that is done;
            // `Some` means the task had finished after all, and nothing was cut short.
            if task.cancel().await.is_none() {
                aborted += 1;
                eprintln!("connection {id} ({peer}): aborted, still busy after the grace period");
            }
        }
        aborted
    };
    let aborted =
        timeout(ABORT_WAIT, abort).await.context("aborted connection tasks did not end")?;
    Ok(aborted)
}

/// The next line from `reader`, without its `\n` (or `\r\n`), or `None` at the end of the stream.
/// A line over [`MAX_LINE_LEN`] bytes is an error, found after reading at most one byte more. If the
/// future is dropped part-way, the bytes read so far stay in `line` and the next call goes on.
async fn read_line(
    reader: &mut (impl BufRead + Unpin),
    line: &mut Vec<u8>,
) -> anyhow::Result<Option<String>> {
    let room = (MAX_LINE_LEN + 1).saturating_sub(line.len());
    reader.take(room as u64).read_until(b'\n', line).await?;
    let complete = line.last() == Some(&b'\n');
    if !complete && line.len() > MAX_LINE_LEN {
        bail!("a line longer than {MAX_LINE_LEN} bytes");
    }
    if line.is_empty() {
        return Ok(None);
    }
    // Without a `\n`, this is the last line of the stream, which ended without one.
    if complete {
        line.pop();
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    let text = String::from_utf8(std::mem::take(line)).context("a line that is not UTF-8")?;
    Ok(Some(text))
}

async fn reply(writer: &mut TcpStream, text: &str) -> anyhow::Result<()> {
    let line = format!("{text}\n");
    timeout(WRITE_TIMEOUT, writer.write_all(line.as_bytes()))
        .await
        .context("the client stopped reading")??;
    Ok(())
}

type Client = BufReader<TcpStream>;

/// The client's next line from the server, or `None` once the server closed the connection.
async fn next_line(client: &mut Client) -> anyhow::Result<Option<String>> {
    // A fresh buffer each time: a timeout ends the client, so a partial line is never resumed.
    timeout(CLIENT_TIMEOUT, read_line(client, &mut Vec::new()))
        .await
        .context("the server did not answer")?
}

/// Connects and sends `work <ms>`; returns once the server has said `working`.
async fn start_request(addr: SocketAddr, work_ms: u64) -> anyhow::Result<Client> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(format!("work {work_ms}\n").as_bytes()).await?;
    let mut client = BufReader::new(stream);
    match next_line(&mut client).await?.as_deref() {
        Some("working") => Ok(client),
        other => bail!("expected `working`, got {other:?}"),
    }
}

/// Everything the server sends until it closes the connection.
async fn rest(mut client: Client) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    while let Some(line) = next_line(&mut client).await? {
        lines.push(line);
    }
    Ok(lines)
}

async fn run() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    println!("server listening on {addr}");
    let server = Server::new();
    let accepting = task::spawn(server.clone().accept_loop(listener));

    // Three clients, in the states a shutdown finds connections in.
    let mut idle = start_request(addr, 10).await?;
    let done = next_line(&mut idle).await?.context("closed before `done`")?;
    println!("client 1: work 10 -> {done}, then idle");
    let busy = start_request(addr, 100).await?;
    println!("client 2: work 100 -> working");
    let slow = start_request(addr, 10_000).await?;
    println!("client 3: work 10000 -> working");

    // Here a real server would have received SIGINT or SIGTERM: it waits for the next item of an
    // `async_signal::Signals` for both (created before serving; async-std has no signal API of
    // its own), then runs this very path: `cancel`, await the accept loop, `drain`, and return
    // from `main` with status 0.
    server.shutdown.cancel();
    let connections = accepting.await;
    println!("shutdown started: listener closed");
    match TcpStream::connect(addr).await {
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
            println!("client 4: connection refused");
        }
        Err(e) => println!("client 4: cannot connect: {e}"),
        Ok(_) => println!("client 4: connected after the shutdown started"),
    }

    println!("waiting up to {} ms for connections in flight", SHUTDOWN_GRACE.as_millis());
    let aborted = drain(connections, SHUTDOWN_GRACE).await?;
    println!("grace period over: {aborted} connection(s) still busy, aborted");

    println!("client 1 then got: {:?}, closed", rest(idle).await?);
    println!("client 2 then got: {:?}, closed", rest(busy).await?);
    println!("client 3 then got: {:?}, closed", rest(slow).await?);
    println!("shutdown complete");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
