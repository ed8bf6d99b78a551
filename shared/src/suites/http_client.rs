//! Drives the "http_client" example against one-shot servers written here: each way a body can
//! be framed, a non-UTF-8 body, lying and silent servers, and bad URLs. (Its run without a URL,
//! against its own built-in server, is checked by each crate's
//! tests/expected/http_client.stdout.)

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use socket2::SockRef;

use crate::process::{ExampleProcess, Finished, example_binary};

use super::{Suite, cases};

pub const SUITE: Suite = Suite {
    name: "http_client",
    examples: &["http_client"],
    cases: cases![
        a_content_length_body_and_the_request_it_sent,
        a_chunked_body_is_decoded,
        a_body_without_length_is_read_until_the_server_closes,
        a_non_utf8_body_is_reported_not_a_panic,
        an_interim_1xx_response_is_skipped,
        a_silent_server_times_out_quickly,
        a_body_over_the_size_limit_is_refused,
        a_body_shorter_than_its_content_length_is_an_error,
        a_url_with_another_scheme_is_refused,
        a_url_without_a_host_is_refused,
        a_url_that_would_inject_a_header_is_refused,
    ],
};

const CLIENT: &str = "http_client";
const RUN: Duration = Duration::from_secs(10);

/// Serves one connection on 127.0.0.1: reads the request head, answers `response`, closes.
/// The handle returns the request as received.
fn one_shot_server(response: Vec<u8>) -> (SocketAddr, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the test server");
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("the client never connected");
        let request = read_request(&mut stream);
        // The client may give up part-way through (that is what some tests check).
        let _ = stream.write_all(&response);
        let _ = stream.shutdown(Shutdown::Write);
        request
    });
    (addr, handle)
}

/// Reads a request head from `stream`, for at most 5 s per read.
fn read_request(stream: &mut TcpStream) -> String {
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut buffer).expect("reading the request");
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buffer[..n]);
    }
    String::from_utf8_lossy(&request).into_owned()
}

/// What [`flooding_server`] managed to send.
struct Flooded {
    /// Body bytes the kernel accepted from us before the client closed (or the body was all sent).
    accepted: u64,
    /// Our socket's send buffer as the kernel set it.
    send_buffer: u64,
}

/// Serves one connection: after the request, a head announcing `body_len` bytes, then the body
/// itself (bytes 0xff, not UTF-8, so that nobody prints it), written through a small send buffer
/// for as long as the client takes it. Counts what the kernel accepted.
fn flooding_server(body_len: u64) -> (SocketAddr, JoinHandle<Flooded>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the test server");
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("the client never connected");
        // Small, so that what sits in our own buffer cannot hide much of what the client took.
        let socket = SockRef::from(&stream);
        socket.set_send_buffer_size(4096).unwrap();
        let send_buffer = socket.send_buffer_size().unwrap() as u64;
        read_request(&mut stream);
        stream.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {body_len}\r\n\r\n");
        stream.write_all(head.as_bytes()).expect("sending the head");
        let chunk = [0xff; 16 * 1024];
        let mut accepted = 0;
        while accepted < body_len {
            let want = chunk.len().min((body_len - accepted) as usize);
            // Fails once the client has closed (a reset, as it leaves unread data behind), or
            // after 5 s if it neither reads nor closes.
            match stream.write(&chunk[..want]) {
                Ok(0) | Err(_) => break,
                Ok(n) => accepted += n as u64,
            }
        }
        let _ = stream.shutdown(Shutdown::Write);
        Flooded { accepted, send_buffer }
    });
    (addr, handle)
}

/// The `index`-th number on the line of `/proc` text `text` that starts with `prefix`.
fn proc_number(text: &str, prefix: &str, index: usize) -> Option<u64> {
    let line = text.lines().find(|line| line.starts_with(prefix))?;
    line[prefix.len()..].split_whitespace().nth(index)?.parse().ok()
}

/// Polls the peak RSS (VmHWM, KiB) of process `pid` running `binary` until it exits or `done`
/// is set; returns the highest value seen and the number of samples. Samples from before the
/// exec, while the child still shares or copies this process's memory, are skipped.
fn peak_rss_kib(pid: u32, binary: &Path, done: &AtomicBool) -> (u64, u32) {
    let (mut peak, mut samples) = (0, 0);
    while !done.load(Ordering::Relaxed) {
        let proc = PathBuf::from(format!("/proc/{pid}"));
        // Unreadable once the process is a zombie or gone.
        let Ok(exe) = std::fs::read_link(proc.join("exe")) else { break };
        if exe == binary {
            let status = std::fs::read_to_string(proc.join("status")).unwrap_or_default();
            let Some(hwm) = proc_number(&status, "VmHWM:", 0) else { break };
            (peak, samples) = (peak.max(hwm), samples + 1);
        }
        thread::sleep(Duration::from_millis(1));
    }
    (peak, samples)
}

fn fetch(manifest_dir: &str, url: &str, extra: &[&str]) -> Finished {
    let mut args = vec![url];
    args.extend_from_slice(extra);
    ExampleProcess::start(manifest_dir, CLIENT, &args).wait(RUN)
}

fn assert_success(finished: &Finished, stdout: &[&str]) {
    assert!(finished.status.success(), "http_client failed: {finished:?}");
    assert_eq!(finished.stdout, stdout, "stderr: {}", finished.stderr);
}

fn assert_failure(finished: &Finished, stderr_has: &str) {
    assert!(!finished.status.success(), "expected a failure: {finished:?}");
    assert!(
        finished.stderr.contains(stderr_has),
        "stderr lacks {stderr_has:?}: {}",
        finished.stderr
    );
    assert!(!finished.stderr.contains("panicked"), "it panicked: {}", finished.stderr);
}

fn a_content_length_body_and_the_request_it_sent(manifest_dir: &str) {
    let (addr, server) =
        one_shot_server(b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, world!".to_vec());
    let finished = fetch(manifest_dir, &format!("http://{addr}/greeting?lang=en"), &[]);
    assert_success(
        &finished,
        &["HTTP/1.1 200 OK", "body: 13 bytes, Content-Length", "Hello, world!"],
    );
    let request = server.join().unwrap();
    assert!(request.starts_with("GET /greeting?lang=en HTTP/1.1\r\n"), "{request:?}");
    assert!(request.contains(&format!("\r\nHost: {addr}\r\n")), "{request:?}");
    assert!(request.contains("\r\nConnection: close\r\n"), "{request:?}");
}

fn a_chunked_body_is_decoded(manifest_dir: &str) {
    // Chunk extensions and a trailer, which a decoder must skip, and a status that is not 200.
    let (addr, server) = one_shot_server(
        b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n\
          5;note=first\r\nno su\r\n\
          9\r\nch page!\n\r\n\
          0\r\nX-Checksum: none\r\n\r\n"
            .to_vec(),
    );
    let finished = fetch(manifest_dir, &format!("http://{addr}/missing"), &[]);
    assert_success(
        &finished,
        &["HTTP/1.1 404 Not Found", "body: 14 bytes, chunked", "no such page!"],
    );
    server.join().unwrap();
}

fn a_body_without_length_is_read_until_the_server_closes(manifest_dir: &str) {
    let (addr, server) = one_shot_server(b"HTTP/1.0 200 OK\r\n\r\nuntil close\n".to_vec());
    let finished = fetch(manifest_dir, &format!("http://{addr}"), &[]);
    assert_success(
        &finished,
        &["HTTP/1.0 200 OK", "body: 12 bytes, read until the server closed", "until close"],
    );
    // No path in the URL: the request asks for `/`.
    assert!(server.join().unwrap().starts_with("GET / HTTP/1.1\r\n"));
}

fn a_non_utf8_body_is_reported_not_a_panic(manifest_dir: &str) {
    let mut response = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n".to_vec();
    response.extend_from_slice(&[0xff, 0xfe, 0x00, 0x80]);
    let (addr, server) = one_shot_server(response);
    let finished = fetch(manifest_dir, &format!("http://{addr}/bytes"), &[]);
    assert_success(
        &finished,
        &["HTTP/1.1 200 OK", "body: 4 bytes, Content-Length", "<4 bytes, not UTF-8>"],
    );
    server.join().unwrap();
}

fn an_interim_1xx_response_is_skipped(manifest_dir: &str) {
    let (addr, server) = one_shot_server(
        b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n\
          HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
            .to_vec(),
    );
    let finished = fetch(manifest_dir, &format!("http://{addr}/"), &[]);
    assert_success(&finished, &["HTTP/1.1 200 OK", "body: 2 bytes, Content-Length", "ok"]);
    server.join().unwrap();
}

fn a_silent_server_times_out_quickly(manifest_dir: &str) {
    // Accepts, reads the request, never answers; holds the connection until the client leaves.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    });
    let started = Instant::now();
    let finished = fetch(manifest_dir, &format!("http://{addr}/"), &["--timeout-ms", "500"]);
    let took = started.elapsed();
    assert_failure(&finished, "timed out");
    assert!(finished.stdout.is_empty(), "{finished:?}");
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_secs(4),
        "gave up after {took:?}, expected ~500 ms"
    );
    server.join().unwrap();
}

/// A server announces and sends 24 MiB, over the client's 16 MiB limit: the client must refuse
/// from the header, before buffering the body, so the kernel can have taken from our socket only
/// what fits in the client's head buffer and the two sockets' buffers, and its memory stays small.
fn a_body_over_the_size_limit_is_refused(manifest_dir: &str) {
    const BODY: u64 = 24 << 20;
    // What the client may read while parsing the head (its head limit).
    const HEAD_BUFFER: u64 = 64 << 10;
    // Its receive buffer starts at tcp_rmem's default and only grows as the application reads.
    let tcp_rmem = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_rmem").unwrap();
    let receive_buffer = proc_number(&tcp_rmem, "", 1).expect("tcp_rmem has three numbers");

    let (addr, server) = flooding_server(BODY);
    let binary = example_binary(manifest_dir, CLIENT);
    let mut command = Command::new(&binary);
    // A captured backtrace, printed with the error, costs tens of MiB to symbolize.
    command
        .arg(format!("http://{addr}/"))
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    let client = ExampleProcess::spawn(command);
    let (pid, done) = (client.id(), AtomicBool::new(false));
    let (finished, (peak_kib, samples)) = thread::scope(|scope| {
        let peak = scope.spawn(|| peak_rss_kib(pid, &binary, &done));
        let finished = client.wait(RUN);
        done.store(true, Ordering::Relaxed);
        (finished, peak.join().unwrap())
    });
    assert_failure(&finished, "the body would be 25165824 bytes, over the 16777216-byte limit");

    let Flooded { accepted, send_buffer } = server.join().unwrap();
    let bound = HEAD_BUFFER + send_buffer + 2 * receive_buffer;
    let seen = format!(
        "{accepted} of {BODY} body bytes taken (bound {bound}: send buffer {send_buffer}, \
         tcp_rmem default {receive_buffer}); client's peak RSS {peak_kib} KiB ({samples} samples)"
    );
    assert!(accepted <= bound, "the client took the body instead of refusing it first: {seen}");
    // It holds no more than it took, and its peak stays well under the body it was offered.
    assert!(peak_kib < 12 << 10, "the client's memory grew with the body: {seen}");
}

fn a_body_shorter_than_its_content_length_is_an_error(manifest_dir: &str) {
    let (addr, server) =
        one_shot_server(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten!!".to_vec());
    let finished = fetch(manifest_dir, &format!("http://{addr}/"), &[]);
    assert_failure(&finished, "closed after 10 of 100 body bytes");
    server.join().unwrap();
}

fn a_url_with_another_scheme_is_refused(manifest_dir: &str) {
    let finished = fetch(manifest_dir, "ftp://x", &[]);
    assert_failure(&finished, "invalid URL `ftp://x`: scheme `ftp` is not supported");
}

fn a_url_without_a_host_is_refused(manifest_dir: &str) {
    let finished = fetch(manifest_dir, "http://", &[]);
    assert_failure(&finished, "invalid URL `http://`: no host");
}

fn a_url_that_would_inject_a_header_is_refused(manifest_dir: &str) {
    let finished = fetch(manifest_dir, "http://127.0.0.1:1/a\r\nX-Injected: 1", &[]);
    assert_failure(&finished, "must be %-encoded");
}
