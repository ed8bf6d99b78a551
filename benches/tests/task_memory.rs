//! The task-memory tool end to end: one quick run at 10,000 tasks on every runtime, and the
//! refusals.
//!
//! Each run is the built `task_memory` binary under a 120 s deadline (killed and failed past it);
//! the tool itself kills any child that outlives its own deadline. The assertions read the JSON it
//! writes into a temporary `--out`.

use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

const DEADLINE: Duration = Duration::from_secs(120);
const RUNTIMES: [&str; 6] = ["tokio-mt", "tokio-ct", "async-std", "smol", "smol-local", "join-all"];

/// What a finished run printed.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `task_memory` with `args`, killing it if it is still running after [`DEADLINE`].
fn task_memory(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_task_memory"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting task_memory");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            pipe.read_to_string(&mut text).expect("task_memory prints UTF-8");
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for task_memory") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("task_memory {args:?} still running after {DEADLINE:?}: killed");
        }
        thread::sleep(Duration::from_millis(20));
    };
    Run {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// How far below the floor a runtime may measure. RSS is per process, so other work on the machine
/// does not move it; what does is which thread grew the waiters' slab, whose earlier buffers (at
/// most 16,384 slots × 24 bytes at 10,000 tasks, 39 bytes per task) the allocator may or may not
/// keep resident, and page rounding (under 1 byte per task). Measured run to run: 13 bytes.
const NOISE_BYTES_PER_TASK: f64 = 48.0;

#[test]
fn every_runtime_holds_10000_idle_tasks_above_the_floor() {
    let out = tempfile::tempdir().expect("a temp dir");
    let out_arg = out.path().to_str().expect("a UTF-8 temp path");
    let run = task_memory(&["--counts", "10000", "--out", out_arg]);
    assert!(run.status.success(), "{}\n{}{}", run.status, run.stdout, run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);

    let json = read(&out.path().join("task_memory.json"));
    let report: Value = serde_json::from_str(&json).expect("task_memory.json is JSON");
    let future_bytes = report["task_future_bytes"].as_f64().expect("task_future_bytes");
    let points = report["points"].as_array().expect("points");
    assert_eq!(points.len(), RUNTIMES.len(), "{json}");
    let bytes_of = |runtime: &str| {
        let point = points
            .iter()
            .find(|p| p["runtime"] == runtime)
            .unwrap_or_else(|| panic!("no {runtime} point in {json}"));
        assert_eq!(point["count"], 10_000, "{runtime}");
        assert_eq!(point["sample"]["parked"], 10_000, "{runtime}: not every task parked");
        assert_eq!(point["sample"]["completed"], 10_000, "{runtime}: not every task completed");
        let bytes = point["bytes_per_task"].as_f64().expect("bytes_per_task");
        // Each task's future alone is on the heap while it waits; 64 KiB would be a stack's worth.
        assert!(
            (future_bytes..64.0 * 1024.0).contains(&bytes),
            "{runtime}: {bytes} bytes per task, the future alone is {future_bytes}"
        );
        bytes
    };
    let floor = bytes_of("join-all");
    for runtime in RUNTIMES {
        let bytes = bytes_of(runtime);
        assert!(
            bytes >= floor - NOISE_BYTES_PER_TASK,
            "{runtime}: {bytes} bytes per task, below the floor's {floor}"
        );
    }

    let md = read(&out.path().join("task_memory.md"));
    assert!(md.starts_with("### Memory per idle task\n"), "{md}");
    assert!(md.contains("| runtime | 10,000 tasks |"), "{md}");
    assert!(md.contains("| floor: `join_all`, no runtime | "), "{md}");
    assert!(md.contains("Machine: ") && md.contains("~440 B per idle tokio task"), "{md}");
    assert!(run.stdout.contains("### Memory per idle task"), "{}", run.stdout);
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Asserts that `args` are refused before any measurement: exit status 2, the reason on stderr,
/// nothing on stdout.
fn refused(args: &[&str], reason: &str) {
    let run = task_memory(args);
    assert_eq!(run.status.code(), Some(2), "{args:?}: {}", run.stderr);
    assert!(run.stderr.contains(reason), "{args:?}: `{reason}` not in {}", run.stderr);
    assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
}

#[test]
fn a_zero_count_is_refused() {
    refused(&["--counts", "1000,0"], "'--counts <LIST>': must be at least 1");
}

#[test]
fn a_huge_count_is_refused() {
    refused(&["--counts", "20000000"], "'--counts <LIST>': must be at most 10000000");
}

#[test]
fn a_count_that_is_not_a_number_is_refused() {
    refused(&["--counts", "many"], "'--counts <LIST>': expected a whole number, got `many`");
}

#[test]
fn an_unknown_runtime_is_refused_by_name() {
    refused(&["--runtimes", "tokio-mt,glommio"], "invalid value 'glommio' for '--runtimes <LIST>'");
}
