//! The I/O workloads on compio only: `tcp_echo` (loopback round trips) and `file_read` (a whole
//! file through `compio::fs`).
//!
//! compio is completion-based: a read or write hands an owned buffer to io_uring and gets it back
//! with the result (`BufResult`), so the buffers here move in and out of every call instead of
//! being borrowed. Unlike the other three runtimes, whose file I/O is `std::fs` on a blocking
//! pool, compio opens, stats and reads a file with io_uring operations on the runtime's own thread
//! (the kernel may still hand a read that would block to its io-wq workers). Tasks go to the
//! runtime of the calling thread.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::pin::pin;
use std::time::Duration;

use async_channel::{Receiver, Sender};
use compio::BufResult;
use compio::fs::File;
use compio::io::{AsyncReadAtExt, AsyncReadExt, AsyncWriteExt};
use compio::net::{TcpListener, TcpStream};
use compio::runtime::JoinHandle;
use futures::future::{Either, select};

/// Bytes per echo message: a small request, so a round trip measures latency, not bandwidth.
pub const MESSAGE_LEN: usize = 64;

/// A loopback echo server: an accept loop on the calling thread's compio runtime, one task per
/// connection on that same runtime.
///
/// [`stop`](Self::stop) ends it and waits; dropping it cancels it (a compio `JoinHandle` cancels
/// its task when dropped), and with it the connection tasks it holds, so nothing outlives it.
pub struct EchoServer {
    addr: SocketAddr,
    stop: Sender<()>,
    task: JoinHandle<usize>,
}

impl EchoServer {
    /// Binds `127.0.0.1:0` and spawns the accept loop; the server makes progress only while the
    /// thread that owns the runtime runs it.
    pub async fn start() -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = async_channel::bounded(1);
        let task = compio::runtime::spawn(serve(listener, stopped));
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
        self.task.await.expect("the accept loop does not panic")
    }
}

/// How long the stopping server waits for one more connection from its backlog.
const BACKLOG_GRACE: Duration = Duration::from_millis(50);

/// Accepts until `stopped` closes, spawning [`echo`] for each connection; then takes the clients
/// already waiting in the backlog, as every server here does on shutdown, and cancels all the
/// connection tasks. Returns how many connections it accepted.
async fn serve(listener: TcpListener, stopped: Receiver<()>) -> usize {
    let mut connections: Vec<JoinHandle<()>> = Vec::new();
    let mut accepted = 0;
    let mut stop = pin!(stopped.recv());
    loop {
        let next = match select(pin!(listener.accept()), stop.as_mut()).await {
            Either::Left((accept, _)) => accept,
            // `Err` once the server handle closed the channel: the stop signal. The accept may
            // have completed in the kernel all the same, its completion not yet reaped: dropping
            // it would close that connection uncounted, so it is awaited, then the backlog's.
            Either::Right((_, accept)) => {
                let mut accept = Some(accept);
                loop {
                    let next = match accept.take() {
                        Some(accept) => within_grace(accept).await,
                        None => within_grace(listener.accept()).await,
                    };
                    match next {
                        Some(Ok((stream, _peer))) => {
                            accepted += 1;
                            connections.push(compio::runtime::spawn(echo(stream)));
                        }
                        Some(Err(_)) | None => break,
                    }
                }
                break;
            }
        };
        match next {
            Ok((stream, _peer)) => {
                accepted += 1;
                // Drop the handles of connections that ended, so the list holds only open ones.
                connections.retain(|connection| !connection.is_finished());
                connections.push(compio::runtime::spawn(echo(stream)));
            }
            Err(e) => {
                // Transient (a peer gone before the accept, or out of descriptors): back off and
                // go on, rather than leave the clients' connections unanswered.
                eprintln!("echo server: accept failed: {e}");
                compio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    for connection in connections {
        connection.cancel().await;
    }
    accepted
}

/// `future`'s output, or `None` if it is not done within [`BACKLOG_GRACE`]. `select` polls
/// `future` first, so a completion and the deadline reaped together count as done. A waiting
/// client completes an io_uring accept as it is submitted, so only an empty backlog waits.
async fn within_grace<F: Future>(future: F) -> Option<F::Output> {
    match select(pin!(future), pin!(compio::time::sleep(BACKLOG_GRACE))).await {
        Either::Left((output, _)) => Some(output),
        Either::Right(_) => None,
    }
}

/// Echoes everything `stream` sends until it closes; an I/O error is logged, not propagated.
async fn echo(stream: TcpStream) {
    let result = async {
        stream.set_nodelay(true)?;
        // `&TcpStream` reads and writes: one side of the copy each.
        compio::io::copy(&mut &stream, &mut &stream).await
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
/// came back, and checks every echo; returns how many round trips completed. The two buffers go to
/// the kernel and come back on every call.
pub async fn round_trips(stream: &mut TcpStream, n: usize) -> io::Result<usize> {
    let mut message = [0; MESSAGE_LEN];
    let mut reply = [0; MESSAGE_LEN];
    for i in 0..n {
        // A different message each round, so a stale or misplaced echo cannot pass the check.
        message.fill(i as u8);
        let BufResult(written, sent) = stream.write_all(message).await;
        written?;
        message = sent;
        let BufResult(read, echoed) = stream.read_exact(reply).await;
        read?;
        reply = echoed;
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
/// joins them; the streams are back in `streams` afterwards. Returns the total of round trips
/// (or the first error, after every stream is back).
pub async fn round_trips_concurrently(
    streams: &mut Vec<TcpStream>,
    per_connection: usize,
) -> io::Result<usize> {
    let tasks: Vec<_> = streams
        .drain(..)
        .map(|mut stream| {
            compio::runtime::spawn(async move {
                let done = round_trips(&mut stream, per_connection).await;
                (stream, done)
            })
        })
        .collect();
    let mut total = Ok(0);
    for task in tasks {
        let (stream, done) = task.await.expect("a client task does not panic");
        streams.push(stream);
        total = total.and_then(|total| Ok(total + done?));
    }
    total
}

/// Reads the whole file at `path` with io_uring: open, `statx` for the length, then reads into a
/// buffer of that length plus one byte, so the second read finds the end of the file without the
/// buffer growing (`std::fs::read` sizes its buffer the same way; `compio::fs::read` starts from an
/// empty one and doubles it). Returns how many bytes it read.
pub async fn read_file(path: impl AsRef<Path>) -> io::Result<usize> {
    let file = File::open(path).await?;
    let len = usize::try_from(file.metadata().await?.len()).map_err(io::Error::other)?;
    let BufResult(read, _data) = file.read_to_end_at(Vec::with_capacity(len + 1), 0).await;
    read
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt_compio;

    /// Runs `f` on a fresh compio runtime, or skips (returns `None`) where io_uring is unusable.
    fn on_compio<F: Future>(f: F) -> Option<F::Output> {
        match rt_compio::runtime() {
            Ok(rt) => Some(rt.block_on(f)),
            Err(reason) => {
                eprintln!("skipped: {reason}");
                None
            }
        }
    }

    #[test]
    fn tcp_echo_round_trips_and_the_server_stops() {
        let Some((single, many, accepted)) = on_compio(async {
            let server = EchoServer::start().await.expect("binding on loopback");
            let mut stream = connect(server.addr()).await.expect("connecting");
            let single = round_trips(&mut stream, 300).await.expect("echoing");
            let mut streams = Vec::new();
            for _ in 0..4 {
                streams.push(connect(server.addr()).await.expect("connecting"));
            }
            let many = round_trips_concurrently(&mut streams, 25).await.expect("echoing");
            assert_eq!(streams.len(), 4, "every stream is handed back");
            // The server cancels connections still open: these five are.
            (single, many, server.stop().await)
        }) else {
            return;
        };
        assert_eq!((single, many, accepted), (300, 100, 5));
    }

    #[test]
    fn a_stopping_server_counts_the_clients_still_in_its_backlog() {
        // Connected, never served: a bench whose iterations were filtered out stops its server so.
        let Some((connected, accepted)) = on_compio(async {
            let server = EchoServer::start().await.expect("binding on loopback");
            let connects = (0..64).map(|_| connect(server.addr()));
            let streams = futures::future::try_join_all(connects).await.expect("connecting");
            (streams.len(), server.stop().await)
        }) else {
            return;
        };
        assert_eq!((connected, accepted), (64, 64));
    }

    #[test]
    fn read_file_reads_every_byte() {
        let dir = tempfile::tempdir().expect("creating a temp dir");
        let path = dir.path().join("data");
        std::fs::write(&path, vec![7; 100_000]).expect("writing the file");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, b"").expect("writing the empty file");
        let Some((read, read_empty, missing)) = on_compio(async {
            (
                read_file(&path).await,
                read_file(&empty).await,
                read_file(dir.path().join("no")).await,
            )
        }) else {
            return;
        };
        assert_eq!(read.expect("reading"), 100_000);
        assert_eq!(read_empty.expect("reading the empty file"), 0);
        assert_eq!(missing.map_err(|e| e.kind()), Err(io::ErrorKind::NotFound));
    }
}
