//! The C10K load tool end to end, small: 200 connections per server runtime, and the refusals.
//!
//! Each run is the built `c10k` binary under a 60 s deadline (killed and failed past it). The
//! assertions read its summary: connections held, errors, round trips, and the server's threads
//! by name, which is what "one executor thread" means for each runtime.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(60);

/// What a finished run printed.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `c10k` with `args`, killing it if it is still running after [`DEADLINE`].
fn c10k(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_c10k"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting c10k");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            pipe.read_to_string(&mut text).expect("c10k prints UTF-8");
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for c10k") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("c10k {args:?} still running after {DEADLINE:?}: killed");
        }
        thread::sleep(Duration::from_millis(20));
    };
    Run {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// Runs 200 connections x 2 rounds on `runtime` and checks the summary, including the exact
/// list of server threads.
fn holds_200_connections(runtime: &str, threads: &str) {
    let run = c10k(&["--runtime", runtime, "--connections", "200", "--rounds", "2"]);
    let summary = &run.stdout;
    assert!(run.status.success(), "{runtime}: {}\n{summary}{}", run.status, run.stderr);
    let line = |prefix: &str| {
        summary
            .lines()
            .find(|line| line.starts_with(prefix))
            .unwrap_or_else(|| panic!("{runtime}: no `{prefix}` line in\n{summary}"))
    };
    assert!(line("runtime: ").starts_with(&format!("runtime: {runtime} (")), "{summary}");
    assert!(line("runtime: ").ends_with("connections held: 200/200, errors: 0"), "{summary}");
    assert!(
        line("round trips: ").starts_with("round trips: 400 (2 rounds, 32-byte messages"),
        "{summary}"
    );
    assert!(line("server RSS: ").contains("with 200 connections: "), "{summary}");
    assert_eq!(line("server threads: "), format!("server threads: {threads}"));
    assert_eq!(line("server stopped by SIGINT: "), "server stopped by SIGINT: exit status: 0");
    assert!(run.stderr.is_empty(), "{runtime}: {}", run.stderr);
}

#[test]
fn tokio_holds_200_connections_on_its_current_thread_runtime() {
    // The main thread runs every task; the other one only waits for SIGINT.
    holds_200_connections("tokio", "2 [c10k, c10k-sigint]");
}

#[test]
fn smol_holds_200_connections_on_a_local_executor() {
    // Plus async-io's reactor helper thread.
    holds_200_connections("smol", "3 [c10k, c10k-sigint, async-io]");
}

#[test]
fn async_std_holds_200_connections_on_one_runtime_thread() {
    // Tasks on the one runtime thread (name cut at 15 bytes by the kernel); the main thread waits
    // in `block_on`; plus async-io's reactor helper thread.
    holds_200_connections("async-std", "4 [c10k, c10k-sigint, async-io, async-std/runti]");
}

/// Asserts that `args` are refused before any connection: exit status 2, the reason on stderr,
/// nothing on stdout.
fn refused(args: &[&str], reason: &str) {
    let run = c10k(args);
    assert_eq!(run.status.code(), Some(2), "{args:?}: {}", run.stderr);
    assert!(run.stderr.contains(reason), "{args:?}: `{reason}` not in {}", run.stderr);
    assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
}

#[test]
fn an_unknown_runtime_is_refused_by_name() {
    refused(&["--runtime", "nope"], "unknown runtime `nope`: expected tokio, smol or async-std");
}

#[test]
fn zero_connections_are_refused() {
    refused(&["--runtime", "tokio", "--connections", "0"], "--connections must be at least 1");
}

#[test]
fn more_connections_than_descriptors_are_refused() {
    // Far above any hard NOFILE limit a machine grants (the kernel's ceiling, fs.nr_open, defaults
    // to 1048576) and any ephemeral port range: refused by the limit check, or, under an unlimited
    // hard limit, when raising the soft limit fails.
    let run = c10k(&["--runtime", "tokio", "--connections", "100000000"]);
    assert_eq!(run.status.code(), Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("hard limit (ulimit -Hn)")
            || run.stderr.contains("RLIMIT_NOFILE")
            || run.stderr.contains("ip_local_port_range"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}
