//! Memory per idle task: how many bytes does each runtime hold for a task that is only waiting?
//!
//! ```text
//! cargo run --release -p benches --bin task_memory
//! task_memory [--runtimes tokio-mt,tokio-ct,async-std,smol,smol-local,join-all]
//!             [--counts 10000,100000,1000000] [--quick] [--out DIR]
//! ```
//!
//! For each runtime and task count the tool starts itself again (hidden subcommand `child`), so
//! one measurement's heap never pollutes the next. The child spawns N tasks that each hold a small
//! state across one wait on a `futures::future::Shared` (see `child.rs` for why that primitive),
//! waits until every task has been polled once and parked, and reports its VmRSS from before the
//! spawning and from then; it then fires the event, joins every task and checks its output. The
//! figure is (after − before) / N bytes per task.
//!
//! The floor, `join-all`, drives the same futures with `futures::future::join_all` under
//! `futures::executor::block_on`: the future, its waiter slot and `join_all`'s own node per future
//! (a `FuturesUnordered` task), with no scheduler. A runtime's figure less the floor is what the
//! runtime itself adds per task: its task header, scheduler links and join state.
//!
//! The allocator's own view (bytes requested) is not reported: it would need a counting
//! `#[global_allocator]`, i.e. an `unsafe impl GlobalAlloc`, and the workspace forbids `unsafe`.
//!
//! Output: a table on stdout, and `task_memory.md` (a Markdown fragment) and `task_memory.json` in
//! `--out` (default `<target dir>/bench-results`). Exit status: 0 when every point was measured;
//! 1 when a child failed (each failure is named, with its reason, on stderr and in the files);
//! 2 for a usage error.

mod args;
mod child;
mod report;

use std::io::Read;
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::args::{Mode, Plan, Runtime};
use crate::report::{Machine, Point, Report};

fn main() -> ExitCode {
    // A usage error: clap's message on stderr, status 2; `--help`: the help on stdout, status 0.
    let mode = args::parse_args(std::env::args_os()).unwrap_or_else(|error| error.exit());
    let outcome = match mode {
        Mode::Child { runtime, count } => child::measure(runtime, count).and_then(|sample| {
            println!("{}", serde_json::to_string(&sample)?);
            Ok(true)
        }),
        Mode::Measure(plan) => measure(&plan),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("task_memory: {error:#}");
            ExitCode::from(1)
        }
    }
}

/// Runs every point, prints the table and writes the files; `Ok(false)` if a point failed.
fn measure(plan: &Plan) -> anyhow::Result<bool> {
    let mut points = Vec::new();
    for &count in &plan.counts {
        for &runtime in &plan.runtimes {
            let point = match run_child(runtime, count) {
                Ok(sample) => Point::measured(sample),
                Err(error) => Point::failed(runtime, count, format!("{error:#}")),
            };
            match (point.bytes_per_task, &point.failure) {
                (Some(bytes), _) => {
                    println!("{} at {count} tasks: {bytes:.0} B/task", runtime.name())
                }
                (_, failure) => eprintln!(
                    "task_memory: {} at {count} tasks failed: {}",
                    runtime.name(),
                    failure.as_deref().unwrap_or("")
                ),
            }
            points.push(point);
        }
    }
    let report = Report {
        machine: Machine::read(),
        task_future_bytes: child::task_future_bytes(),
        wait_primitive: "a clone of one `futures::future::Shared<oneshot::Receiver<()>>`",
        published_tokio_bytes_per_task_at_1m: report::PUBLISHED_TOKIO_BYTES,
        counts: plan.counts.clone(),
        points,
    };
    println!("\n{}", report.markdown());
    let out = plan.out.clone().unwrap_or_else(|| benches::target_dir().join("bench-results"));
    for path in report.write(&out)? {
        println!("wrote {}", path.display());
    }
    Ok(report.failures().is_empty())
}

/// How long a child may run: generous, since other builds may share the machine.
fn deadline(count: usize) -> Duration {
    Duration::from_secs(60) + Duration::from_micros(100) * count as u32
}

/// Measures one point in a child process: the sample it printed, or why it failed.
fn run_child(runtime: Runtime, count: usize) -> anyhow::Result<child::Sample> {
    let exe = std::env::current_exe().context("finding this executable")?;
    let mut child = Command::new(exe)
        .args(["child", "--runtime", runtime.name(), "--count", &count.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting the child")?;
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout is piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr is piped")));
    let (started, limit) = (Instant::now(), deadline(count));
    let status = loop {
        if let Some(status) = child.try_wait().context("waiting for the child")? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            bail!("still running after {limit:?}: killed");
        }
        thread::sleep(Duration::from_millis(10));
    };
    let (stdout, stderr) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
    if !status.success() {
        let why = stderr.trim();
        bail!("child {status}: {}", if why.is_empty() { "no message" } else { why });
    }
    let line = stdout.lines().last().context("the child printed nothing")?;
    serde_json::from_str(line).with_context(|| format!("the child printed `{line}`"))
}
