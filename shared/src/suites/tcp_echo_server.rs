//! The echo server's suite, and its client's: echoes, floods, resets, idle peers, running out of
//! file descriptors, and shutdown, each against its own server process.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use super::{Suite, cases, payload, round_trip, round_trip_on};
use crate::process::{ExampleProcess, example_binary, reset_on_close};

pub const SUITE: Suite = Suite {
    name: "tcp_echo_server",
    examples: &["tcp_echo_server", "tcp_client"],
    cases: cases![
        the_client_example_gets_its_message_back,
        the_client_example_reads_a_reply_longer_than_one_read,
        the_client_example_fails_clearly_when_nothing_listens,
        two_hundred_concurrent_clients_each_get_their_own_bytes,
        a_client_reset_mid_stream_hurts_nobody_else,
        an_idle_connection_is_closed_after_the_idle_timeout,
        an_active_connection_outlives_the_idle_timeout,
        shutdown_closes_open_connections_after_the_grace_period,
        shutdown_still_serves_a_client_waiting_in_the_backlog,
        bad_flags_are_usage_errors,
        running_out_of_file_descriptors_does_not_end_the_server,
    ],
};

const SERVER: &str = "tcp_echo_server";
const STOP: Duration = Duration::from_secs(10);
/// Bound on any single network wait in these tests.
const WAIT: Duration = Duration::from_secs(5);

fn start(dir: &str, flags: &[&str]) -> (ExampleProcess, std::net::SocketAddr) {
    let mut args = vec!["127.0.0.1:0"];
    args.extend_from_slice(flags);
    ExampleProcess::start_server(dir, SERVER, &args)
}

fn the_client_example_gets_its_message_back(dir: &str) {
    let (server, addr) = start(dir, &[]);
    let client = ExampleProcess::start(dir, "tcp_client", &[&addr.to_string(), "hello, echo"]);
    let finished = client.wait(Duration::from_secs(10));
    assert!(finished.status.success(), "tcp_client failed: {finished:?}");
    assert_eq!(
        finished.stdout,
        [format!("connected to {addr}"), "received 11 bytes: hello, echo".to_owned()]
    );
    server.stop(STOP);
}

fn the_client_example_reads_a_reply_longer_than_one_read(dir: &str) {
    // The guides' client takes what one `read` into 1 KiB returns for the whole reply. An echo
    // of 100,000 bytes arrives in many reads, so only a client that reads to EOF gets it all.
    const LEN: usize = 100_000;
    let message: String = (b'a'..=b'z').cycle().take(LEN).map(char::from).collect();
    let (server, addr) = start(dir, &[]);
    let client = ExampleProcess::start(dir, "tcp_client", &[&addr.to_string(), &message]);
    let finished = client.wait(Duration::from_secs(10));
    assert!(finished.status.success(), "tcp_client failed: {}", finished.stderr);
    assert_eq!(finished.stdout.len(), 2, "stderr: {}", finished.stderr);
    assert_eq!(finished.stdout[0], format!("connected to {addr}"));
    let echo = finished.stdout[1]
        .strip_prefix(&format!("received {LEN} bytes: "))
        .unwrap_or_else(|| panic!("not the whole echo: {:.80}...", finished.stdout[1]));
    assert!(echo == message, "the echo differs from the message");
    server.stop(STOP);
}

fn the_client_example_fails_clearly_when_nothing_listens(dir: &str) {
    // A port that was free a moment ago: connecting to it is refused.
    let addr = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind a probe");
    let started = Instant::now();
    let finished = ExampleProcess::start(dir, "tcp_client", &[&addr.to_string()])
        .wait(Duration::from_secs(10));
    assert!(!finished.status.success(), "{finished:?}");
    assert!(finished.stderr.contains(&format!("cannot connect to {addr}")), "{finished:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

fn two_hundred_concurrent_clients_each_get_their_own_bytes(dir: &str) {
    let (server, addr) = start(dir, &[]);
    let started = Instant::now();
    let intact = thread::scope(|scope| {
        let clients: Vec<_> = (0..200u64)
            .map(|i| {
                scope.spawn(move || {
                    // ~64 KiB each, lengths differ too.
                    let sent = payload(i, 64 * 1024 + i as usize);
                    let back = round_trip(addr, &sent, Duration::from_secs(20));
                    let back = back.unwrap_or_else(|e| panic!("client {i}: {e}"));
                    assert_eq!(back.len(), sent.len(), "client {i}: length");
                    assert!(back == sent, "client {i}: got different bytes back");
                })
            })
            .collect();
        let mut intact = 0;
        for client in clients {
            // A failed client panicked with its reason; pass that on.
            client.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            intact += 1;
        }
        intact
    });
    assert_eq!(intact, 200);
    assert!(started.elapsed() < Duration::from_secs(20), "200 echoes took over 20 s");
    server.stop(STOP);
}

fn a_client_reset_mid_stream_hurts_nobody_else(dir: &str) {
    let (server, addr) = start(dir, &[]);
    let data = payload(7, 256 * 1024);
    let (first, second) = data.split_at(data.len() / 2);

    // A well-behaved client, half-way through its exchange.
    let mut polite = TcpStream::connect(addr).unwrap();
    polite.set_read_timeout(Some(WAIT)).unwrap();
    let mut polite_writer = polite.try_clone().unwrap();
    let mut echoed_first = vec![0; first.len()];
    thread::scope(|scope| {
        scope.spawn(|| polite_writer.write_all(first).expect("send the first half"));
        polite.read_exact(&mut echoed_first).expect("the first half timed out");
    });
    assert!(echoed_first == first);

    // A rude one: sends 1 MiB, reads none of the echo, and resets (SO_LINGER 0) with data in
    // flight both ways.
    let mut rude = TcpStream::connect(addr).unwrap();
    let rude_addr = rude.local_addr().unwrap();
    reset_on_close(&rude).unwrap();
    rude.set_write_timeout(Some(Duration::from_millis(300))).unwrap();
    let _ = rude.write_all(&payload(8, 1 << 20));
    drop(rude);
    thread::sleep(Duration::from_millis(100));

    // The polite client goes on as if nothing happened.
    let echoed_second = round_trip_on(polite, second, WAIT).expect("the second half timed out");
    assert!(echoed_second == second, "the second half came back different");

    // And the server still serves new clients.
    assert_eq!(round_trip(addr, b"still there?", WAIT).unwrap(), b"still there?");

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

fn an_idle_connection_is_closed_after_the_idle_timeout(dir: &str) {
    let (server, addr) = start(dir, &["--idle-timeout-ms", "300"]);
    super::assert_idle_connection_closed(addr);
    server.stop(STOP);
}

fn an_active_connection_outlives_the_idle_timeout(dir: &str) {
    let (server, addr) = start(dir, &["--idle-timeout-ms", "300"]);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    // 10 messages 100 ms apart: open for 1 s, over three times the idle timeout, never idle.
    for i in 0..10u8 {
        stream.write_all(&[i]).unwrap();
        let mut echo = [0; 1];
        stream.read_exact(&mut echo).unwrap();
        assert_eq!(echo, [i]);
        thread::sleep(Duration::from_millis(100));
    }
    stream.shutdown(Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    server.stop(STOP);
}

fn shutdown_closes_open_connections_after_the_grace_period(dir: &str) {
    let (server, addr) = start(dir, &[]);
    let mut stream = TcpStream::connect_timeout(&addr, WAIT).unwrap();
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
    assert!(finished.stderr.contains("closed by server shutdown"), "{}", finished.stderr);
}

/// The shutdown policy of docs/design.md: a client the server has not accepted yet (here: one
/// past the connection cap) is accepted at shutdown and served like the open connections, for
/// the grace period. (Echo has no words for "shutting down": serving it is how it is told.)
fn shutdown_still_serves_a_client_waiting_in_the_backlog(dir: &str) {
    let (server, addr) = start(dir, &["--max-connections", "1"]);
    let mut first = TcpStream::connect(addr).unwrap();
    first.set_read_timeout(Some(WAIT)).unwrap();
    first.write_all(b"1").unwrap();
    first.read_exact(&mut [0; 1]).unwrap();
    let mut waiting = TcpStream::connect(addr).unwrap();
    waiting.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    waiting.write_all(b"ping").unwrap();
    let mut echo = [0u8; 4];
    assert!(waiting.read_exact(&mut echo).is_err(), "echoed past the cap of 1");

    server.interrupt();
    waiting.set_read_timeout(Some(WAIT)).unwrap();
    waiting.read_exact(&mut echo).expect("the waiting client was not served");
    assert_eq!(&echo, b"ping");
    waiting.shutdown(Shutdown::Write).unwrap();
    assert_eq!(waiting.read(&mut echo).unwrap(), 0, "no clean end after the echo");
    drop(first);
    server.wait_for_shutdown(STOP);
}

/// The process state letter from `/proc/<pid>/stat` (`Z` once it has exited).
fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ...": the state follows the last `)`.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

fn running_out_of_file_descriptors_does_not_end_the_server(dir: &str) {
    let bin = example_binary(dir, SERVER);
    let bin = bin.to_str().expect("a UTF-8 path");
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "ulimit -n 64 && exec \"$0\" \"$@\"", bin, "127.0.0.1:0"]);
    let (server, addr) = ExampleProcess::spawn_server(cmd);

    // 80 connections against a limit of 64 descriptors: the server accepts until EMFILE, the rest
    // wait in the listen backlog.
    let mut held: Vec<TcpStream> = (0..80)
        .map(|i| {
            TcpStream::connect_timeout(&addr, WAIT)
                .unwrap_or_else(|e| panic!("connection {i}: {e}"))
        })
        .collect();
    // Give the accept loop time to hit the limit and retry a few times.
    thread::sleep(Duration::from_millis(500));
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
        match round_trip(addr, b"back again", Duration::from_secs(2)) {
            Ok(back) if back == b"back again" => break true,
            _ if Instant::now() >= deadline => break false,
            _ => thread::sleep(Duration::from_millis(100)),
        }
    };
    assert!(served, "no client was served after the descriptors were freed");

    let finished = server.stop(STOP);
    assert!(
        finished.stderr.contains("Too many open files"),
        "the server never ran out of descriptors, so this test proved nothing: {}",
        finished.stderr
    );
}

fn bad_flags_are_usage_errors(manifest_dir: &str) {
    super::assert_bad_flags_are_usage_errors(manifest_dir, "tcp_echo_server", &["127.0.0.1:0"]);
}
