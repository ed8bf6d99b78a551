//! Drives the "proxy" example in front of upstream servers written here: a 4 MiB round trip,
//! half-close in both directions, an unreachable or unresponsive upstream, and an idle client.

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener as StdListener, TcpStream as StdStream};
use std::time::{Duration, Instant};

use async_std::future;
use async_std::net::{TcpListener, TcpStream};
use async_std::prelude::*;
use async_std::task;
use futures::future::try_join;
use shared::process::ExampleProcess;

const DIR: &str = env!("CARGO_MANIFEST_DIR");
const PROXY: &str = "proxy";
const STOP: Duration = Duration::from_secs(10);
/// Bound on any single network wait in these tests.
const WAIT: Duration = Duration::from_secs(5);

/// `len` pseudo-random bytes (xorshift).
fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// `future`'s output, or `None` if `limit` passes first.
async fn timeout<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    future::timeout(limit, future).await.ok()
}

/// Starts an upstream on 127.0.0.1 that runs `handle` for every connection it accepts, in tasks
/// on async-std's global executor.
async fn upstream<F, Fut>(handle: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = io::Result<()>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // The `JoinHandle`s are dropped, which detaches the tasks (a dropped smol `Task` would cancel
    // them): the upstream serves until the test process ends.
    task::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            task::spawn(handle(stream));
        }
    });
    addr
}

/// An echo upstream that closes its write side when the client has closed its own.
async fn echo_upstream() -> SocketAddr {
    upstream(|stream| async move {
        // `&TcpStream` reads and writes. (async-std's `io::copy` takes its arguments by value
        // with the `unstable` feature, and by `&mut` without it.)
        async_std::io::copy(&stream, &stream).await?;
        // A half-close, like tokio's `shutdown()`: the client reads EOF through the proxy.
        stream.shutdown(Shutdown::Write)
    })
    .await
}

fn start_proxy(upstream: SocketAddr, flags: &[&str]) -> (ExampleProcess, SocketAddr) {
    let upstream = upstream.to_string();
    let mut args = vec!["127.0.0.1:0", upstream.as_str()];
    args.extend_from_slice(flags);
    ExampleProcess::start_server(DIR, PROXY, &args)
}

/// Connects to `proxy` and expects the proxy to close the connection without sending anything,
/// within `within`; returns how long that took.
async fn expect_prompt_close(proxy: SocketAddr, within: Duration) -> Duration {
    let started = Instant::now();
    let mut client = TcpStream::connect(proxy).await.unwrap();
    let mut buffer = [0u8; 16];
    match timeout(within, client.read(&mut buffer)).await {
        Some(Ok(0)) | Some(Err(_)) => started.elapsed(),
        Some(Ok(n)) => panic!("the proxy sent {n} bytes instead of closing"),
        None => panic!("the client connection was still open after {within:?}"),
    }
}

#[test]
fn four_mib_of_random_bytes_make_the_round_trip_intact() {
    task::block_on(async {
        let upstream = echo_upstream().await;
        let (proxy, addr) = start_proxy(upstream, &[]);
        let sent = random_bytes(42, 4 << 20);

        let mut reader = TcpStream::connect(addr).await.unwrap();
        let mut writer = reader.clone();
        let mut back = Vec::new();
        // Send and receive together: 4 MiB does not fit in the socket buffers along the way.
        let send = async {
            writer.write_all(&sent).await?;
            writer.shutdown(Shutdown::Write)
        };
        timeout(
            Duration::from_secs(10),
            try_join(send, reader.read_to_end(&mut back)),
        )
        .await
        .expect("the round trip did not finish in 10 s")
        .unwrap();
        assert_eq!(back.len(), sent.len());
        assert!(back == sent, "the bytes came back different");

        let finished = proxy.stop(STOP);
        assert!(
            finished
                .stderr
                .contains("done, 4194304 bytes to upstream, 4194304 bytes back"),
            "{}",
            finished.stderr
        );
    });
}

#[test]
fn a_half_closed_request_still_gets_the_whole_reply() {
    task::block_on(async {
        // The upstream answers only after it has read the request to EOF, then closes: without
        // half-close passing through the proxy, both sides would wait for each other forever.
        let upstream = upstream(|mut stream| async move {
            let mut request = Vec::new();
            stream.read_to_end(&mut request).await?;
            let mut reply = format!("read {} bytes\n", request.len()).into_bytes();
            reply.extend(request.iter().rev());
            stream.write_all(&reply).await?;
            stream.shutdown(Shutdown::Write)
        })
        .await;
        let (proxy, addr) = start_proxy(upstream, &[]);

        let request = random_bytes(7, 300 * 1024);
        let mut client = TcpStream::connect(addr).await.unwrap();
        let mut reply = Vec::new();
        timeout(WAIT, async {
            client.write_all(&request).await?;
            client.shutdown(Shutdown::Write)?; // half-close: we still read
            client.read_to_end(&mut reply).await
        })
        .await
        .expect("no complete reply: the half-close did not get through")
        .unwrap();

        let mut expected = format!("read {} bytes\n", request.len()).into_bytes();
        expected.extend(request.iter().rev());
        assert_eq!(reply.len(), expected.len());
        assert!(reply == expected, "the reply came back different");
        proxy.stop(STOP);
    });
}

#[test]
fn an_unreachable_upstream_closes_the_client_promptly() {
    // A port that was free a moment ago: connecting to it is refused.
    let dead = StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap();
    let (proxy, addr) = start_proxy(dead, &[]);

    task::block_on(async {
        expect_prompt_close(addr, Duration::from_secs(2)).await;
        // The proxy is still up and does the same for the next client.
        expect_prompt_close(addr, Duration::from_secs(2)).await;
    });

    let finished = proxy.stop(STOP);
    let refusals = finished
        .stderr
        .matches(&format!("cannot connect to upstream {dead}"))
        .count();
    assert_eq!(refusals, 2, "{}", finished.stderr);
}

#[test]
fn an_upstream_that_does_not_answer_hits_the_connect_timeout() {
    // A listener that never accepts: once its accept queue is full the kernel drops further SYNs,
    // so a connect to it neither succeeds nor fails, it just waits. The tokio twin listens with a
    // backlog of 1; std (and so async-std) listens with 128 and has no setter, so fill 129 places.
    let stuck = StdListener::bind("127.0.0.1:0").unwrap();
    let stuck_addr = stuck.local_addr().unwrap();
    let mut queued = Vec::new();
    let filled = loop {
        match StdStream::connect_timeout(&stuck_addr, Duration::from_millis(200)) {
            Ok(stream) if queued.len() < 300 => queued.push(stream),
            Ok(_) => break false,
            Err(_) => break true,
        }
    };
    assert!(
        filled,
        "could not fill the listen queue of the stuck upstream"
    );

    let (proxy, addr) = start_proxy(stuck_addr, &["--connect-timeout-ms", "300"]);
    let took = task::block_on(expect_prompt_close(addr, Duration::from_secs(3)));
    assert!(
        took >= Duration::from_millis(250),
        "closed after {took:?}, before the 300 ms connect timeout"
    );

    let finished = proxy.stop(STOP);
    assert!(
        finished.stderr.contains(&format!(
            "upstream {stuck_addr} did not answer within 300 ms"
        )),
        "{}",
        finished.stderr
    );
    drop(queued);
}

#[test]
fn an_idle_connection_is_closed_after_the_idle_timeout() {
    task::block_on(async {
        let upstream = echo_upstream().await;
        let (proxy, addr) = start_proxy(upstream, &["--idle-timeout-ms", "300"]);

        async_std::task::spawn_blocking(move || {
            shared::suites::assert_idle_connection_closed(addr)
        })
        .await;
        let finished = proxy.stop(STOP);
        assert!(
            finished
                .stderr
                .contains("nothing moved either way for 300 ms"),
            "{}",
            finished.stderr
        );
    });
}
