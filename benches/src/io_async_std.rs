//! The I/O workloads on async-std only: `tcp_echo` (loopback round trips), `file_read` (a whole
//! file through `async_std::fs`) and `spawn_blocking` (tiny jobs through its blocking pool).
//!
//! All of it runs on the global runtime, which starts on first use. `async_std::fs` has no
//! asynchronous file I/O: `fs::read` is a `std::fs::read` run on the blocking pool, so `file_read`
//! measures that hand-off, not a different way to read.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::pin::pin;
use std::time::Duration;

use async_std::channel::{self, Receiver, Sender};
use async_std::io::{ReadExt, WriteExt};
use async_std::net::{TcpListener, TcpStream};
use async_std::task::{self, JoinHandle};
use futures::future::{self, Either};

/// Bytes per echo message: a small request, so a round trip measures latency, not bandwidth.
pub const MESSAGE_LEN: usize = 64;

/// The upper bound of the sum each blocking job computes.
pub const JOB_LEN: u64 = 100;

/// What each blocking job returns: `0 + 1 + ... + JOB_LEN`.
pub const JOB_SUM: u64 = JOB_LEN * (JOB_LEN + 1) / 2;

/// A loopback echo server: an accept loop on the global runtime, one task per connection.
///
/// [`stop`](Self::stop) ends it and waits; dropping it ends it too, without waiting. Either way
/// the connection tasks still open are cancelled, so nothing outlives the server (a dropped
/// `JoinHandle` would only detach its task, so the server keeps and cancels them).
pub struct EchoServer {
    addr: SocketAddr,
    stop: Sender<()>,
    task: JoinHandle<usize>,
}

impl EchoServer {
    /// Binds `127.0.0.1:0` and spawns the accept loop on the global runtime.
    pub async fn start() -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = channel::bounded(1);
        let task = task::spawn(serve(listener, stopped));
        Ok(Self { addr, stop, task })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, cancels the connections still open and waits until all of them are gone;
    /// returns how many connections the server accepted.
    pub async fn stop(self) -> usize {
        // Closing the channel is the signal.
        drop(self.stop);
        self.task.await
    }
}

/// Accepts until `stopped` closes, echoing each connection in a task of its own; then cancels
/// those tasks. Returns how many connections it accepted.
async fn serve(listener: TcpListener, stopped: Receiver<()>) -> usize {
    // Every handle is kept to the end: there is no cheap "finished?" query on them, and the
    // benches open a bounded, small number of connections per server.
    let mut connections: Vec<JoinHandle<()>> = Vec::new();
    loop {
        let accept = pin!(listener.accept());
        let stop = pin!(stopped.recv());
        match future::select(accept, stop).await {
            Either::Left((Ok((stream, _peer)), _)) => connections.push(task::spawn(echo(stream))),
            Either::Left((Err(e), _)) => {
                // Transient (a peer gone before the accept, or out of descriptors): back off and
                // go on, rather than leave the clients' connections unanswered.
                eprintln!("echo server: accept failed: {e}");
                task::sleep(Duration::from_millis(10)).await;
            }
            Either::Right(_) => break,
        }
    }
    let accepted = connections.len();
    for connection in connections {
        connection.cancel().await;
    }
    accepted
}

/// Echoes everything `stream` sends until it closes; an I/O error is logged, not propagated.
async fn echo(stream: TcpStream) {
    let result = async {
        stream.set_nodelay(true)?;
        // `&TcpStream` reads and writes: one handle for each direction of the copy.
        let (mut reader, mut writer) = (&stream, &stream);
        async_std::io::copy(&mut reader, &mut writer).await
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
            task::spawn(async move {
                let done = round_trips(&mut stream, per_connection).await;
                (stream, done)
            })
        })
        .collect();
    let mut total = Ok(0);
    for task in tasks {
        let (stream, done) = task.await;
        streams.push(stream);
        // Keeps the first error, after every stream is back.
        total = total.and_then(|total| Ok(total + done?));
    }
    total
}

/// Reads the whole file at `path` with `async_std::fs::read` (a `std::fs::read` on the blocking
/// pool); returns how many bytes it read.
pub async fn read_file(path: impl AsRef<Path>) -> io::Result<usize> {
    Ok(async_std::fs::read(path.as_ref()).await?.len())
}

/// Runs `n` tiny jobs through `async_std::task::spawn_blocking` and joins them all; returns how
/// many came back with [`JOB_SUM`].
pub async fn spawn_blocking_many(n: usize) -> usize {
    let jobs: Vec<_> = (0..n).map(|_| task::spawn_blocking(blocking_job)).collect();
    let mut correct = 0;
    for job in jobs {
        correct += usize::from(job.await == JOB_SUM);
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

    #[test]
    fn tcp_echo_round_trips_and_the_server_stops() {
        let (single, many, accepted) = task::block_on(async {
            let server = EchoServer::start().await.expect("binding on loopback");
            let mut stream = connect(server.addr()).await.expect("connecting");
            let single = round_trips(&mut stream, 300).await.expect("echoing");
            let mut streams = Vec::new();
            for _ in 0..4 {
                streams.push(connect(server.addr()).await.expect("connecting"));
            }
            let many = round_trips_concurrently(&mut streams, 25).await.expect("echoing");
            assert_eq!(streams.len(), 4, "every stream is handed back");
            // The server cancels connections still open: these two are.
            (single, many, server.stop().await)
        });
        assert_eq!((single, many, accepted), (300, 100, 5));
    }

    #[test]
    fn read_file_reads_every_byte() {
        let dir = tempfile::tempdir().expect("creating a temp dir");
        let path = dir.path().join("data");
        std::fs::write(&path, vec![7; 100_000]).expect("writing the file");
        assert_eq!(task::block_on(read_file(&path)).expect("reading"), 100_000);
        let missing = task::block_on(read_file(dir.path().join("missing")));
        assert_eq!(missing.map_err(|e| e.kind()), Err(io::ErrorKind::NotFound));
    }

    #[test]
    fn spawn_blocking_many_joins_every_job() {
        assert_eq!(blocking_job(), JOB_SUM);
        assert_eq!(task::block_on(spawn_blocking_many(200)), 200);
    }
}
