//! Drives the "tcp_echo_server" example (and its "tcp_client"): echoes, floods, resets, idle
//! peers and running out of file descriptors, each against its own server process.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener as StdListener, TcpStream as StdStream};
use std::process::Command;
use std::time::{Duration, Instant};

use shared::process::{ExampleProcess, example_binary};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

const DIR: &str = env!("CARGO_MANIFEST_DIR");
const SERVER: &str = "tcp_echo_server";
const STOP: Duration = Duration::from_secs(10);
/// Bound on any single network wait in these tests.
const WAIT: Duration = Duration::from_secs(5);

/// `len` bytes that differ for every `seed` (xorshift), so a mixed-up echo cannot pass.
fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// Sends `data` on a new connection, half-closes, and returns everything read back until EOF.
/// Writing and reading run together, as the server echoes while we are still sending.
async fn round_trip(addr: SocketAddr, data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr).await?;
    let (mut reader, mut writer) = stream.split();
    let send = async {
        writer.write_all(data).await?;
        writer.shutdown().await
    };
    let mut back = Vec::new();
    let receive = reader.read_to_end(&mut back);
    tokio::try_join!(send, receive)?;
    Ok(back)
}

#[test]
fn the_client_example_gets_its_message_back() {
    let (server, addr) = ExampleProcess::start_server(DIR, SERVER, &["127.0.0.1:0"]);
    let client = ExampleProcess::start(DIR, "tcp_client", &[&addr.to_string(), "hello, echo"]);
    let finished = client.wait(Duration::from_secs(10));
    assert!(finished.status.success(), "tcp_client failed: {finished:?}");
    assert_eq!(
        finished.stdout,
        [
            format!("connected to {addr}"),
            "received 11 bytes: hello, echo".to_owned()
        ]
    );
    server.stop(STOP);
}

#[test]
fn the_client_example_reads_a_reply_longer_than_one_read() {
    // The guides' client takes what one `read` into 1 KiB returns for the whole reply. An echo
    // of 100,000 bytes arrives in many reads, so only a client that reads to EOF gets it all.
    const LEN: usize = 100_000;
    let message: String = (b'a'..=b'z').cycle().take(LEN).map(char::from).collect();
    let (server, addr) = ExampleProcess::start_server(DIR, SERVER, &["127.0.0.1:0"]);
    let client = ExampleProcess::start(DIR, "tcp_client", &[&addr.to_string(), &message]);
    let finished = client.wait(Duration::from_secs(10));
    assert!(
        finished.status.success(),
        "tcp_client failed: {}",
        finished.stderr
    );
    assert_eq!(finished.stdout.len(), 2, "stderr: {}", finished.stderr);
    assert_eq!(finished.stdout[0], format!("connected to {addr}"));
    let echo = finished.stdout[1]
        .strip_prefix(&format!("received {LEN} bytes: "))
        .unwrap_or_else(|| panic!("not the whole echo: {:.80}...", finished.stdout[1]));
    assert!(echo == message, "the echo differs from the message");
    server.stop(STOP);
}

#[test]
fn the_client_example_fails_clearly_when_nothing_listens() {
    // A port that was free a moment ago: connecting to it is refused.
    let addr = StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a probe listener");
    let started = Instant::now();
    let finished = ExampleProcess::start(DIR, "tcp_client", &[&addr.to_string()])
        .wait(Duration::from_secs(10));
    assert!(!finished.status.success(), "{finished:?}");
    assert!(
        finished
            .stderr
            .contains(&format!("cannot connect to {addr}")),
        "{finished:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_clients_each_get_their_own_bytes() {
    let (server, addr) = ExampleProcess::start_server(DIR, SERVER, &["127.0.0.1:0"]);
    let mut clients = JoinSet::new();
    for i in 0..200u64 {
        // ~64 KiB each, lengths differ too.
        let data = payload(i, 64 * 1024 + i as usize);
        clients.spawn(async move {
            let back = round_trip(addr, &data).await;
            (i, data, back)
        });
    }
    let mut intact = 0;
    timeout(Duration::from_secs(20), async {
        while let Some(joined) = clients.join_next().await {
            let (i, sent, back) = joined.expect("client task panicked");
            let back = back.unwrap_or_else(|e| panic!("client {i}: {e}"));
            assert_eq!(back.len(), sent.len(), "client {i}: length");
            assert!(back == sent, "client {i}: got different bytes back");
            intact += 1;
        }
    })
    .await
    .expect("200 echoes did not finish in 20 s");
    assert_eq!(intact, 200);
    server.stop(STOP);
}

#[tokio::test]
async fn a_client_reset_mid_stream_hurts_nobody_else() {
    let (server, addr) = ExampleProcess::start_server(DIR, SERVER, &["127.0.0.1:0"]);
    let data = payload(7, 256 * 1024);
    let (first, second) = data.split_at(data.len() / 2);

    // A well-behaved client, half-way through its exchange.
    let mut polite = TcpStream::connect(addr).await.unwrap();
    let (mut polite_reader, mut polite_writer) = polite.split();
    let mut echoed_first = vec![0; first.len()];
    timeout(WAIT, async {
        tokio::try_join!(
            polite_writer.write_all(first),
            polite_reader.read_exact(&mut echoed_first)
        )
    })
    .await
    .expect("first half timed out")
    .unwrap();
    assert!(echoed_first == first);

    // A rude one: sends 1 MiB, reads none of the echo, and resets (SO_LINGER 0) with data in
    // flight both ways.
    let socket = TcpSocket::new_v4().unwrap();
    let mut rude = socket.connect(addr).await.unwrap();
    let rude_addr = rude.local_addr().unwrap();
    rude.set_zero_linger().unwrap();
    let _ = timeout(
        Duration::from_millis(300),
        rude.write_all(&payload(8, 1 << 20)),
    )
    .await;
    drop(rude);
    sleep(Duration::from_millis(100)).await;

    // The polite client goes on as if nothing happened.
    let mut echoed_second = Vec::new();
    timeout(WAIT, async {
        let send = async {
            polite_writer.write_all(second).await?;
            polite_writer.shutdown().await
        };
        tokio::try_join!(send, polite_reader.read_to_end(&mut echoed_second))
    })
    .await
    .expect("second half timed out")
    .unwrap();
    assert!(
        echoed_second == second,
        "the second half came back different"
    );

    // And the server still serves new clients.
    let back = timeout(WAIT, round_trip(addr, b"still there?"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back, b"still there?");

    let finished = server.stop(STOP);
    // The server noticed the reset as an error on that one connection, and logged it.
    let rude_lines: Vec<&str> = finished
        .stderr
        .lines()
        .filter(|line| line.starts_with(&format!("{rude_addr}: ")))
        .collect();
    assert!(
        rude_lines
            .iter()
            .any(|line| !line.ends_with("connected") && !line.contains("closed after echoing")),
        "no error logged for the reset connection: {rude_lines:?}"
    );
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let (server, addr) =
        ExampleProcess::start_server(DIR, SERVER, &["127.0.0.1:0", "--idle-timeout-ms", "300"]);
    tokio::task::spawn_blocking(move || shared::suites::assert_idle_connection_closed(addr))
        .await
        .unwrap();
    server.stop(STOP);
}

#[tokio::test]
async fn an_active_connection_outlives_the_idle_timeout() {
    let (server, addr) =
        ExampleProcess::start_server(DIR, SERVER, &["127.0.0.1:0", "--idle-timeout-ms", "300"]);
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // 10 messages 100 ms apart: open for 1 s, over three times the idle timeout, never idle.
    for i in 0..10u8 {
        stream.write_all(&[i]).await.unwrap();
        let mut echo = [0; 1];
        timeout(WAIT, stream.read_exact(&mut echo))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(echo, [i]);
        sleep(Duration::from_millis(100)).await;
    }
    stream.shutdown().await.unwrap();
    let mut rest = Vec::new();
    timeout(WAIT, stream.read_to_end(&mut rest))
        .await
        .unwrap()
        .unwrap();
    assert!(rest.is_empty());
    server.stop(STOP);
}

#[test]
fn shutdown_closes_open_connections_after_the_grace_period() {
    let (server, addr) = ExampleProcess::start_server(DIR, SERVER, &["127.0.0.1:0"]);
    let mut stream = StdStream::connect_timeout(&addr, WAIT).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.write_all(b"x").unwrap();
    let mut echo = [0; 1];
    stream.read_exact(&mut echo).unwrap();

    // The connection stays open: the server waits out its 2 s grace period, then closes it.
    let started = Instant::now();
    let finished = server.stop(STOP);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1800) && took < Duration::from_secs(5),
        "shutdown took {took:?}, expected the 2 s grace period"
    );
    let mut rest = Vec::new();
    assert_eq!(stream.read_to_end(&mut rest).unwrap(), 0);
    assert!(
        finished.stderr.contains("closed by server shutdown"),
        "{}",
        finished.stderr
    );
}

/// The process state letter from `/proc/<pid>/stat` (`Z` once it has exited).
fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ...": the state follows the last `)`.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

#[test]
fn running_out_of_file_descriptors_does_not_end_the_server() {
    let bin = example_binary(DIR, SERVER);
    let bin = bin.to_str().expect("a UTF-8 path");
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        "ulimit -n 64 && exec \"$0\" \"$@\"",
        bin,
        "127.0.0.1:0",
    ]);
    let (server, addr) = ExampleProcess::spawn_server(cmd);

    // 80 connections against a limit of 64 descriptors: the server accepts until EMFILE, the rest
    // wait in the listen backlog.
    let mut held: Vec<StdStream> = (0..80)
        .map(|i| {
            StdStream::connect_timeout(&addr, WAIT)
                .unwrap_or_else(|e| panic!("connection {i}: {e}"))
        })
        .collect();
    // Give the accept loop time to hit the limit and retry a few times.
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        matches!(process_state(server.id()), Some(state) if state != 'Z'),
        "the server exited when it ran out of descriptors"
    );
    // A connection accepted before the limit is still served.
    held[0].set_read_timeout(Some(WAIT)).unwrap();
    held[0].write_all(b"x").unwrap();
    let mut echo = [0; 1];
    held[0].read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"x");

    held.clear();
    // With the descriptors back, a new client is served again (the accept loop is backing off,
    // at most 1 s between attempts).
    let deadline = Instant::now() + Duration::from_secs(8);
    let served = loop {
        let attempt = (|| {
            let mut stream = StdStream::connect_timeout(&addr, WAIT)?;
            stream.set_read_timeout(Some(Duration::from_secs(2)))?;
            stream.write_all(b"back again")?;
            stream.shutdown(std::net::Shutdown::Write)?;
            let mut back = Vec::new();
            stream.read_to_end(&mut back)?;
            std::io::Result::Ok(back)
        })();
        match attempt {
            Ok(back) if back == b"back again" => break true,
            _ if Instant::now() >= deadline => break false,
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    assert!(
        served,
        "no client was served after the descriptors were freed"
    );

    let finished = server.stop(STOP);
    assert!(
        finished.stderr.contains("Too many open files"),
        "the server never ran out of descriptors, so this test proved nothing: {}",
        finished.stderr
    );
}
