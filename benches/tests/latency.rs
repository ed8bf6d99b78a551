//! The latency tool end to end: its refusals, and a short real run against its std server (the
//! example servers are not built here: that takes a release build of three crates).
//!
//! Each run is the built `latency` binary under a 60 s deadline (killed and failed past it).

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(60);

struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `latency` with `args`, killing it if it is still running after [`DEADLINE`].
fn latency(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_latency"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting latency");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            pipe.read_to_string(&mut text).expect("latency prints UTF-8");
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for latency") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("latency {args:?} still running after {DEADLINE:?}: killed");
        }
        thread::sleep(Duration::from_millis(20));
    };
    Run {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

#[test]
fn refuses_bad_arguments_with_status_2_and_the_reason() {
    let cases: [(&[&str], &str); 6] = [
        (&["--bogus"], "unexpected argument '--bogus'"),
        (&["--servers", "nginx"], "invalid value 'nginx' for '--servers <LIST>'"),
        (&["--rates", "1000,0"], "'--rates <LIST>': must be at least 1"),
        (&["--connections", "0"], "'--connections <LIST>': must be at least 1"),
        (&["--window-ms", "soon"], "expected a whole number, got `soon`"),
        (
            &["--connections", "10,5000000"],
            "--connections 5000000 does not fit the descriptor limit",
        ),
    ];
    for (args, expected) in cases {
        let run = latency(args);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
}

/// Two rates on 4 connections to the std server, 500 ms windows: every request of the window is
/// answered with the right bytes, the percentiles are in order and the files are written.
#[test]
fn a_short_run_against_the_std_server() {
    let out = tempfile::tempdir().expect("a temp dir");
    let out_arg = out.path().to_str().expect("a UTF-8 temp path");
    let args = [
        "--servers",
        "std",
        "--connections",
        "4",
        "--rates",
        "300,700",
        "--warmup-ms",
        "200",
        "--window-ms",
        "500",
        "--out",
        out_arg,
    ];
    let run = latency(&args);
    assert!(run.status.success(), "{}\n{}{}", run.status, run.stdout, run.stderr);
    for rate in ["300", "700"] {
        let prefix = format!("std 4 conns {rate} req/s: requests ");
        assert!(run.stdout.lines().any(|l| l.starts_with(&prefix)), "{}", run.stdout);
    }

    let json = std::fs::read_to_string(out.path().join("latency.json")).expect("latency.json");
    let json: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let points = json["points"].as_array().expect("points");
    assert_eq!(points.len(), 2, "{json:#}");
    for point in points {
        let rate = point["rate"].as_f64().expect("rate");
        let requests = point["requests"].as_f64().expect("requests");
        // rate × window, give or take the schedule's rounding at each end of the window.
        assert!((requests - rate * 0.5).abs() <= 1.0, "{point:#}");
        assert_eq!(point["replies"], point["requests"], "{point:#}");
        assert_eq!(point["status"], "ran", "{point:#}");
        for kind in ["connect", "io", "wrong_bytes", "missing"] {
            assert_eq!(point["errors"][kind], 0, "{kind}: {point:#}");
        }
        let figure = |name: &str| point[name].as_f64().unwrap_or_else(|| panic!("{name}"));
        let (p50, p99, p999, max) =
            (figure("p50_us"), figure("p99_us"), figure("p999_us"), figure("max_us"));
        assert!(0.0 < p50 && p50 <= p99 && p99 <= p999 && p999 <= max, "{point:#}");
        // A thread per connection: at least main + the signal thread + 4.
        assert!(point["server_threads"].as_u64().expect("threads") >= 6, "{point:#}");
        assert!(point["server_rss_kib"].as_u64().expect("rss") > 0, "{point:#}");
        assert!(point["server_cpu_ms_per_1k"].as_f64().is_some(), "{point:#}");
    }
    assert_eq!(json["failures"].as_array().map(Vec::len), Some(0), "{json:#}");

    let md = std::fs::read_to_string(out.path().join("latency.md")).expect("latency.md");
    assert!(md.starts_with("### Latency at a fixed rate\n"), "{md}");
    assert!(md.contains("| std | 4 | 300 | 150 | 0 |"), "{md}");
    assert!(md.contains("(latency-p99-4.svg)"), "{md}");
    let svg = std::fs::read_to_string(out.path().join("latency-p99-4.svg")).expect("the chart");
    assert!(svg.starts_with("<svg") && svg.contains("std"), "{}", &svg[..svg.len().min(200)]);
}
