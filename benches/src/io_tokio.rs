//! The I/O workloads on tokio only: `tcp_echo` (loopback round trips), `file_read` (a whole file
//! through `tokio::fs`) and `spawn_blocking` (tiny jobs through tokio's blocking pool).
//!
//! They run on either flavor that `rt_tokio` builds; a runtime needs its I/O driver (`enable_io`,
//! part of `enable_all`) for the sockets, and its time driver for the server's accept back-off.
//!
//! `tokio::fs` has no asynchronous file I/O on Linux: every call is a blocking `std::fs` call run
//! on the blocking pool, so `file_read` measures that hand-off, not a different way to read.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::pin::pin;
use std::time::Duration;

use futures::future::{self, Either};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

/// Bytes per echo message: a small request, so a round trip measures latency, not bandwidth.
pub const MESSAGE_LEN: usize = 64;

/// The upper bound of the sum each blocking job computes.
pub const JOB_LEN: u64 = 100;

/// What each blocking job returns: `0 + 1 + ... + JOB_LEN`.
pub const JOB_SUM: u64 = JOB_LEN * (JOB_LEN + 1) / 2;

/// A loopback echo server: an accept loop on the current runtime, one task per connection.
///
/// [`stop`](Self::stop) ends it and waits; dropping it ends it too, without waiting. Either way
/// the connection tasks still open are aborted, so nothing outlives the server.
pub struct EchoServer {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<usize>,
}

impl EchoServer {
    /// Binds `127.0.0.1:0` and spawns the accept loop on the current runtime.
    pub async fn start() -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(serve(listener, stopped));
        Ok(Self { addr, stop, task })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, aborts the connections still open and waits until all of them are gone;
    /// returns how many connections the server accepted.
    pub async fn stop(self) -> usize {
        // An error means the accept loop already ended, which `task` reports below.
        let _ = self.stop.send(());
        self.task.await.expect("the accept loop does not panic")
    }
}

/// Accepts until `stopped` fires (or its sender is dropped), echoing each connection in a task of
/// its own; then aborts and joins those tasks. Returns how many connections it accepted.
async fn serve(listener: TcpListener, mut stopped: oneshot::Receiver<()>) -> usize {
    let mut connections = JoinSet::new();
    let mut accepted = 0;
    loop {
        let accept = pin!(listener.accept());
        match future::select(accept, &mut stopped).await {
            Either::Left((Ok((stream, _peer)), _)) => {
                accepted += 1;
                connections.spawn(echo(stream));
            }
            Either::Left((Err(e), _)) => {
                // Transient (a peer gone before the accept, or out of descriptors): back off and
                // go on, rather than leave the clients' connections unanswered.
                eprintln!("echo server: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Either::Right(_) => break,
        }
        // Reap the connections that ended, so the set holds only the open ones.
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
    accepted
}

/// Echoes everything `stream` sends until it closes; an I/O error is logged, not propagated.
async fn echo(mut stream: TcpStream) {
    let result = async {
        stream.set_nodelay(true)?;
        let (mut reader, mut writer) = stream.split();
        tokio::io::copy(&mut reader, &mut writer).await
    }
    .await;
    if let Err(e) = result {
        eprintln!("echo server: connection failed: {e}");
    }
}

/// Connects to `addr` with Nagle's algorithm off, as latency-bound clients do.
pub async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Sends `n` messages of [`MESSAGE_LEN`] bytes on `stream`, each after the echo of the previous one
/// came back, and checks every echo; returns how many round trips completed.
pub async fn round_trips(stream: &mut TcpStream, n: usize) -> io::Result<usize> {
    let mut reply = [0; MESSAGE_LEN];
    for i in 0..n {
        // A different message each round, so a stale or misplaced echo cannot pass the check.
        let message = [i as u8; MESSAGE_LEN];
        stream.write_all(&message).await?;
        stream.read_exact(&mut reply).await?;
        if reply != message {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the echo differs from the message",
            ));
        }
    }
    Ok(n)
}

/// Runs [`round_trips`] with `per_connection` rounds on every stream at once, one task each, and
/// joins them; the streams are back in `streams` afterwards. Returns the total of round trips.
pub async fn round_trips_concurrently(
    streams: &mut Vec<TcpStream>,
    per_connection: usize,
) -> io::Result<usize> {
    let tasks: Vec<_> = streams
        .drain(..)
        .map(|mut stream| {
            tokio::spawn(async move {
                let done = round_trips(&mut stream, per_connection).await;
                (stream, done)
            })
        })
        .collect();
    let mut total = Ok(0);
    for task in tasks {
        let (stream, done) = task.await.expect("a round-trip task does not panic");
        streams.push(stream);
        // Keeps the first error, after every stream is back.
        total = total.and_then(|total| Ok(total + done?));
    }
    total
}

/// Reads the whole file at `path` with `tokio::fs::read` (a `std::fs::read` on the blocking pool);
/// returns how many bytes it read.
pub async fn read_file(path: impl AsRef<Path>) -> io::Result<usize> {
    Ok(tokio::fs::read(path).await?.len())
}

/// Runs `n` tiny jobs through `tokio::task::spawn_blocking` and joins them all; returns how many
/// came back with [`JOB_SUM`].
pub async fn spawn_blocking_many(n: usize) -> usize {
    let jobs: Vec<_> = (0..n).map(|_| tokio::task::spawn_blocking(blocking_job)).collect();
    let mut correct = 0;
    for job in jobs {
        let sum = job.await.expect("a blocking job does not panic");
        correct += usize::from(sum == JOB_SUM);
    }
    correct
}

/// One tiny blocking job: `0 + 1 + ... + JOB_LEN`, the bound hidden from the optimiser.
fn blocking_job() -> u64 {
    (0..=std::hint::black_box(JOB_LEN)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt_tokio::{current_thread, multi_thread};

    #[test]
    fn tcp_echo_round_trips_and_the_server_stops_on_both_flavors() {
        for rt in [multi_thread(), current_thread()] {
            let (single, many, accepted) = rt.block_on(async {
                let server = EchoServer::start().await.expect("binding on loopback");
                let mut stream = connect(server.addr()).await.expect("connecting");
                let single = round_trips(&mut stream, 300).await.expect("echoing");
                let mut streams = Vec::new();
                for _ in 0..4 {
                    streams.push(connect(server.addr()).await.expect("connecting"));
                }
                let many = round_trips_concurrently(&mut streams, 25).await.expect("echoing");
                assert_eq!(streams.len(), 4, "every stream is handed back");
                // The server aborts connections still open: these two are.
                (single, many, server.stop().await)
            });
            assert_eq!((single, many, accepted), (300, 100, 5));
        }
    }

    #[test]
    fn read_file_reads_every_byte() {
        let dir = tempfile::tempdir().expect("creating a temp dir");
        let path = dir.path().join("data");
        std::fs::write(&path, vec![7; 100_000]).expect("writing the file");
        let rt = current_thread();
        assert_eq!(rt.block_on(read_file(&path)).expect("reading"), 100_000);
        let missing = rt.block_on(read_file(dir.path().join("missing")));
        assert_eq!(missing.map_err(|e| e.kind()), Err(io::ErrorKind::NotFound));
    }

    #[test]
    fn spawn_blocking_many_joins_every_job() {
        assert_eq!(blocking_job(), JOB_SUM);
        for rt in [multi_thread(), current_thread()] {
            assert_eq!(rt.block_on(spawn_blocking_many(200)), 200);
        }
    }
}
