//! Drives the "file_upload_server" example with raw hostile clients and with the "upload_client"
//! example: names that are paths, lengths that are lies, short and aborted bodies, overwrites,
//! stalls, concurrency, and shutdown in the middle of an upload. Every upload directory is a
//! fresh temporary `root/uploads`, so that anything written next to it shows up in `root`.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::process::ExampleProcess;

use super::{Suite, cases};

pub const SUITE: Suite = Suite {
    name: "file_upload_server",
    examples: &["file_upload_server", "upload_client"],
    cases: cases![
        upload_client_stores_a_file_byte_for_byte,
        upload_client_reports_a_refusal_and_exits_non_zero,
        a_4_gib_name_length_is_refused_at_once_without_allocating,
        name_dot_dot_slash_x_is_refused,
        name_absolute_path_is_refused,
        name_with_a_slash_is_refused,
        name_dot_dot_is_refused,
        name_dot_is_refused,
        name_hidden_is_refused,
        name_with_a_backslash_is_refused,
        name_with_a_nul_is_refused,
        name_with_a_newline_is_refused,
        name_of_256_bytes_is_refused,
        name_of_invalid_utf8_is_refused,
        empty_name_is_refused,
        name_of_255_bytes_is_accepted,
        a_size_over_the_cap_is_refused_before_the_body,
        a_size_at_the_cap_is_accepted,
        a_short_upload_leaves_nothing_and_gets_no_ok,
        a_client_vanishing_mid_body_leaves_nothing,
        a_reset_mid_body_leaves_nothing,
        an_existing_file_is_not_overwritten,
        two_uploads_racing_for_one_new_name_store_exactly_one,
        twenty_concurrent_uploads_all_arrive_intact,
        a_large_upload_streams_in_constant_memory,
        a_stalled_header_times_out,
        a_stalled_body_times_out_and_leaves_nothing,
        shutdown_aborts_a_stalled_upload_after_the_grace_period_and_leaves_nothing,
        shutdown_tells_a_client_still_waiting_in_the_backlog,
        a_missing_upload_directory_is_a_clear_error_at_start,
        bad_flags_are_usage_errors,
    ],
};

/// The longest any single wait in these tests may take.
const TIMEOUT: Duration = Duration::from_secs(5);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// A temporary `root` holding the upload directory `root/uploads`, and the server serving it.
struct Setup {
    root: TempDir,
    dir: PathBuf,
    server: ExampleProcess,
    addr: SocketAddr,
}

fn start(manifest_dir: &str, flags: &[&str]) -> Setup {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("uploads");
    std::fs::create_dir(&dir).unwrap();
    let dir_arg = dir.to_str().unwrap().to_owned();
    let mut args = vec!["127.0.0.1:0", dir_arg.as_str()];
    args.extend_from_slice(flags);
    let (server, addr) = ExampleProcess::start_server(manifest_dir, "file_upload_server", &args);
    Setup { root, dir, server, addr }
}

/// The guide's framing, with the name length given separately so that tests can lie about it.
fn header_with_len(name_len: u32, name: &[u8], size: u64) -> Vec<u8> {
    let mut header = name_len.to_be_bytes().to_vec();
    header.extend_from_slice(name);
    header.extend_from_slice(&size.to_be_bytes());
    header
}

fn header(name: &[u8], size: u64) -> Vec<u8> {
    header_with_len(name.len().try_into().unwrap(), name, size)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect to the server");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream
}

/// The server's reply line, or `None` if it closed the connection without one. Panics if
/// nothing happens within `TIMEOUT`.
fn reply(stream: &mut TcpStream) -> Option<String> {
    let mut line = Vec::new();
    let mut byte = [0u8];
    loop {
        match stream.read(&mut byte) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => return Some(String::from_utf8(line).unwrap()),
            Ok(_) => line.push(byte[0]),
            // A reset is a close without a reply too.
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("no reply within {TIMEOUT:?}: {e}"),
        }
    }
    assert!(line.is_empty(), "a reply without its newline: {line:?}");
    None
}

/// Sends `bytes` (a write may fail once the server has refused and closed) and returns the
/// reply.
fn send_and_reply(addr: SocketAddr, bytes: &[u8]) -> Option<String> {
    let mut stream = connect(addr);
    let _ = stream.write_all(bytes);
    reply(&mut stream)
}

/// An uploaded file, byte for byte, in one connection.
fn upload(addr: SocketAddr, name: &str, content: &[u8]) -> Option<String> {
    let mut message = header(name.as_bytes(), content.len() as u64);
    message.extend_from_slice(content);
    send_and_reply(addr, &message)
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Waits up to 2 s for `dir` to hold exactly `expected` (temporary files included).
fn wait_for_entries(dir: &Path, expected: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let found = entries(dir);
        if found == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} holds {found:?}, expected {expected:?}",
            dir.display()
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// Waits up to 2 s for `count` temporary files in `dir`: that many uploads are past the header
/// checks, the file's existence included, and are receiving their bodies.
fn wait_for_temp_files(dir: &Path, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(2);
    let temp_files = || entries(dir).iter().filter(|name| name.starts_with(".upload-")).count();
    loop {
        let found = temp_files();
        if found >= count {
            return;
        }
        assert!(Instant::now() < deadline, "{found} temporary files appeared, expected {count}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// Deterministic pseudo-random bytes (xorshift), different for each `seed`.
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
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

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .expect("VmRSS in /proc/<pid>/status");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn upload_client_stores_a_file_byte_for_byte(manifest_dir: &str) {
    let setup = start(manifest_dir, &[]);
    let source = setup.root.path().join("source.bin");
    let content = random_bytes(300 * 1024, 1);
    std::fs::write(&source, &content).unwrap();

    let client = ExampleProcess::start(
        manifest_dir,
        "upload_client",
        &[&setup.addr.to_string(), source.to_str().unwrap()],
    );
    let finished = client.wait(TIMEOUT);
    assert!(finished.status.success(), "{finished:?}");
    assert_eq!(finished.stdout, ["OK"]);

    wait_for_entries(&setup.dir, &["source.bin"]);
    assert!(std::fs::read(setup.dir.join("source.bin")).unwrap() == content);
    setup.server.stop(STOP_TIMEOUT);
}

fn upload_client_reports_a_refusal_and_exits_non_zero(manifest_dir: &str) {
    let setup = start(manifest_dir, &[]);
    std::fs::write(setup.dir.join("taken.txt"), "original").unwrap();
    // Large enough that the client is still sending when the refusal arrives.
    let source = setup.root.path().join("big.bin");
    std::fs::write(&source, random_bytes(8 * 1024 * 1024, 2)).unwrap();

    let client = ExampleProcess::start(
        manifest_dir,
        "upload_client",
        &[&setup.addr.to_string(), source.to_str().unwrap(), "taken.txt"],
    );
    let finished = client.wait(TIMEOUT);
    assert!(!finished.status.success(), "{finished:?}");
    assert_eq!(finished.stdout, ["ERR file already exists"]);
    assert!(
        finished.stderr.contains("the server refused the upload: file already exists"),
        "{finished:?}"
    );

    assert_eq!(std::fs::read_to_string(setup.dir.join("taken.txt")).unwrap(), "original");
    wait_for_entries(&setup.dir, &["taken.txt"]);
    setup.server.stop(STOP_TIMEOUT);
}

fn a_4_gib_name_length_is_refused_at_once_without_allocating(manifest_dir: &str) {
    let setup = start(manifest_dir, &[]);
    let pid = setup.server.id();
    let before = rss_kib(pid);

    let started = Instant::now();
    let answer = send_and_reply(setup.addr, &u32::MAX.to_be_bytes());
    assert!(started.elapsed() < Duration::from_secs(1), "refused too slowly");
    assert_eq!(answer.as_deref(), Some("ERR name length 4294967295 is not in 1..=255"));
    let after = rss_kib(pid);
    assert!(after < before + 8 * 1024, "RSS grew from {before} KiB to {after} KiB");

    // And the server is still up and working.
    assert_eq!(upload(setup.addr, "after.txt", b"still here").as_deref(), Some("OK"));
    wait_for_entries(&setup.dir, &["after.txt"]);
    setup.server.stop(STOP_TIMEOUT);
}

/// Uploads `name` (raw bytes, with its true length) and asserts it is refused with `ERR` and
/// nothing is written: neither in the upload directory nor next to it.
fn assert_name_refused(manifest_dir: &str, name: &[u8]) {
    let setup = start(manifest_dir, &[]);
    let mut message = header(name, 5);
    message.extend_from_slice(b"hello");
    let answer = send_and_reply(setup.addr, &message);
    assert!(answer.as_deref().is_some_and(|a| a.starts_with("ERR ")), "name {name:?}: {answer:?}");
    wait_for_entries(&setup.dir, &[]);
    assert_eq!(entries(setup.root.path()), ["uploads"]);
    setup.server.stop(STOP_TIMEOUT);
}

fn name_dot_dot_slash_x_is_refused(manifest_dir: &str) {
    assert_name_refused(manifest_dir, b"../x");
}

fn name_absolute_path_is_refused(manifest_dir: &str) {
    let existed = Path::new("/abs").exists();
    assert_name_refused(manifest_dir, b"/abs");
    assert_eq!(Path::new("/abs").exists(), existed, "/abs was written");
}

fn name_with_a_slash_is_refused(manifest_dir: &str) {
    assert_name_refused(manifest_dir, b"a/b");
}

fn name_dot_dot_is_refused(manifest_dir: &str) {
    assert_name_refused(manifest_dir, b"..");
}

fn name_dot_is_refused(manifest_dir: &str) {
    assert_name_refused(manifest_dir, b".");
}

fn name_hidden_is_refused(manifest_dir: &str) {
    assert_name_refused(manifest_dir, b".hidden");
}

fn name_with_a_backslash_is_refused(manifest_dir: &str) {
    assert_name_refused(manifest_dir, b"a\\b");
}

fn name_with_a_nul_is_refused(manifest_dir: &str) {
    assert_name_refused(manifest_dir, b"a\0b");
}

fn name_with_a_newline_is_refused(manifest_dir: &str) {
    assert_name_refused(manifest_dir, b"a\nb");
}

fn name_of_256_bytes_is_refused(manifest_dir: &str) {
    assert_name_refused(manifest_dir, &[b'n'; 256]);
}

fn name_of_invalid_utf8_is_refused(manifest_dir: &str) {
    assert_name_refused(manifest_dir, b"caf\xe9");
}

fn empty_name_is_refused(manifest_dir: &str) {
    assert_name_refused(manifest_dir, b"");
}

fn name_of_255_bytes_is_accepted(manifest_dir: &str) {
    let setup = start(manifest_dir, &[]);
    let name = "n".repeat(255);
    assert_eq!(upload(setup.addr, &name, b"ok").as_deref(), Some("OK"));
    wait_for_entries(&setup.dir, &[name.as_str()]);
    setup.server.stop(STOP_TIMEOUT);
}

fn a_size_over_the_cap_is_refused_before_the_body(manifest_dir: &str) {
    let setup = start(manifest_dir, &["--max-size", "1024"]);
    // The header alone, no body: the refusal must not wait for one.
    let mut stream = connect(setup.addr);
    stream.write_all(&header(b"big.bin", 2048)).unwrap();
    assert_eq!(
        reply(&mut stream).as_deref(),
        Some("ERR size 2048 exceeds the limit of 1024 bytes")
    );
    wait_for_entries(&setup.dir, &[]);
    setup.server.stop(STOP_TIMEOUT);
}

fn a_size_at_the_cap_is_accepted(manifest_dir: &str) {
    let setup = start(manifest_dir, &["--max-size", "1024"]);
    let content = random_bytes(1024, 3);
    assert_eq!(upload(setup.addr, "cap.bin", &content).as_deref(), Some("OK"));
    wait_for_entries(&setup.dir, &["cap.bin"]);
    assert!(std::fs::read(setup.dir.join("cap.bin")).unwrap() == content);
    setup.server.stop(STOP_TIMEOUT);
}

fn a_short_upload_leaves_nothing_and_gets_no_ok(manifest_dir: &str) {
    let setup = start(manifest_dir, &[]);
    let mut stream = connect(setup.addr);
    stream.write_all(&header(b"short.bin", 1000)).unwrap();
    stream.write_all(&[7; 10]).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    assert_eq!(reply(&mut stream).as_deref(), Some("ERR short upload: received 10 of 1000 bytes"));
    wait_for_entries(&setup.dir, &[]);
    setup.server.stop(STOP_TIMEOUT);
}

/// A client that closes mid-body in the orderly way (a FIN, not a reset): to the server that is a
/// short upload, and it must leave nothing either.
fn a_client_vanishing_mid_body_leaves_nothing(manifest_dir: &str) {
    let setup = start(manifest_dir, &[]);
    let mut stream = connect(setup.addr);
    stream.write_all(&header(b"reset.bin", 1_000_000)).unwrap();
    stream.write_all(&random_bytes(64 * 1024, 4)).unwrap();
    // The body is being written to a temporary file...
    wait_for_temp_files(&setup.dir, 1);
    // ...when the client goes away without a word.
    drop(stream);
    wait_for_entries(&setup.dir, &[]);

    assert_eq!(upload(setup.addr, "next.txt", b"fine").as_deref(), Some("OK"));
    setup.server.stop(STOP_TIMEOUT);
}

fn a_reset_mid_body_leaves_nothing(manifest_dir: &str) {
    let setup = start(manifest_dir, &[]);
    let mut stream = connect(setup.addr);
    stream.write_all(&header(b"reset.bin", 1_000_000)).unwrap();
    stream.write_all(&random_bytes(64 * 1024, 5)).unwrap();
    // The body is being written to a temporary file...
    wait_for_temp_files(&setup.dir, 1);
    // ...when the client aborts: SO_LINGER 0 makes the close send a reset.
    crate::process::reset_on_close(&stream).unwrap();
    drop(stream);
    wait_for_entries(&setup.dir, &[]);

    assert_eq!(upload(setup.addr, "after-reset.txt", b"fine").as_deref(), Some("OK"));
    setup.server.stop(STOP_TIMEOUT);
}

fn an_existing_file_is_not_overwritten(manifest_dir: &str) {
    let setup = start(manifest_dir, &[]);
    std::fs::write(setup.dir.join("exists.txt"), "original").unwrap();
    assert_eq!(
        upload(setup.addr, "exists.txt", b"replacement").as_deref(),
        Some("ERR file already exists")
    );
    assert_eq!(std::fs::read_to_string(setup.dir.join("exists.txt")).unwrap(), "original");
    wait_for_entries(&setup.dir, &["exists.txt"]);
    setup.server.stop(STOP_TIMEOUT);
}

/// The race the existence check cannot close: two uploads of one new name both pass it (both
/// temporary files exist) while each client holds back its last byte; then both last bytes go
/// out together. The no-clobber rename must let exactly one win: `OK`, with its bytes on disk,
/// and `ERR file already exists` for the other. A plain rename answers `OK` twice and keeps
/// only the later file. Several rounds, so that either connection may win the renames' race.
fn two_uploads_racing_for_one_new_name_store_exactly_one(manifest_dir: &str) {
    const ROUNDS: u64 = 10;
    const SIZE: usize = 100 * 1024;
    let setup = start(manifest_dir, &[]);
    let mut stored: Vec<String> = Vec::new();
    for round in 0..ROUNDS {
        let name = format!("race-{round:02}.bin");
        let contents = [random_bytes(SIZE, 200 + 2 * round), random_bytes(SIZE, 201 + 2 * round)];
        let mut streams: Vec<TcpStream> = contents
            .iter()
            .map(|content| {
                let mut stream = connect(setup.addr);
                stream.set_write_timeout(Some(TIMEOUT)).unwrap();
                stream.write_all(&header(name.as_bytes(), SIZE as u64)).unwrap();
                stream.write_all(&content[..SIZE - 1]).unwrap();
                stream
            })
            .collect();
        wait_for_temp_files(&setup.dir, 2);
        for (stream, content) in streams.iter_mut().zip(&contents) {
            stream.write_all(&content[SIZE - 1..]).unwrap();
        }
        let answers: Vec<Option<String>> = streams.iter_mut().map(reply).collect();

        let on_disk = std::fs::read(setup.dir.join(&name)).unwrap();
        let kept = contents.iter().position(|content| *content == on_disk);
        let context = format!("round {round}: replies {answers:?}, the file holds upload {kept:?}");
        let winner = answers.iter().position(|a| a.as_deref() == Some("OK"));
        let winner = winner.unwrap_or_else(|| panic!("no upload got OK; {context}"));
        assert_eq!(
            answers[1 - winner].as_deref(),
            Some("ERR file already exists"),
            "the file's content was lost; {context}"
        );
        assert_eq!(kept, Some(winner), "the file is not the upload that got OK; {context}");
        stored.push(name);
        let expected: Vec<&str> = stored.iter().map(String::as_str).collect();
        wait_for_entries(&setup.dir, &expected);
    }
    setup.server.stop(STOP_TIMEOUT);
}

fn twenty_concurrent_uploads_all_arrive_intact(manifest_dir: &str) {
    const UPLOADS: u64 = 20;
    let setup = start(manifest_dir, &[]);
    let addr = setup.addr;
    let uploads: Vec<_> = (0..UPLOADS)
        .map(|i| {
            thread::spawn(move || {
                let content = random_bytes(256 * 1024, 100 + i);
                let answer = upload(addr, &format!("file-{i:02}.bin"), &content);
                (i, content, answer)
            })
        })
        .collect();
    for upload in uploads {
        let (i, content, answer) = upload.join().unwrap();
        assert_eq!(answer.as_deref(), Some("OK"), "upload {i}");
        let stored = std::fs::read(setup.dir.join(format!("file-{i:02}.bin"))).unwrap();
        assert!(stored == content, "upload {i} arrived damaged");
    }
    assert_eq!(entries(&setup.dir).len(), UPLOADS as usize);
    setup.server.stop(STOP_TIMEOUT);
}

fn a_large_upload_streams_in_constant_memory(manifest_dir: &str) {
    const SIZE: usize = 32 * 1024 * 1024;
    let setup = start(manifest_dir, &[]);
    let pid = setup.server.id();
    let before = rss_kib(pid);

    let block = random_bytes(64 * 1024, 5);
    let mut stream = connect(setup.addr);
    stream.write_all(&header(b"large.bin", SIZE as u64)).unwrap();
    for _ in 0..SIZE / block.len() {
        stream.write_all(&block).unwrap();
    }
    assert_eq!(reply(&mut stream).as_deref(), Some("OK"));
    let after = rss_kib(pid);
    // A server that buffered the file would have grown by its 32 MiB.
    assert!(after < before + 8 * 1024, "RSS grew from {before} KiB to {after} KiB");

    let stored = std::fs::read(setup.dir.join("large.bin")).unwrap();
    assert_eq!(stored.len(), SIZE);
    assert!(stored.chunks(block.len()).all(|chunk| chunk == block));
    setup.server.stop(STOP_TIMEOUT);
}

fn a_stalled_header_times_out(manifest_dir: &str) {
    let setup = start(manifest_dir, &["--header-timeout-ms", "300"]);
    let mut stream = connect(setup.addr);
    stream.write_all(&[0, 0]).unwrap(); // half a name length, then nothing
    let started = Instant::now();
    assert_eq!(
        reply(&mut stream).as_deref(),
        Some("ERR timed out: no complete header within 300 ms")
    );
    assert!(started.elapsed() >= Duration::from_millis(250));
    setup.server.stop(STOP_TIMEOUT);
}

fn a_stalled_body_times_out_and_leaves_nothing(manifest_dir: &str) {
    let setup = start(manifest_dir, &["--body-timeout-ms", "300"]);
    let mut stream = connect(setup.addr);
    stream.write_all(&header(b"stalled.bin", 1000)).unwrap();
    stream.write_all(&[7; 10]).unwrap(); // then nothing, with the connection open
    assert_eq!(reply(&mut stream).as_deref(), Some("ERR timed out: no data for 300 ms"));
    wait_for_entries(&setup.dir, &[]);
    setup.server.stop(STOP_TIMEOUT);
}

fn shutdown_aborts_a_stalled_upload_after_the_grace_period_and_leaves_nothing(manifest_dir: &str) {
    let setup = start(manifest_dir, &[]);
    // One client mid-body, stalled (the body timeout is 30 s: only shutdown can end it)...
    let mut uploading = connect(setup.addr);
    uploading.write_all(&header(b"slow.bin", 1000)).unwrap();
    uploading.write_all(&[7; 10]).unwrap();
    wait_for_temp_files(&setup.dir, 1);
    // ...and one that has not sent its header yet.
    let mut waiting = connect(setup.addr);

    let started = Instant::now();
    let dir = setup.dir.clone();
    let finished = setup.server.stop(STOP_TIMEOUT);
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "the upload was not given its grace period"
    );
    // Cancelled by the server skeleton at the end of the grace period, which logs it.
    assert!(finished.stderr.contains("closed by server shutdown"), "{}", finished.stderr);
    assert_eq!(reply(&mut waiting).as_deref(), Some("ERR server shutting down"));
    assert_eq!(reply(&mut uploading), None);
    assert_eq!(entries(&dir), Vec::<String>::new());
}

/// The shutdown policy of docs/design.md: a client the server has not accepted yet (one past
/// the connection cap) is accepted at shutdown and told, like the open connections.
fn shutdown_tells_a_client_still_waiting_in_the_backlog(manifest_dir: &str) {
    let setup = start(manifest_dir, &["--max-connections", "1"]);
    let mut uploading = connect(setup.addr);
    uploading.write_all(&header(b"slow.bin", 1000)).unwrap();
    wait_for_temp_files(&setup.dir, 1);
    // Past the cap: the kernel completes the handshake, the server does not accept it yet.
    let mut waiting = connect(setup.addr);
    let dir = setup.dir.clone();
    let finished = setup.server.stop(STOP_TIMEOUT);
    assert_eq!(reply(&mut waiting).as_deref(), Some("ERR server shutting down"), "{finished:?}");
    assert_eq!(reply(&mut uploading), None);
    assert_eq!(entries(&dir), Vec::<String>::new());
}

fn a_missing_upload_directory_is_a_clear_error_at_start(manifest_dir: &str) {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("missing");
    let server = ExampleProcess::start(
        manifest_dir,
        "file_upload_server",
        &["127.0.0.1:0", missing.to_str().unwrap()],
    );
    let finished = server.wait(TIMEOUT);
    assert!(!finished.status.success(), "{finished:?}");
    assert!(finished.stdout.is_empty(), "{finished:?}");
    assert!(
        finished.stderr.contains("upload directory") && finished.stderr.contains("missing"),
        "{finished:?}"
    );
}

fn bad_flags_are_usage_errors(manifest_dir: &str) {
    // The directory exists: only the flags are wrong.
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().to_str().unwrap();
    super::assert_bad_flags_are_usage_errors(
        manifest_dir,
        "file_upload_server",
        &["127.0.0.1:0", dir],
    );
}
