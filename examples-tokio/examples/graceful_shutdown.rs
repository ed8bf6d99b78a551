//! Graceful shutdown of a TCP server: stop accepting, let work in flight finish, bound the wait.
//!
//! Asked to stop, a server closes its listener at once, lets each connection finish the request in
//! hand, and waits for that only so long: a client that never finishes must not keep the process
//! alive. Two `CancellationToken`s mark the phases (`shutdown`: stop accepting; `abort`: the grace
//! is over); a `TaskTracker` counts connection tasks, so `timeout(grace, tracker.wait())` is the
//! bounded wait. `run` plays both sides and cancels where a signal handler would.
//!
//! Guide: 教程 进程和信号 (信号处理); 教程 实战案例; what they get wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example graceful_shutdown
//! ```
//!
//! Prints three clients (idle, a 100 ms and a 10 s request), the shutdown, a fourth client refused,
//! the busy one aborted after the 500 ms grace period, what each client saw, `shutdown complete`.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = [
//!     "io-util", "macros", "net", "rt-multi-thread", "sync", "time"] }
//! tokio-util = { version = "0.7", features = ["codec", "rt"] }
//! futures = "0.3"
//! anyhow = "1"
//! ```

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use futures::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{sleep, timeout};
use tokio_util::codec::{Framed, FramedRead, LinesCodec};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long connections in flight get to finish once shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);
/// After the abort, how long the aborted tasks get to end (they do at their next poll).
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

/// What the accept loop and every connection task share. Cloning is cheap: all handles.
#[derive(Clone)]
struct Server {
    /// Cancelled to start a graceful shutdown: stop accepting, finish the request in hand.
    shutdown: CancellationToken,
    /// Cancelled when the grace period is over: connections still running are dropped.
    abort: CancellationToken,
    /// Every connection task, so the shutdown can wait for them.
    tracker: TaskTracker,
    /// One permit per open connection, so a flood of clients cannot exhaust memory or files.
    connections: Arc<Semaphore>,
}

impl Server {
    fn new() -> Self {
        Server {
            shutdown: CancellationToken::new(),
            abort: CancellationToken::new(),
            tracker: TaskTracker::new(),
            connections: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
        }
    }

    /// Accepts connections until `shutdown` is cancelled; returning drops (closes) the listener.
    async fn accept_loop(self, listener: TcpListener) {
        let mut backoff = MIN_BACKOFF;
        let mut next_id = 1;
        loop {
            // At the cap, wait for a connection to end before accepting another.
            let permit = tokio::select! {
                biased;
                _ = self.shutdown.cancelled() => return,
                permit = self.connections.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => return, // closed: nobody closes it, but that would mean stop
                },
            };
            let accepted = tokio::select! {
                biased;
                _ = self.shutdown.cancelled() => return,
                accepted = listener.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => {
                    backoff = MIN_BACKOFF;
                    accepted
                }
                Err(e) => {
                    // EMFILE, ECONNABORTED...: log, pause, retry; never end the server over it.
                    eprintln!("accept failed: {e}; retrying in {backoff:?}");
                    tokio::select! {
                        _ = self.shutdown.cancelled() => return,
                        _ = sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            };
            let id = next_id;
            next_id += 1;
            let server = self.clone();
            self.tracker.spawn(async move {
                let _permit = permit; // released when the connection ends
                tokio::select! {
                    result = server.handle(stream) => match result {
                        Ok(()) => eprintln!("connection {id} ({peer}): closed"),
                        Err(e) => eprintln!("connection {id} ({peer}): {e:#}"),
                    },
                    // Dropping `handle` mid-request is the abort: its socket closes with it.
                    _ = server.abort.cancelled() => {
                        eprintln!("connection {id} ({peer}): aborted, still busy after the grace period");
                    }
                }
            });
        }
    }

    /// One connection: each request `work <ms>` is answered `working` at once and `done <ms>`
    /// when the work is finished.
    async fn handle(&self, stream: TcpStream) -> anyhow::Result<()> {
        let (reader, mut writer) = stream.into_split();
        let mut requests = FramedRead::new(reader, LinesCodec::new_with_max_length(MAX_LINE_LEN));
        loop {
            // Between requests, a shutdown closes the connection at once (a request arriving at
            // that very moment is not served: the client sees the connection close without a
            // reply, as with any server going away). Racing `next()` against the token is safe:
            // a `FramedRead` keeps a partly received line in its buffer.
            let line = tokio::select! {
                biased;
                _ = self.shutdown.cancelled() => return Ok(()),
                line = timeout(IDLE_TIMEOUT, requests.next()) => match line {
                    Err(_) => bail!("idle for {IDLE_TIMEOUT:?}, closed"),
                    Ok(None) => return Ok(()), // the client hung up
                    Ok(Some(line)) => line?,
                },
            };
            let work_ms = line
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
            sleep(Duration::from_millis(work_ms)).await;
            reply(&mut writer, &format!("done {work_ms}")).await?;
        }
    }

    /// Waits up to `grace` for every connection task, then aborts those left. Returns how many
    /// were aborted.
    async fn drain(&self, grace: Duration) -> anyhow::Result<usize> {
        // `wait` returns only once the tracker is closed (no more tasks) and empty.
        self.tracker.close();
        if timeout(grace, self.tracker.wait()).await.is_ok() {
            return Ok(0);
        }
        let left = self.tracker.len();
        self.abort.cancel();
        timeout(ABORT_WAIT, self.tracker.wait())
            .await
            .context("aborted connection tasks did not end")?;
        Ok(left)
    }
}

async fn reply(writer: &mut OwnedWriteHalf, text: &str) -> anyhow::Result<()> {
    let line = format!("{text}\n");
    timeout(WRITE_TIMEOUT, writer.write_all(line.as_bytes()))
        .await
        .context("the client stopped reading")??;
    Ok(())
}

type Client = Framed<TcpStream, LinesCodec>;

/// The client's next line from the server, or `None` once the server closed the connection.
async fn next_line(client: &mut Client) -> anyhow::Result<Option<String>> {
    let line = timeout(CLIENT_TIMEOUT, client.next()).await.context("the server did not answer")?;
    Ok(line.transpose()?)
}

/// Connects and sends `work <ms>`; returns once the server has said `working`.
async fn start_request(addr: SocketAddr, work_ms: u64) -> anyhow::Result<Client> {
    let mut client = Framed::new(TcpStream::connect(addr).await?, LinesCodec::new());
    client.send(format!("work {work_ms}")).await?;
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
    let accepting = tokio::spawn(server.clone().accept_loop(listener));

    // Three clients, in the states a shutdown finds connections in.
    let mut idle = start_request(addr, 10).await?;
    let done = next_line(&mut idle).await?.context("closed before `done`")?;
    println!("client 1: work 10 -> {done}, then idle");
    let busy = start_request(addr, 100).await?;
    println!("client 2: work 100 -> working");
    let slow = start_request(addr, 10_000).await?;
    println!("client 3: work 10000 -> working");

    // Here a real server would have received SIGINT or SIGTERM.
    server.shutdown.cancel();
    accepting.await?;
    println!("shutdown started: listener closed");
    match TcpStream::connect(addr).await {
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
            println!("client 4: connection refused");
        }
        Err(e) => println!("client 4: cannot connect: {e}"),
        Ok(_) => println!("client 4: connected after the shutdown started"),
    }

    println!("waiting up to {} ms for connections in flight", SHUTDOWN_GRACE.as_millis());
    let aborted = server.drain(SHUTDOWN_GRACE).await?;
    println!("grace period over: {aborted} connection(s) still busy, aborted");

    println!("client 1 then got: {:?}, closed", rest(idle).await?);
    println!("client 2 then got: {:?}, closed", rest(busy).await?);
    println!("client 3 then got: {:?}, closed", rest(slow).await?);
    println!("shutdown complete");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
