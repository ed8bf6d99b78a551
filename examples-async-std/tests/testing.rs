//! Testing async code with async-std: plain `#[test]`s, one global runtime, and time you inject.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/tests/testing.rs`.
//!
//! `#[async_std::test]` exists, but only with async-std's `attributes` feature, which this crate
//! does not enable (it adds a proc-macro dependency to save one line): a test here is an ordinary
//! `#[test]` function that drives its future with `task::block_on`, which is all the attribute
//! expands to. There is no runtime per test: every test of the binary shares async-std's one
//! global runtime, whose size is fixed for the whole process by `ASYNC_STD_THREAD_COUNT` (default:
//! one thread per CPU), read once when the runtime starts. `task::spawn` hands a task to that
//! runtime, which runs it at once, whether the test awaits or not; `task::spawn_local` hands it to
//! the test thread's own executor, which runs it only while the test is inside `block_on` and
//! waiting, which makes interleavings reproducible. There is no paused or virtual clock: code
//! whose timing matters takes its sleep as a parameter, so that a test can pass a fake one that
//! completes at once, and an hour-long timeout is tested instantly; code that keeps the real
//! `task::sleep` is tested in real time, on short durations, with bounds that timers guarantee
//! (they never fire early).
//!
//! Guide: 指南 2.5.8.1 异步测试.
//! The guide's multi-thread test joins `async { 1 + 1 }` and `async { 2 + 2 }`, which `join!` runs in one task and so would pass on any runtime; here each test fails if what it claims is false.
//!
//! Differences from tokio: no `#[tokio::test]`, no flavors and no `worker_threads`: `#[test]`
//! plus `task::block_on`, `task::spawn_local` for what a current-thread runtime gives, and the
//! process-wide `ASYNC_STD_THREAD_COUNT` for the number of threads (a test that needs two checks
//! that it has them). No `test-util`, `start_paused` nor `advance`: time is injected (a closure
//! returning a future), or real and bounded. `async_std::channel` (async-channel) stands in for
//! `tokio::sync::mpsc` (`recv` gives `Err` when closed, not `None`), `FutureExt::race` for
//! `select!`, and a fresh sleep per wait for a pinned `Sleep` reset with `reset`. `spawn_local`
//! and `race` need async-std's `unstable` feature.
//!
//! ```text
//! cargo test -p examples-async-std --test testing
//! ```
//!
//! Six tests pass in well under a second, including one about an hour-long timeout. On a runtime
//! of one thread (one CPU, or `ASYNC_STD_THREAD_COUNT=1`) the test that needs two says on stderr
//! that it is skipped, and passes without checking anything.
//!
//! ```toml
//! [dev-dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `task::spawn_local`, `FutureExt::race`
//! ```

use std::cell::{Cell, RefCell};
use std::future::{self, Future};
use std::num::NonZeroUsize;
use std::rc::Rc;
use std::sync::mpsc as std_mpsc;
use std::thread;
use std::time::{Duration, Instant};

use async_std::channel::{self, Receiver, Sender};
use async_std::prelude::FutureExt as _;
use async_std::task;

/// `fut`'s output, or `None` if `sleep(limit)` completes first. The sleep is a parameter so that a
/// test can pass a fake one; production code passes `task::sleep` (which makes this
/// `async_std::future::timeout` with an `Option` for its `Result`). `fut` is polled first, so a
/// result that is already there is never thrown away for a deadline that has just passed.
async fn timeout_with<T, S: Future>(
    sleep: impl FnOnce(Duration) -> S,
    limit: Duration,
    fut: impl Future<Output = T>,
) -> Option<T> {
    async { Some(fut.await) }
        .race(async {
            sleep(limit).await;
            None
        })
        .await
}

/// Forwards only the last value of each burst: a value is sent on once `quiet` has passed without
/// a newer one. When the input closes, a value still waiting is sent at once.
async fn debounce<T>(input: Receiver<T>, output: Sender<T>, quiet: Duration) {
    // A burst starts with a value; `Err` means every sender is gone and nothing is pending.
    while let Ok(mut latest) = input.recv().await {
        // Each wait gets a fresh sleep, so each new value restarts the quiet period. `recv` is
        // polled first and is cancel-safe: losing the race to the sleep loses no value.
        loop {
            match timeout_with(task::sleep, quiet, input.recv()).await {
                Some(Ok(value)) => latest = value,
                // Every sender is gone: the pending value goes out now, not after `quiet`.
                Some(Err(_)) => {
                    let _ = output.send(latest).await;
                    return;
                }
                None => break,
            }
        }
        if output.send(latest).await.is_err() {
            return; // Nobody is listening any more.
        }
    }
}

/// The global runtime's thread count, worked out the way async-std works it out when the runtime
/// starts: `ASYNC_STD_THREAD_COUNT` if it parses, else one per CPU, and at least one.
fn runtime_threads() -> usize {
    std::env::var("ASYNC_STD_THREAD_COUNT")
        .ok()
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| thread::available_parallelism().map_or(1, NonZeroUsize::get))
        .max(1)
}

/// The name every thread of the global runtime has: `ASYNC_STD_THREAD_NAME`, by default
/// `async-std/runtime`.
fn runtime_thread_name() -> String {
    std::env::var("ASYNC_STD_THREAD_NAME").unwrap_or_else(|_| String::from("async-std/runtime"))
}

// Fails if spawning ran the task at once (the first assertion; `task::spawn` would, on a runtime
// thread, given a moment), or if the task did not run once the test awaited it (the deadline
// turns that hang into a failure: a task `spawn_local`ed by another thread waits for that thread
// to enter `block_on`, however long this one awaits it).
#[test]
fn a_spawn_local_task_runs_only_when_the_test_awaits() {
    task::block_on(async {
        // `Rc`, not `Arc`: a local task never leaves this thread, so it need not be `Send`.
        let ran = Rc::new(Cell::new(false));
        let task = task::spawn_local({
            let ran = ran.clone();
            async move { ran.set(true) }
        });
        assert!(!ran.get(), "the task ran before the test awaited");
        let finished = timeout_with(task::sleep, Duration::from_secs(5), task).await;
        assert_eq!(finished, Some(()), "the task never ran");
        assert!(ran.get());
    });
}

// The opposite of the test above: `task::spawn` hands the task to the global runtime, which runs
// it while the test thread is blocked and awaits nothing. Fails if the task only ran when awaited
// (with `spawn_local`, the `recv_timeout` gives up after 5 s), or ran off the runtime's threads.
#[test]
fn a_spawned_task_runs_without_the_test_awaiting() {
    let (report, reported) = std_mpsc::channel();
    let task = task::spawn(async move {
        let name = thread::current().name().map(str::to_owned);
        report.send(name).expect("the test waits for this report");
    });
    let name = reported
        .recv_timeout(Duration::from_secs(5))
        .expect("the task did not run while the test was blocked");
    // All the runtime's threads have the same name.
    assert_eq!(name, Some(runtime_thread_name()));
    task::block_on(task);
}

// Each task sends, then blocks its thread on a std channel until the other task's message comes:
// both finish only if they run at the same time on two of the runtime's threads. With one thread
// the first task blocks it, its `recv_timeout` gives up after 5 s, and the test fails; since the
// thread count is the process's, not the test's, the test checks it has two and otherwise says
// it is skipped. (Blocking a runtime thread like this is what a test may do to prove parallelism,
// and what production code must not do: blocking work goes to `task::spawn_blocking`.)
#[test]
fn two_runtime_threads_run_two_blocking_tasks_at_once() {
    let threads = runtime_threads();
    if threads < 2 {
        eprintln!(
            "skipped: the global runtime has {threads} thread; ASYNC_STD_THREAD_COUNT=2 gives it two"
        );
        return;
    }
    let (to_b, from_a) = std_mpsc::channel();
    let (to_a, from_b) = std_mpsc::channel();
    let a = task::spawn(async move {
        // Fails only if `b` has already given up, which the assertions report.
        let _ = to_b.send("hello from a");
        let received = from_b.recv_timeout(Duration::from_secs(5));
        (received, thread::current().id())
    });
    let b = task::spawn(async move {
        let _ = to_a.send("hello from b");
        let received = from_a.recv_timeout(Duration::from_secs(5));
        (received, thread::current().id())
    });
    // The test thread only waits: the runtime's threads run the tasks.
    let (received_by_a, thread_a) = task::block_on(a);
    let (received_by_b, thread_b) = task::block_on(b);
    assert_eq!(received_by_a, Ok("hello from b"));
    assert_eq!(received_by_b, Ok("hello from a"));
    assert_ne!(thread_a, thread_b);
}

// Fails if the timeout did not fire, fired on a deadline other than the hour, polled the sleep
// before the future (the ready future would lose to the ready fake sleep), or if the test
// waited in real time.
#[test]
fn an_hour_long_timeout_fires_without_waiting_an_hour() {
    const HOUR: Duration = Duration::from_secs(3600);
    let real_start = Instant::now();
    // The fake sleep records what it was asked for and completes at once.
    let asked = RefCell::new(Vec::new());
    let fake_sleep = |duration| {
        asked.borrow_mut().push(duration);
        future::ready(())
    };
    let never = task::block_on(timeout_with(fake_sleep, HOUR, future::pending::<()>()));
    assert_eq!(never, None, "did not time out");
    assert_eq!(*asked.borrow(), [HOUR], "did not wait for exactly an hour");
    let ready = task::block_on(timeout_with(fake_sleep, HOUR, future::ready(42)));
    assert_eq!(ready, Some(42), "a ready result lost to the deadline");
    assert!(real_start.elapsed() < Duration::from_secs(1));
}

// The same function with the real sleep, on a short limit: what production runs. Fails if the
// timer fired early (timers never do) or not at all.
#[test]
fn the_real_timer_gives_up_after_the_limit() {
    const LIMIT: Duration = Duration::from_millis(20);
    let start = Instant::now();
    let never = task::block_on(timeout_with(task::sleep, LIMIT, future::pending::<()>()));
    assert_eq!(never, None);
    assert!(start.elapsed() >= LIMIT, "fired early");
}

// In real time (about 160 ms), so each check is a bound that holds whatever the machine's load:
// timers never fire early. Fails if the debouncer forwards every value (1 would come first),
// does not restart its timer on each value (3 would come out 100 ms after 1, only about 40 ms
// after 3 was sent), loses the value pending at close, or waits out the quiet period after the
// input closed.
#[test]
fn debounce_forwards_the_last_value_of_each_burst() {
    const QUIET: Duration = Duration::from_millis(100);
    task::block_on(async {
        let (input, input_rx) = channel::bounded(8);
        let (output_tx, output) = channel::bounded(8);
        let debouncer = task::spawn(debounce(input_rx, output_tx, QUIET));

        // A burst of three values 30 ms apart.
        let mut last_sent = Instant::now();
        for value in [1, 2, 3] {
            last_sent = Instant::now();
            input.send(value).await.expect("the debouncer is running");
            task::sleep(Duration::from_millis(30)).await;
        }
        assert_eq!(output.recv().await, Ok(3));
        assert!(last_sent.elapsed() >= QUIET, "the quiet period was not restarted");

        input.send(4).await.expect("the debouncer is running");
        let closed = Instant::now();
        drop(input);
        assert_eq!(output.recv().await, Ok(4));
        assert!(closed.elapsed() < QUIET, "waited out the quiet period after close");
        // The debouncer has ended and dropped its sender.
        assert!(output.recv().await.is_err());
        debouncer.await;
    });
}
