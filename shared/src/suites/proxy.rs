//! The proxy's suite, in front of upstream servers written here: a 4 MiB round trip, half-close
//! in both directions, an unreachable or unresponsive upstream, an idle client, and shutdown.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

use super::{Suite, cases, payload, round_trip, round_trip_on};
use crate::process::ExampleProcess;

pub const SUITE: Suite = Suite {
    name: "proxy",
    examples: &["proxy"],
    cases: cases![
        four_mib_of_random_bytes_make_the_round_trip_intact,
        a_half_closed_request_still_gets_the_whole_reply,
        an_unreachable_upstream_closes_the_client_promptly,
        an_upstream_that_does_not_answer_hits_the_connect_timeout,
        an_idle_connection_is_closed_after_the_idle_timeout,
        shutdown_still_forwards_a_client_waiting_in_the_backlog,
        bad_flags_are_usage_errors,
    ],
};

const STOP: Duration = Duration::from_secs(10);
/// Bound on any single network wait in these tests.
const WAIT: Duration = Duration::from_secs(5);

/// Starts an upstream on 127.0.0.1 that runs `handle` on a thread for every connection; it
/// lives as long as the test process, which is short.
fn upstream(handle: fn(TcpStream) -> std::io::Result<()>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
            thread::spawn(move || handle(stream));
        }
    });
    addr
}

/// An echo upstream that closes its write side when the client has closed its own.
fn echo_upstream() -> SocketAddr {
    upstream(|mut stream| {
        std::io::copy(&mut stream.try_clone()?, &mut stream)?;
        stream.shutdown(Shutdown::Write)
    })
}

fn start_proxy(dir: &str, upstream: SocketAddr, flags: &[&str]) -> (ExampleProcess, SocketAddr) {
    let upstream = upstream.to_string();
    let mut args = vec!["127.0.0.1:0", upstream.as_str()];
    args.extend_from_slice(flags);
    ExampleProcess::start_server(dir, "proxy", &args)
}

/// Connects to `proxy` and expects it to close the connection without sending anything, within
/// `within`; returns how long that took.
fn expect_prompt_close(proxy: SocketAddr, within: Duration) -> Duration {
    let started = Instant::now();
    let mut client = TcpStream::connect(proxy).unwrap();
    client.set_read_timeout(Some(within)).unwrap();
    match client.read(&mut [0u8; 16]) {
        Ok(0) => started.elapsed(),
        Ok(n) => panic!("the proxy sent {n} bytes instead of closing"),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            panic!("the client connection was still open after {within:?}")
        }
        Err(_) => started.elapsed(), // reset: closed too
    }
}

fn four_mib_of_random_bytes_make_the_round_trip_intact(dir: &str) {
    let (proxy, addr) = start_proxy(dir, echo_upstream(), &[]);
    let sent = payload(42, 4 << 20);
    // Send and receive together: 4 MiB does not fit in the socket buffers along the way.
    let back = round_trip(addr, &sent, Duration::from_secs(10)).expect("the round trip failed");
    assert_eq!(back.len(), sent.len());
    assert!(back == sent, "the bytes came back different");

    let finished = proxy.stop(STOP);
    assert!(
        finished.stderr.contains("done, 4194304 bytes to upstream, 4194304 bytes back"),
        "{}",
        finished.stderr
    );
}

fn a_half_closed_request_still_gets_the_whole_reply(dir: &str) {
    // The upstream answers only after it has read the request to EOF, then closes: without
    // half-close passing through the proxy, both sides would wait for each other forever.
    let upstream = upstream(|mut stream| {
        let mut request = Vec::new();
        stream.read_to_end(&mut request)?;
        let mut reply = format!("read {} bytes\n", request.len()).into_bytes();
        reply.extend(request.iter().rev());
        stream.write_all(&reply)?;
        stream.shutdown(Shutdown::Write)
    });
    let (proxy, addr) = start_proxy(dir, upstream, &[]);

    let request = payload(7, 300 * 1024);
    let mut client = TcpStream::connect(addr).unwrap();
    client.set_read_timeout(Some(WAIT)).unwrap();
    client.write_all(&request).unwrap();
    client.shutdown(Shutdown::Write).unwrap(); // half-close: we still read
    let mut reply = Vec::new();
    client.read_to_end(&mut reply).expect("no complete reply: the half-close did not get through");

    let mut expected = format!("read {} bytes\n", request.len()).into_bytes();
    expected.extend(request.iter().rev());
    assert_eq!(reply.len(), expected.len());
    assert!(reply == expected, "the reply came back different");
    proxy.stop(STOP);
}

fn an_unreachable_upstream_closes_the_client_promptly(dir: &str) {
    // A port that was free a moment ago: connecting to it is refused.
    let dead = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).unwrap();
    let (proxy, addr) = start_proxy(dir, dead, &[]);

    expect_prompt_close(addr, Duration::from_secs(2));
    // The proxy is still up and does the same for the next client.
    expect_prompt_close(addr, Duration::from_secs(2));

    let finished = proxy.stop(STOP);
    let refusals = finished.stderr.matches(&format!("cannot connect to upstream {dead}")).count();
    assert_eq!(refusals, 2, "{}", finished.stderr);
}

fn an_upstream_that_does_not_answer_hits_the_connect_timeout(dir: &str) {
    // A listener that never accepts, with a backlog of 1: once its queue is full the kernel drops
    // further SYNs, so a connect to it neither succeeds nor fails, it just waits.
    let stuck = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    stuck.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into()).unwrap();
    stuck.listen(1).unwrap();
    let stuck_addr = stuck.local_addr().unwrap().as_socket().unwrap();
    let mut queued = Vec::new();
    let filled = loop {
        match TcpStream::connect_timeout(&stuck_addr, Duration::from_millis(200)) {
            Ok(stream) if queued.len() < 16 => queued.push(stream),
            Ok(_) => break false,
            Err(_) => break true,
        }
    };
    assert!(filled, "could not fill the listen queue of the stuck upstream");

    let (proxy, addr) = start_proxy(dir, stuck_addr, &["--connect-timeout-ms", "300"]);
    let took = expect_prompt_close(addr, Duration::from_secs(3));
    assert!(
        took >= Duration::from_millis(250),
        "closed after {took:?}, before the 300 ms connect timeout"
    );

    let finished = proxy.stop(STOP);
    assert!(
        finished.stderr.contains(&format!("upstream {stuck_addr} did not answer within 300 ms")),
        "{}",
        finished.stderr
    );
    drop(queued);
}

fn an_idle_connection_is_closed_after_the_idle_timeout(dir: &str) {
    let (proxy, addr) = start_proxy(dir, echo_upstream(), &["--idle-timeout-ms", "300"]);
    super::assert_idle_connection_closed(addr);
    let finished = proxy.stop(STOP);
    assert!(finished.stderr.contains("nothing moved either way for 300 ms"), "{}", finished.stderr);
}

/// The shutdown policy of docs/design.md: a client the proxy has not accepted yet (one past the
/// connection cap) is accepted at shutdown and forwarded like the open connections, for the
/// grace period.
fn shutdown_still_forwards_a_client_waiting_in_the_backlog(dir: &str) {
    let (proxy, addr) = start_proxy(dir, echo_upstream(), &["--max-connections", "1"]);
    let mut first = TcpStream::connect(addr).unwrap();
    first.set_read_timeout(Some(WAIT)).unwrap();
    first.write_all(b"1").unwrap();
    first.read_exact(&mut [0; 1]).unwrap();
    let mut waiting = TcpStream::connect(addr).unwrap();
    waiting.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    waiting.write_all(b"ping").unwrap();
    assert!(waiting.read_exact(&mut [0; 4]).is_err(), "forwarded past the cap of 1");

    proxy.interrupt();
    let back = round_trip_on(waiting, b"", WAIT).expect("the waiting client was not forwarded");
    assert_eq!(back, b"ping");
    drop(first);
    proxy.wait_for_shutdown(STOP);
}

fn bad_flags_are_usage_errors(manifest_dir: &str) {
    super::assert_bad_flags_are_usage_errors(
        manifest_dir,
        "proxy",
        &["127.0.0.1:0", "127.0.0.1:9"],
    );
}
