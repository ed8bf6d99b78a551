//! The std-only support of the three runtime crates' `tests/semantics.rs`.
//!
//! Those tests assert how tokio, async-std and smol differ; what they need besides their runtime
//! is here, written once: the time limits, a drop detector, a [`Gate`] that holds blocking jobs so
//! a test can count how many a pool runs at once ([`GatedJobs`], [`concurrent_jobs`]), the message
//! of a panic payload, and [`run_in_child`], which runs one test of the calling test binary again
//! in a child process with some environment variables set (for settings a runtime reads once per
//! process).
//!
//! Nothing here depends on a runtime: jobs are handed to a `spawn` function the caller chooses
//! (`tokio::task::spawn_blocking`, `smol::unblock`, a closure around `async_std::task::spawn`...),
//! and every wait is a plain blocking wait bounded by [`LIMIT`].

use std::any::Any;
use std::collections::HashSet;
use std::env;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

/// The longest any wait in these tests may take before the test gives up: only reached when the
/// asserted behaviour is broken, never on a passing run.
pub const LIMIT: Duration = Duration::from_secs(5);

/// How long a test waits to see that something does *not* happen (a job that must not start).
pub const QUIET: Duration = Duration::from_millis(100);

/// Set in a child process started by [`run_in_child`]: which case of the test to run.
pub const CHILD_CASE: &str = "SEMANTICS_CHILD_CASE";

/// Drops are how a test sees that a task's future was dropped (cancelled) rather than finished:
/// dropping a `SetOnDrop` sets its flag.
#[derive(Debug)]
pub struct SetOnDrop(pub Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
    }
}

/// Where blocking jobs wait: it counts the jobs that have reached it and holds each one (blocking
/// its thread) until [`Gate::open`], so a test sees how many jobs a pool runs at the same time.
#[derive(Debug, Default)]
pub struct Gate {
    /// How many jobs have arrived, and whether the gate is open.
    state: Mutex<(usize, bool)>,
    changed: Condvar,
}

impl Gate {
    /// Called by a job: counts it, then blocks its thread until the gate opens (or [`LIMIT`]).
    pub fn arrive(&self) {
        let mut state = self.state.lock().expect("no thread panics holding the gate's lock");
        state.0 += 1;
        self.changed.notify_all();
        let _state = self
            .changed
            .wait_timeout_while(state, LIMIT, |(_, open)| !*open)
            .expect("no thread panics holding the gate's lock");
    }

    /// Waits until `n` jobs have arrived or `within` has passed; returns how many have arrived.
    pub fn arrived(&self, n: usize, within: Duration) -> usize {
        let state = self.state.lock().expect("no thread panics holding the gate's lock");
        let (state, _) = self
            .changed
            .wait_timeout_while(state, within, |(arrived, _)| *arrived < n)
            .expect("no thread panics holding the gate's lock");
        state.0
    }

    /// Lets every job through, those waiting and those still to come.
    pub fn open(&self) {
        self.state.lock().expect("no thread panics holding the gate's lock").1 = true;
        self.changed.notify_all();
    }
}

/// The name of the current thread, owned (`None` for an unnamed thread).
pub fn thread_name() -> Option<String> {
    thread::current().name().map(str::to_owned)
}

/// A job handed to the `spawn` function of [`GatedJobs::start`] or [`concurrent_jobs`]: it blocks
/// its thread at the gate, then reports that thread.
pub type Job = Box<dyn FnOnce() + Send>;

/// The thread a job of [`GatedJobs`] ran on: its id and its name.
pub type JobThread = (ThreadId, Option<String>);

/// Jobs started with a runtime's `spawn` function that all block their threads at one [`Gate`]:
/// while it is closed, [`GatedJobs::arrived`] counts how many run at the same time; once
/// [`GatedJobs::open`], each reports the thread it ran on.
#[derive(Debug)]
pub struct GatedJobs<H> {
    gate: Arc<Gate>,
    /// Kept until every job has reported: dropping a handle may cancel its job (smol's `Task`).
    handles: Vec<H>,
    threads: mpsc::Receiver<JobThread>,
}

impl<H> GatedJobs<H> {
    /// Starts `jobs` jobs, each by one call of `spawn` (e.g. `tokio::task::spawn_blocking`,
    /// `smol::unblock`, or `|job| smol::spawn(async { job() })` to block an executor's thread).
    pub fn start(jobs: usize, mut spawn: impl FnMut(Job) -> H) -> Self {
        let gate = Arc::new(Gate::default());
        let (report, threads) = mpsc::channel();
        let handles = (0..jobs)
            .map(|_| {
                let gate = Arc::clone(&gate);
                let report = report.clone();
                spawn(Box::new(move || {
                    gate.arrive();
                    // The receiver outlives every job unless the test already failed.
                    let _ = report.send((thread::current().id(), thread_name()));
                }))
            })
            .collect();
        Self { gate, handles, threads }
    }

    /// Waits until `n` jobs have reached the gate or `within` has passed; returns how many have.
    pub fn arrived(&self, n: usize, within: Duration) -> usize {
        self.gate.arrived(n, within)
    }

    /// Opens the gate and waits (at most [`LIMIT`] in all) for every job to report the thread it
    /// ran on; returns those threads in the order the jobs finished.
    ///
    /// # Panics
    ///
    /// If a job does not finish within [`LIMIT`] once the gate is open.
    pub fn open(self) -> Vec<JobThread> {
        self.gate.open();
        let deadline = Instant::now() + LIMIT;
        let threads = (0..self.handles.len())
            .map(|_| {
                self.threads
                    .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                    .expect("the jobs finish once the gate is open")
            })
            .collect();
        drop(self.handles);
        threads
    }
}

/// Starts `jobs` jobs with `spawn`, each blocking its thread at a gate, and returns how many
/// ran at the same time (at most `jobs - 1` are expected) and the names of their threads.
///
/// # Panics
///
/// If `jobs` is 0, or if a job does not finish within [`LIMIT`] once the gate is open.
pub fn concurrent_jobs<H>(
    jobs: usize,
    spawn: impl FnMut(Job) -> H,
) -> (usize, HashSet<Option<String>>) {
    let gated = GatedJobs::start(jobs, spawn);
    // Every job but the last can start; the last must not start while they block.
    let _ = gated.arrived(jobs.checked_sub(1).expect("at least one job"), LIMIT);
    let at_once = gated.arrived(jobs, QUIET);
    let names = gated.open().into_iter().map(|(_, name)| name).collect();
    (at_once, names)
}

/// The message of a panic payload (`panic!` with a literal gives `&str`, with arguments `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("<not a string>")
}

/// Runs the test `test` of the current test binary (`std::env::current_exe()`) again in a child
/// process, with [`CHILD_CASE`]`=case` and the variables of `vars` set (`Some`) or removed
/// (`None`), and asserts that it ran and passed.
///
/// `test` is the test's full path as the harness names it (`default_thread_count` in an
/// integration test's top level, `module::tests::name` in a library's), matched exactly. The
/// child is killed after [`LIMIT`].
///
/// # Panics
///
/// If the child cannot be started, fails, or does not run exactly that one test.
pub fn run_in_child(test: &str, case: &str, vars: &[(&str, Option<&str>)]) {
    let exe = env::current_exe().expect("a test binary knows its own path");
    let mut command = Command::new(exe);
    command
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_CASE, case)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in vars {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    let mut child = command.spawn().expect("the test binary can start itself");
    let deadline = Instant::now() + LIMIT;
    while child.try_wait().expect("waiting for the child").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    let output = child.wait_with_output().expect("collecting the child's output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child `{test}` case `{case}` failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool of threads named `pool-N` that runs at most `cap` jobs at once, the others waiting
    /// for a free slot: a stand-in for a runtime's capped blocking pool.
    fn capped_pool(cap: usize) -> impl FnMut(Job) -> thread::JoinHandle<()> {
        let running = Arc::new((Mutex::new(0_usize), Condvar::new()));
        let mut started = 0;
        move |job| {
            started += 1;
            let running = Arc::clone(&running);
            thread::Builder::new()
                .name(format!("pool-{started}"))
                .spawn(move || {
                    let (busy, freed) = &*running;
                    let slots = busy.lock().expect("no pool thread panics holding it");
                    let mut slots = freed
                        .wait_while(slots, |taken| *taken >= cap)
                        .expect("no pool thread panics holding it");
                    *slots += 1;
                    drop(slots);
                    job();
                    *busy.lock().expect("no pool thread panics holding it") -= 1;
                    freed.notify_all();
                })
                .expect("a thread starts")
        }
    }

    #[test]
    fn concurrent_jobs_counts_what_a_capped_pool_runs_at_once() {
        let (at_once, names) = concurrent_jobs(3, capped_pool(2));
        assert_eq!(at_once, 2);
        let expected: HashSet<Option<String>> =
            (1..=3).map(|n| Some(format!("pool-{n}"))).collect();
        assert_eq!(names, expected);

        let (at_once, _) = concurrent_jobs(4, capped_pool(8));
        assert_eq!(at_once, 4, "an uncapped pool runs every job");
    }

    #[test]
    fn gated_jobs_hold_their_threads_until_open() {
        let jobs = GatedJobs::start(3, thread::spawn);
        assert_eq!(jobs.arrived(3, LIMIT), 3);
        let threads = jobs.open();
        let ids: HashSet<ThreadId> = threads.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids.len(), 3, "one thread per blocked job");
        assert!(!ids.contains(&thread::current().id()));
    }

    #[test]
    fn set_on_drop_sets_its_flag() {
        let flag = Arc::new(AtomicBool::new(false));
        let guard = SetOnDrop(Arc::clone(&flag));
        assert!(!flag.load(SeqCst));
        drop(guard);
        assert!(flag.load(SeqCst));
    }

    #[test]
    fn panic_message_reads_both_payload_kinds() {
        let literal = std::panic::catch_unwind(|| panic!("boom")).expect_err("it panics");
        assert_eq!(panic_message(&*literal), "boom");
        let formatted = std::panic::catch_unwind(|| panic!("boom {}", 42)).expect_err("it panics");
        assert_eq!(panic_message(&*formatted), "boom 42");
        let other = std::panic::catch_unwind(|| std::panic::panic_any(7_u8)).expect_err("panics");
        assert_eq!(panic_message(&*other), "<not a string>");
    }

    #[test]
    fn run_in_child_reruns_this_test_with_its_variables() {
        const VAR: &str = "SEMANTICS_SELF_TEST_VAR";
        match env::var(CHILD_CASE).as_deref() {
            Ok("set") => assert_eq!(env::var(VAR).as_deref(), Ok("42")),
            Ok(case) => {
                assert_eq!(case, "removed");
                assert!(env::var_os(VAR).is_none());
            }
            Err(_) => {
                let test = "semantics::tests::run_in_child_reruns_this_test_with_its_variables";
                run_in_child(test, "set", &[(VAR, Some("42"))]);
                run_in_child(test, "removed", &[(VAR, None)]);
            }
        }
    }
}
