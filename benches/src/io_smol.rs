//! The I/O workloads on smol only: `tcp_echo` (loopback round trips), `file_read` (a whole file
//! through `smol::fs`) and `spawn_blocking` (tiny jobs through `smol::unblock`).
//!
//! The sockets are `smol::net` (async-io's reactor); tasks go to the executor a workload is given,
//! an `Executor` or a `LocalExecutor`, the way smol code passes its executor around. `smol::fs`
//! is blocking-pool based: `fs::read` is a `std::fs::read` run through `unblock` on the global
//! thread pool of the `blocking` crate, so `file_read` measures that hand-off, not a different
//! way to read. `unblock` needs no executor: its pool is global.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use smol::channel::{self, Receiver, Sender};
use smol::future;
use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::net::{TcpListener, TcpStream};
use smol::{Executor, LocalExecutor, Task, Timer};

/// Bytes per echo message: a small request, so a round trip measures latency, not bandwidth.
pub const MESSAGE_LEN: usize = 64;

/// The upper bound of the sum each blocking job computes.
pub const JOB_LEN: u64 = 100;

/// What each blocking job returns: `0 + 1 + ... + JOB_LEN`.
pub const JOB_SUM: u64 = JOB_LEN * (JOB_LEN + 1) / 2;

/// A loopback echo server: an accept loop on the executor it was started on, one task per
/// connection on that same executor.
///
/// [`stop`](Self::stop) ends it and waits; dropping it cancels it (a smol `Task` cancels when
/// dropped), and with it the connection tasks it holds, so nothing outlives the server.
pub struct EchoServer {
    addr: SocketAddr,
    stop: Sender<()>,
    task: Task<usize>,
}

impl EchoServer {
    /// Binds `127.0.0.1:0` and spawns the accept loop and its connections on `ex`.
    pub async fn start(ex: &Arc<Executor<'static>>) -> io::Result<Self> {
        let (listener, addr) = bind().await?;
        let (stop, stopped) = channel::bounded(1);
        let spawner = ex.clone();
        let task = ex.spawn(serve(listener, stopped, move |stream| spawner.spawn(echo(stream))));
        Ok(Self { addr, stop, task })
    }

    /// [`start`](Self::start) on a [`LocalExecutor`]: the server makes progress only while the
    /// thread that owns `ex` runs it.
    pub async fn start_local(ex: &Rc<LocalExecutor<'static>>) -> io::Result<Self> {
        let (listener, addr) = bind().await?;
        let (stop, stopped) = channel::bounded(1);
        let spawner = ex.clone();
        let task = ex.spawn(serve(listener, stopped, move |stream| spawner.spawn(echo(stream))));
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

/// A listener on `127.0.0.1:0`, and the port it got.
async fn bind() -> io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Accepts until `stopped` closes, handing each connection to `spawn_echo` (which spawns
/// [`echo`] on the server's executor); then cancels those tasks. Returns how many connections it
/// accepted.
async fn serve(
    listener: TcpListener,
    stopped: Receiver<()>,
    spawn_echo: impl Fn(TcpStream) -> Task<()>,
) -> usize {
    let mut connections: Vec<Task<()>> = Vec::new();
    let mut accepted = 0;
    loop {
        let next = future::or(async { Some(listener.accept().await) }, async {
            // `Err` once the server handle closed the channel: the stop signal.
            let _ = stopped.recv().await;
            None
        });
        match next.await {
            Some(Ok((stream, _peer))) => {
                accepted += 1;
                // Drop the handles of connections that ended, so the list holds only open ones.
                connections.retain(|connection| !connection.is_finished());
                connections.push(spawn_echo(stream));
            }
            Some(Err(e)) => {
                // Transient (a peer gone before the accept, or out of descriptors): back off and
                // go on, rather than leave the clients' connections unanswered.
                eprintln!("echo server: accept failed: {e}");
                Timer::after(Duration::from_millis(10)).await;
            }
            None => break,
        }
    }
    for connection in connections {
        connection.cancel().await;
    }
    accepted
}

/// Echoes everything `stream` sends until it closes; an I/O error is logged, not propagated.
async fn echo(stream: TcpStream) {
    let result = async {
        stream.set_nodelay(true)?;
        // A `TcpStream` is a shared handle: the clone reads, the original writes.
        smol::io::copy(stream.clone(), stream).await
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

/// Runs [`round_trips`] with `per_connection` rounds on every stream at once, one task each on
/// `ex`, and joins them; the streams are back in `streams` afterwards. Returns the total of round
/// trips.
pub async fn round_trips_concurrently(
    ex: &Arc<Executor<'static>>,
    streams: &mut Vec<TcpStream>,
    per_connection: usize,
) -> io::Result<usize> {
    let tasks: Vec<_> =
        streams.drain(..).map(|stream| ex.spawn(client(stream, per_connection))).collect();
    join_clients(tasks, streams).await
}

/// [`round_trips_concurrently`] on a [`LocalExecutor`].
pub async fn round_trips_concurrently_local(
    ex: &Rc<LocalExecutor<'static>>,
    streams: &mut Vec<TcpStream>,
    per_connection: usize,
) -> io::Result<usize> {
    let tasks: Vec<_> =
        streams.drain(..).map(|stream| ex.spawn(client(stream, per_connection))).collect();
    join_clients(tasks, streams).await
}

/// One client of the concurrent round trips: its stream goes back with the result.
async fn client(mut stream: TcpStream, rounds: usize) -> (TcpStream, io::Result<usize>) {
    let done = round_trips(&mut stream, rounds).await;
    (stream, done)
}

/// Joins the [`client`] tasks, puts their streams back in `streams`, and sums their round trips
/// (or returns the first error, after every stream is back).
async fn join_clients(
    tasks: Vec<Task<(TcpStream, io::Result<usize>)>>,
    streams: &mut Vec<TcpStream>,
) -> io::Result<usize> {
    let mut total = Ok(0);
    for task in tasks {
        let (stream, done) = task.await;
        streams.push(stream);
        total = total.and_then(|total| Ok(total + done?));
    }
    total
}

/// Reads the whole file at `path` with `smol::fs::read` (a `std::fs::read` through `unblock`);
/// returns how many bytes it read.
pub async fn read_file(path: impl AsRef<Path>) -> io::Result<usize> {
    Ok(smol::fs::read(path).await?.len())
}

/// Runs `n` tiny jobs through `smol::unblock` and joins them all; returns how many came back with
/// [`JOB_SUM`]. Whatever executor awaits this, the jobs run on the global blocking pool.
pub async fn spawn_blocking_many(n: usize) -> usize {
    let jobs: Vec<_> = (0..n).map(|_| smol::unblock(blocking_job)).collect();
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

    /// An executor on one thread of its own, stopped and joined at the end of `f`.
    fn with_executor<T>(f: impl FnOnce(&Arc<Executor<'static>>) -> T) -> T {
        let ex = Arc::new(Executor::new());
        let (stop, stopped) = channel::bounded::<()>(1);
        let thread = {
            let ex = ex.clone();
            std::thread::spawn(move || {
                let _ = smol::block_on(ex.run(stopped.recv()));
            })
        };
        let out = f(&ex);
        drop(stop);
        thread.join().expect("the executor thread does not panic");
        out
    }

    #[test]
    fn tcp_echo_round_trips_and_the_server_stops() {
        let (single, many, accepted) = with_executor(|ex| {
            smol::block_on(async {
                let server = EchoServer::start(ex).await.expect("binding on loopback");
                let mut stream = connect(server.addr()).await.expect("connecting");
                let single = round_trips(&mut stream, 300).await.expect("echoing");
                let mut streams = Vec::new();
                for _ in 0..4 {
                    streams.push(connect(server.addr()).await.expect("connecting"));
                }
                let many = round_trips_concurrently(ex, &mut streams, 25).await.expect("echoing");
                assert_eq!(streams.len(), 4, "every stream is handed back");
                // The server cancels connections still open: these two are.
                (single, many, server.stop().await)
            })
        });
        assert_eq!((single, many, accepted), (300, 100, 5));
    }

    #[test]
    fn tcp_echo_round_trips_and_the_server_stops_on_a_local_executor() {
        let ex = Rc::new(LocalExecutor::new());
        let (single, many, accepted) = smol::block_on(ex.run(async {
            let server = EchoServer::start_local(&ex).await.expect("binding on loopback");
            let mut stream = connect(server.addr()).await.expect("connecting");
            let single = round_trips(&mut stream, 300).await.expect("echoing");
            let mut streams = Vec::new();
            for _ in 0..4 {
                streams.push(connect(server.addr()).await.expect("connecting"));
            }
            let many =
                round_trips_concurrently_local(&ex, &mut streams, 25).await.expect("echoing");
            assert_eq!(streams.len(), 4, "every stream is handed back");
            (single, many, server.stop().await)
        }));
        assert_eq!((single, many, accepted), (300, 100, 5));
        assert!(ex.is_empty(), "no task outlives the server");
    }

    #[test]
    fn read_file_reads_every_byte() {
        let dir = tempfile::tempdir().expect("creating a temp dir");
        let path = dir.path().join("data");
        std::fs::write(&path, vec![7; 100_000]).expect("writing the file");
        assert_eq!(smol::block_on(read_file(&path)).expect("reading"), 100_000);
        let missing = smol::block_on(read_file(dir.path().join("missing")));
        assert_eq!(missing.map_err(|e| e.kind()), Err(io::ErrorKind::NotFound));
    }

    #[test]
    fn spawn_blocking_many_joins_every_job() {
        assert_eq!(blocking_job(), JOB_SUM);
        assert_eq!(smol::block_on(spawn_blocking_many(200)), 200);
    }
}
