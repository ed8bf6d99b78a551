//! The C10K load tool end to end, small: 200 connections per server runtime and variant, closed-loop
//! rounds and paced load, and the refusals.
//!
//! Each run is the built `c10k` binary under a 60 s deadline (killed and failed past it), writing
//! its files into a temporary `--out`. The assertions read its summary and its JSON record:
//! connections held, errors, messages, latency order, and the server's threads by name, which is
//! what "one executor thread" means for each runtime.

use std::io::Read;
use std::path::Path;
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
    let out = tempfile::tempdir().expect("a temporary directory");
    let out_arg = out.path().to_str().expect("a UTF-8 temporary path");
    let run =
        c10k(&["--runtime", runtime, "--connections", "200", "--rounds", "2", "--out", out_arg]);
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
    let record = record(out.path(), runtime, "buffered");
    assert_eq!(record["load"]["kind"], "rounds");
    assert_eq!(record["load"]["messages"], 400);
    assert_latency_ordered(&record["load"]["latency"]);
}

/// The JSON record a run wrote into `out`, after checking that `c10k.md` lists it.
fn record(out: &Path, runtime: &str, server: &str) -> serde_json::Value {
    let path = out.join(format!("c10k-{runtime}-{server}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let record: serde_json::Value = serde_json::from_str(&text).expect("the record is JSON");
    let markdown = std::fs::read_to_string(out.join("c10k.md")).expect("c10k.md written");
    assert!(markdown.starts_with("### C10K at the descriptor limit\n"), "{markdown}");
    assert!(markdown.contains(&format!(" | {server} | ")), "{markdown}");
    assert!(markdown.contains("\nMachine: "), "{markdown}");
    record
}

/// Asserts `0 < p50 <= p99 <= max` for a latency object of the record.
fn assert_latency_ordered(latency: &serde_json::Value) {
    let us = |key: &str| latency[key].as_f64().unwrap_or_else(|| panic!("no {key} in {latency}"));
    let (p50, p99, max) = (us("p50_us"), us("p99_us"), us("max_us"));
    assert!(0.0 < p50 && p50 <= p99 && p99 <= max, "{latency}");
}

/// Runs 200 connections of paced load on `runtime`'s `server` variant (one message every 100 ms
/// for 1 s: 10 per connection) and checks the summary and the JSON record.
fn paced_200_connections(runtime: &str, server: &str) {
    let out = tempfile::tempdir().expect("a temporary directory");
    let out_arg = out.path().to_str().expect("a UTF-8 temporary path");
    let args = [
        "--runtime",
        runtime,
        "--server",
        server,
        "--connections",
        "200",
        "--pace-ms",
        "100",
        "--duration-s",
        "1",
        "--out",
        out_arg,
    ];
    let run = c10k(&args);
    let summary = &run.stdout;
    assert!(run.status.success(), "{args:?}: {}\n{summary}{}", run.status, run.stderr);
    assert!(summary.contains("connections held: 200/200, errors: 0\n"), "{summary}");
    assert!(summary.contains(&format!("\nserver variant: {server}\n")), "{summary}");
    assert!(summary.contains("\npaced: 2000 messages (10 per connection: "), "{summary}");
    assert!(summary.contains("\nkernel socket memory (/proc/net/sockstat"), "{summary}");
    assert!(run.stderr.is_empty(), "{args:?}: {}", run.stderr);

    let record = record(out.path(), runtime, server);
    assert_eq!(record["runtime"], runtime);
    assert_eq!(record["server"], server);
    assert_eq!((&record["connections"], &record["held"]), (&200.into(), &200.into()));
    assert_eq!(record["errors"], 0);
    assert_eq!(record["ok"], true);
    let load = &record["load"];
    assert_eq!(load["kind"], "paced");
    assert_eq!((&load["pace_ms"], &load["messages_per_connection"]), (&100.into(), &10.into()));
    assert_eq!(load["messages"], 200 * 10);
    assert_latency_ordered(&load["latency"]);
    assert_latency_ordered(&load["round_trip"]);
    // Counted from the due time, a sample cannot be shorter than its own round trip.
    assert!(load["latency"]["max_us"].as_f64() >= load["round_trip"]["max_us"].as_f64());
    // Both ends of every connection were TCP sockets in use when the loaded sample was taken (the
    // count is system-wide, so only a lower bound holds).
    let loaded = &record["sockstat_loaded"];
    assert!(loaded["tcp_inuse"].as_u64() >= Some(2 * 200), "{loaded}");
    assert!(loaded["page_bytes"].as_u64() >= Some(4096), "{loaded}");
    let rss = &record["server_rss"];
    assert!(rss["loaded_kib"].as_u64() > rss["idle_kib"].as_u64(), "{rss}");
}

#[test]
fn tokio_buffered_carries_paced_load() {
    paced_200_connections("tokio", "buffered");
}

#[test]
fn tokio_readiness_carries_paced_load() {
    paced_200_connections("tokio", "readiness");
}

#[test]
fn smol_buffered_carries_paced_load() {
    paced_200_connections("smol", "buffered");
}

#[test]
fn smol_readiness_carries_paced_load() {
    paced_200_connections("smol", "readiness");
}

#[test]
fn async_std_buffered_carries_paced_load() {
    paced_200_connections("async-std", "buffered");
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

#[test]
fn async_std_readiness_is_refused_with_the_reason() {
    refused(
        &["--runtime", "async-std", "--server", "readiness"],
        "--server readiness is refused for async-std: async-std exposes no readiness API",
    );
}

#[test]
fn connections_beyond_the_hard_limit_are_refused_with_the_numbers() {
    // One connection more than the hard limit itself: the client and the server would each need
    // it plus 64 descriptors. The limit is read, never lowered.
    let limits = std::fs::read_to_string("/proc/self/limits").expect("reading /proc/self/limits");
    let hard: u64 = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(4)?.parse().ok())
        .expect("a numeric hard limit on open files");
    let connections = hard + 1;
    let run = c10k(&["--runtime", "tokio", "--connections", &connections.to_string()]);
    assert_eq!(run.status.code(), Some(2), "{}", run.stderr);
    let expected = format!(
        "--connections {connections} needs {} descriptors; this process may open {hard} \
         (RLIMIT_NOFILE hard limit)",
        connections + 64
    );
    assert!(run.stderr.contains(&expected), "`{expected}` not in {}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}
