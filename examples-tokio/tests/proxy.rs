//! Drives the "proxy" example in front of upstream servers written here: a 4 MiB round trip,
//! half-close in both directions, an unreachable or unresponsive upstream, and an idle client.

use std::net::{SocketAddr, TcpListener as StdListener, TcpStream as StdStream};
use std::time::{Duration, Instant};

use shared::process::ExampleProcess;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::time::timeout;

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

/// Starts an upstream on 127.0.0.1 that runs `handle` for every connection it accepts.
async fn upstream<F, Fut>(handle: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = std::io::Result<()>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handle(stream));
        }
    });
    addr
}

/// An echo upstream that closes its write side when the client has closed its own.
async fn echo_upstream() -> SocketAddr {
    upstream(|mut stream| async move {
        let (mut reader, mut writer) = stream.split();
        tokio::io::copy(&mut reader, &mut writer).await?;
        writer.shutdown().await
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
        Ok(Ok(0)) | Ok(Err(_)) => started.elapsed(),
        Ok(Ok(n)) => panic!("the proxy sent {n} bytes instead of closing"),
        Err(_) => panic!("the client connection was still open after {within:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_mib_of_random_bytes_make_the_round_trip_intact() {
    let upstream = echo_upstream().await;
    let (proxy, addr) = start_proxy(upstream, &[]);
    let sent = random_bytes(42, 4 << 20);

    let mut client = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = client.split();
    let mut back = Vec::new();
    // Send and receive together: 4 MiB does not fit in the socket buffers along the way.
    timeout(Duration::from_secs(10), async {
        let send = async {
            writer.write_all(&sent).await?;
            writer.shutdown().await
        };
        tokio::try_join!(send, reader.read_to_end(&mut back))
    })
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_closed_request_still_gets_the_whole_reply() {
    // The upstream answers only after it has read the request to EOF, then closes: without
    // half-close passing through the proxy, both sides would wait for each other forever.
    let upstream = upstream(|mut stream| async move {
        let mut request = Vec::new();
        stream.read_to_end(&mut request).await?;
        let mut reply = format!("read {} bytes\n", request.len()).into_bytes();
        reply.extend(request.iter().rev());
        stream.write_all(&reply).await?;
        stream.shutdown().await
    })
    .await;
    let (proxy, addr) = start_proxy(upstream, &[]);

    let request = random_bytes(7, 300 * 1024);
    let mut client = TcpStream::connect(addr).await.unwrap();
    let mut reply = Vec::new();
    timeout(WAIT, async {
        client.write_all(&request).await?;
        client.shutdown().await?; // half-close: we still read
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
}

#[tokio::test]
async fn an_unreachable_upstream_closes_the_client_promptly() {
    // A port that was free a moment ago: connecting to it is refused.
    let dead = StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap();
    let (proxy, addr) = start_proxy(dead, &[]);

    expect_prompt_close(addr, Duration::from_secs(2)).await;
    // The proxy is still up and does the same for the next client.
    expect_prompt_close(addr, Duration::from_secs(2)).await;

    let finished = proxy.stop(STOP);
    let refusals = finished
        .stderr
        .matches(&format!("cannot connect to upstream {dead}"))
        .count();
    assert_eq!(refusals, 2, "{}", finished.stderr);
}

#[tokio::test]
async fn an_upstream_that_does_not_answer_hits_the_connect_timeout() {
    // A listener that never accepts, with a backlog of 1: once its queue is full the kernel drops
    // further SYNs, so a connect to it neither succeeds nor fails, it just waits.
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let stuck = socket.listen(1).unwrap();
    let stuck_addr = stuck.local_addr().unwrap();
    let mut queued = Vec::new();
    let filled = loop {
        match StdStream::connect_timeout(&stuck_addr, Duration::from_millis(200)) {
            Ok(stream) if queued.len() < 16 => queued.push(stream),
            Ok(_) => break false,
            Err(_) => break true,
        }
    };
    assert!(
        filled,
        "could not fill the listen queue of the stuck upstream"
    );

    let (proxy, addr) = start_proxy(stuck_addr, &["--connect-timeout-ms", "300"]);
    let took = expect_prompt_close(addr, Duration::from_secs(3)).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let upstream = echo_upstream().await;
    let (proxy, addr) = start_proxy(upstream, &["--idle-timeout-ms", "300"]);

    tokio::task::spawn_blocking(move || shared::suites::assert_idle_connection_closed(addr))
        .await
        .unwrap();
    let finished = proxy.stop(STOP);
    assert!(
        finished
            .stderr
            .contains("nothing moved either way for 300 ms"),
        "{}",
        finished.stderr
    );
}
