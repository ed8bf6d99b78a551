//! Fixed-rate (open-loop) latency tool: how late do the echo servers answer at a given load?
//!
//! ```text
//! cargo run --release -p benches --bin latency
//! latency [--servers tokio,async-std,smol,std] [--connections 10,1000,10000]
//!         [--rates 5000,10000,...] [--warmup-ms MS] [--window-ms MS] [--quick] [--out DIR]
//! ```
//!
//! A closed-loop client (send, wait, send) slows down with the server, so a server that stalls
//! looks only one request slow. This client is open-loop, as wrk2 is: N connections carry a fixed
//! total rate R, request `i` is due at `t0 + i/R` on connection `i mod N`, and its latency is the
//! arrival of its reply less its DUE time, whenever it was actually sent (see `client.rs`).
//!
//! The servers, each in its own process so that its CPU time, context switches, threads and RSS
//! can be read from `/proc/<pid>`:
//! - `tokio`, `async-std`, `smol`: each crate's real `tcp_echo_server` example, built here in
//!   release (`$CARGO build --release -p examples-<rt> --example tcp_echo_server`) and copied to
//!   `<target>/bench-results/bin/tcp_echo_server-<rt>` right after its build, since the three
//!   binaries share one name. Each runs as shipped: its runtime's threads, Nagle on.
//! - `std`: a thread per connection on `std::net`: the hidden `serve-std` subcommand of a copy of
//!   this executable in the same directory (a rebuild during a run cannot remove it). When a
//!   thread cannot be created it says so and exits; the tool reports where it stopped (as
//!   `stopped`, which counts as run) and goes on.
//!
//! Per server and connection count, one server process and one set of connections serve every
//! rate in increasing order, each with a warm-up and then a measured window; after a point with
//! errors the server is restarted and the connections reopened. Stderr of each server goes to
//! `<out>/latency-logs/`. The tool raises its `RLIMIT_NOFILE` soft limit to the hard limit, which
//! the servers inherit, and refuses a connection count that does not fit. On Ctrl-C (SIGINT or
//! SIGTERM) it stops its servers with SIGINT and reaps them before exiting 130.
//!
//! Exit status: 0 when every point ran; 1 when one failed (a server that did not build, start or
//! stop with status 0; connect, read or write errors; wrong bytes); 2 for a usage error. Replies
//! missing at the end (later than the drain timeout) make a point not held but are not a failure:
//! an overloaded server is a result.

mod args;
mod client;
mod limits;
mod procfs;
mod report;
mod server;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

use crate::args::{Mode, Plan, Server};
use crate::client::{Errors, Schedule};
use crate::report::{Point, Status};
use crate::server::ServerProcess;

fn main() -> ExitCode {
    let fd_limit = match limits::max_connections() {
        Ok(limit) => limit,
        Err(error) => {
            eprintln!("latency: {error:#}");
            return ExitCode::from(1);
        }
    };
    let mode = args::parse_args(std::env::args_os(), fd_limit).unwrap_or_else(|e| e.exit());
    let outcome = match mode {
        Mode::ServeStd => server::serve_std().map(|()| true),
        Mode::Measure(plan) => measure(&plan),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("latency: {error:#}");
            ExitCode::from(1)
        }
    }
}

/// The target directory: this executable lives in `<target>/<profile>/`.
fn target_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("locating this executable")?;
    let profile = exe.parent().context("the executable has no directory")?;
    let target = profile.parent().context("the executable's directory has no parent")?;
    // Test binaries live one level deeper, in `<target>/<profile>/deps/`.
    Ok(if profile.ends_with("deps") { target.parent().unwrap_or(target) } else { target }.into())
}

/// The whole run; `Ok(false)` when a point failed.
fn measure(plan: &Plan) -> anyhow::Result<bool> {
    let most = plan.connections.iter().copied().max().unwrap_or(1) as u64;
    limits::raise_fd_limit(most + limits::FD_MARGIN)?;
    let target = target_dir()?;
    let out = plan.out.clone().unwrap_or_else(|| target.join("bench-results"));
    let logs = out.join("latency-logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the client's tokio runtime")?;
    runtime.spawn(server::stop_children_on_signal());
    let binaries = server::prepare_binaries(&plan.servers, &target.join("bench-results/bin"))?;

    let machine = procfs::machine();
    report::print_header(plan, &machine);
    let mut points = Vec::new();
    let mut failures = Vec::new();
    for &server in &plan.servers {
        for &connections in &plan.connections {
            let binary = &binaries[&server];
            let group = Group { runtime: &runtime, server, binary, connections, plan, logs: &logs };
            group.run(&mut points, &mut failures);
        }
    }
    let written = report::write(&out, plan, &machine, &points, &failures)?;
    report::print_held(&points);
    for failure in &failures {
        eprintln!("latency: {failure}");
    }
    println!(
        "written: {}",
        written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    );
    let failed = |p: &Point| match p.status {
        Status::Ran => p.errors.failures() > 0,
        Status::Failed => true,
        Status::Stopped => false,
    };
    Ok(failures.is_empty() && !points.iter().any(failed))
}

/// One server at one connection count, every rate.
struct Group<'a> {
    runtime: &'a Runtime,
    server: Server,
    binary: &'a Path,
    connections: usize,
    plan: &'a Plan,
    logs: &'a Path,
}

/// A server process and the connections open to it.
struct Session {
    server: ServerProcess,
    conns: Vec<Arc<TcpStream>>,
}

/// Why a session could not be opened.
enum NoSession {
    /// The std server could not create a thread (its own words).
    ThreadLimit(String),
    Failed(Errors),
}

impl Group<'_> {
    fn run(&self, points: &mut Vec<Point>, failures: &mut Vec<String>) {
        let log = self.logs.join(format!("{}-{}.log", self.server.name(), self.connections));
        let _ = std::fs::remove_file(&log);
        let (warmup, window) = (self.plan.warmup, self.plan.window);
        let mut session: Option<Session> = None;
        let mut stopped: Option<String> = None;
        for &rate in &self.plan.rates {
            let schedule = Schedule::new(rate, self.connections, warmup, window);
            let mut point = Point::new(self.server, schedule);
            if let Some(reason) = &stopped {
                point.stop(reason.clone());
                report::print_point(&point);
                points.push(point);
                continue;
            }
            if session.is_none() {
                match self.open(&log) {
                    Ok(opened) => session = Some(opened),
                    Err(NoSession::ThreadLimit(reason)) => {
                        point.stop(reason.clone());
                        stopped = Some(reason);
                    }
                    Err(NoSession::Failed(errors)) => point.fail(errors),
                }
            }
            if let Some(open) = &session {
                let pid = open.server.pid();
                let sample = || procfs::Sample::take(pid);
                let run = client::run(self.runtime, &open.conns, schedule, warmup, window, sample);
                point.record(run);
                if point.errors.total() > 0 {
                    // Start afresh for the next rate; the std server may have hit its limit.
                    let open = session.take().expect("open");
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    if let Some(reason) = open.server.thread_limit() {
                        point.stop(reason.clone());
                        stopped = Some(reason);
                    }
                    self.close(open, failures, true);
                }
            }
            report::print_point(&point);
            points.push(point);
        }
        if let Some(open) = session {
            self.close(open, failures, false);
        }
    }

    /// Starts the server and opens the connections, each checked with one echo.
    fn open(&self, log: &Path) -> Result<Session, NoSession> {
        let failed = |message: String| {
            NoSession::Failed(Errors { connect: 1, first: vec![message], ..Errors::default() })
        };
        let (server, addr) = ServerProcess::start(self.server, self.binary, self.connections, log)
            .map_err(|e| failed(format!("{} server: {e:#}", self.server.name())))?;
        match self.runtime.block_on(client::connect_all(addr, self.connections)) {
            Ok(conns) => Ok(Session { server, conns }),
            Err(errors) => {
                // Give the server's last words time to arrive.
                std::thread::sleep(std::time::Duration::from_millis(200));
                Err(match server.thread_limit() {
                    Some(reason) => NoSession::ThreadLimit(reason),
                    None => NoSession::Failed(errors),
                })
            }
        }
    }

    /// Closes the connections, then stops the server with SIGINT; a server that does not exit 0
    /// is a failure, unless the session already ended in errors (`after_errors`).
    fn close(&self, session: Session, failures: &mut Vec<String>, after_errors: bool) {
        let Session { server, conns } = session;
        drop(conns);
        let name = self.server.name();
        let n = self.connections;
        match server.stop() {
            Ok(status) if status.success() || after_errors => {}
            Ok(status) => {
                failures.push(format!("{name} at {n} connections: stopped with {status}"))
            }
            Err(error) => failures.push(format!("{name} at {n} connections: stop: {error:#}")),
        }
    }
}
