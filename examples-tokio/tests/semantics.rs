//! Runtime semantics that differ between tokio, async-std and smol: tokio's side, one test each.
//!
//! The three crates' `tests/semantics.rs` have the same test names, one per row of the README's
//! "Runtime semantics that differ" table, and each test's doc comment is the sentence that row
//! quotes. Every claim is asserted, not assumed: what happens to a task whose handle is dropped,
//! where a panic goes, how many threads run tasks, how timers and intervals tick, how the blocking
//! pool behaves, how channels close, in which order a mutex's waiters get it, whether a busy task
//! is made to yield, and what works outside a runtime.
//!
//! Tests are deterministic: orderings use the current-thread runtime, timer arithmetic the paused
//! clock (`test-util`), wall-clock checks only lower bounds; a claim that needs "nothing more
//! happens" waits a short, fixed time and can only fail if the claim is false. Facts that depend
//! on environment variables read once per process (`TOKIO_WORKER_THREADS`) run this test binary
//! again as a child process with the variable set, rather than setting it in-process.
//!
//! Some tests panic on purpose (a task that panics, `tokio::spawn` outside a runtime): the default
//! panic hook prints those panics to stderr; the tests catch them and pass.
//!
//! ```text
//! cargo test -p examples-tokio --test semantics
//! ```

use std::collections::HashSet;
use std::env;
use std::future::Future;
use std::panic;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::thread::{self, ThreadId};
use std::time::Duration;

use futures::poll;
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::{self, JoinHandle};
use tokio::time::{Instant, MissedTickBehavior, advance, interval, sleep, timeout};

use shared::semantics::{
    CHILD_CASE, GatedJobs, LIMIT, QUIET, SetOnDrop, panic_message, run_in_child, thread_name,
};

/// Dropping a tokio `JoinHandle` detaches the task: it keeps running to completion, and only
/// `abort()` would stop it.
#[tokio::test]
async fn dropped_handle() {
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let (done_tx, done_rx) = oneshot::channel();
    let handle = tokio::spawn(async move {
        // The task has not even started when its handle is dropped (current-thread runtime).
        let _ = go_rx.await;
        let _ = done_tx.send("finished");
    });
    drop(handle);
    go_tx.send(()).expect("the detached task still holds the receiver");
    let done = timeout(LIMIT, done_rx).await.expect("the detached task runs");
    assert_eq!(done, Ok("finished"));
}

/// `JoinHandle::abort()` cancels a task parked at an `.await`: its future is dropped (locals'
/// destructors run) and awaiting the handle gives a `JoinError` with `is_cancelled()`.
#[tokio::test]
async fn cancel_running_task() {
    let dropped = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = oneshot::channel();
    let guard = SetOnDrop(Arc::clone(&dropped));
    let handle: JoinHandle<()> = tokio::spawn(async move {
        let _guard = guard;
        let _ = started_tx.send(());
        std::future::pending::<()>().await;
    });
    started_rx.await.expect("the task starts");
    assert!(!dropped.load(SeqCst), "the task is parked at its await, not dropped");
    handle.abort();
    let error = timeout(LIMIT, handle)
        .await
        .expect("an aborted task ends")
        .expect_err("an aborted task has no output");
    assert!(error.is_cancelled());
    assert!(dropped.load(SeqCst), "the future was dropped before the handle reported it");
}

/// A panic in a tokio task is caught by the runtime: awaiting its `JoinHandle` gives a
/// `JoinError` with `is_panic()` carrying the payload, and the runtime keeps running other tasks
/// (the default hook still prints the panic to stderr).
#[tokio::test]
async fn panic_in_task() {
    let handle = tokio::spawn(async {
        panic!("boom");
    });
    let error = handle.await.expect_err("the task panicked");
    assert!(error.is_panic());
    assert_eq!(panic_message(&*error.into_panic()), "boom");
    // The same (current-thread) runtime runs the next task as if nothing happened.
    assert_eq!(tokio::spawn(async { 42 }).await.expect("no panic"), 42);
}

/// tokio has no global runtime: outside one, `Handle::try_current()` fails and `tokio::spawn` or
/// creating a `tokio::time::sleep` panics ("must be called from the context of a Tokio 1.x
/// runtime"; the default hook prints those panics).
#[test]
fn spawn_outside_runtime() {
    assert!(Handle::try_current().is_err());
    let spawn = panic::catch_unwind(|| drop(tokio::spawn(async {})))
        .expect_err("tokio::spawn needs a runtime");
    assert!(
        panic_message(&*spawn).contains("must be called from the context of a Tokio 1.x runtime"),
        "{}",
        panic_message(&*spawn)
    );
    let timer = panic::catch_unwind(|| drop(sleep(Duration::from_millis(1))))
        .expect_err("a tokio timer needs a runtime");
    assert!(panic_message(&*timer).contains("Tokio 1.x runtime"));
    // `enter()` makes a runtime current without blocking on it: then spawning works.
    let runtime = Builder::new_current_thread().build().expect("a runtime builds");
    let _guard = runtime.enter();
    let handle = tokio::spawn(async { 7 });
    assert_eq!(runtime.block_on(handle).expect("no panic"), 7);
}

/// Calling `block_on` from inside a tokio runtime panics ("Cannot start a runtime from within a
/// runtime"; the default hook prints it) instead of blocking the runtime's thread.
#[test]
fn block_on_nesting() {
    let runtime = Builder::new_current_thread().build().expect("a runtime builds");
    let nested =
        runtime.block_on(async { panic::catch_unwind(|| Handle::current().block_on(async { 1 })) });
    let payload = nested.expect_err("block_on inside a runtime panics");
    assert!(
        panic_message(&*payload).contains("Cannot start a runtime from within a runtime"),
        "{}",
        panic_message(&*payload)
    );
}

/// The multi-thread runtime (`Runtime::new`, `#[tokio::main]`) starts one worker (named
/// `tokio-rt-worker`) per `available_parallelism()`, or `TOKIO_WORKER_THREADS` if set (checked
/// in child processes).
#[test]
fn default_thread_count() {
    let case = env::var(CHILD_CASE);
    match case.as_deref() {
        Ok(case) => {
            let expected = match case {
                "env" => 3,
                _ => thread::available_parallelism().map_or(1, usize::from),
            };
            let runtime = Runtime::new().expect("a runtime builds");
            assert_eq!(runtime.metrics().num_workers(), expected);
            let name = runtime
                .block_on(async { tokio::spawn(async { thread_name() }).await.expect("no panic") });
            assert_eq!(name.as_deref(), Some("tokio-rt-worker"));
        }
        Err(_) => {
            run_in_child("default_thread_count", "default", &[("TOKIO_WORKER_THREADS", None)]);
            run_in_child("default_thread_count", "env", &[("TOKIO_WORKER_THREADS", Some("3"))]);
        }
    }
}

/// tokio timers never fire early and round deadlines up to whole milliseconds (a 1 µs sleep
/// takes 1 ms of paused time); `interval`'s first tick is immediate, and missed ticks burst
/// (`MissedTickBehavior::Burst`, the default) at their original instants.
#[test]
fn timer_resolution_and_interval() {
    let paused = Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime builds");
    paused.block_on(async {
        let start = Instant::now();
        sleep(Duration::from_micros(1)).await;
        assert_eq!(start.elapsed(), Duration::from_millis(1));

        let period = Duration::from_millis(10);
        let start = Instant::now();
        let mut ticks = interval(period);
        assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Burst);
        assert_eq!(ticks.tick().await, start, "the first tick is immediate");
        // Miss three and a half periods, then catch up: the missed ticks come at once, each
        // reporting the instant it was due at.
        advance(period * 7 / 2).await;
        for k in 1..=3 {
            assert_eq!(ticks.tick().await, start + period * k);
        }
        assert_eq!(Instant::now(), start + period * 7 / 2, "the burst took no time");
        assert_eq!(ticks.tick().await, start + period * 4, "then back on schedule");
    });

    // On the real clock only a lower bound holds: a timer never fires early.
    let real = Builder::new_current_thread().enable_time().build().expect("a runtime builds");
    real.block_on(async {
        let start = std::time::Instant::now();
        sleep(Duration::from_millis(1)).await;
        assert!(start.elapsed() >= Duration::from_millis(1));
    });
}

/// `spawn_blocking` runs closures on a separate pool, not on the workers (4 jobs block at once
/// beside a 1-worker runtime); the pool is capped by `max_blocking_threads` (default 512,
/// documented, not measured here): with a cap of 2 a third job waits.
#[test]
fn blocking_pool() {
    const JOBS: usize = 4;
    let runtime = Builder::new_multi_thread().worker_threads(1).build().expect("a runtime builds");
    runtime.block_on(async {
        let worker = tokio::spawn(async { thread::current().id() }).await.expect("no panic");
        let jobs = GatedJobs::start(JOBS, task::spawn_blocking);
        let arrived = jobs.arrived(JOBS, LIMIT);
        let threads = jobs.open();
        assert_eq!(arrived, JOBS, "all jobs block at the same time");
        let threads: HashSet<ThreadId> = threads.into_iter().map(|(id, _)| id).collect();
        assert_eq!(threads.len(), JOBS, "one thread per blocked job");
        assert!(!threads.contains(&worker), "none of them is the worker");
    });

    let capped =
        Builder::new_current_thread().max_blocking_threads(2).build().expect("a runtime builds");
    capped.block_on(async {
        let jobs = GatedJobs::start(3, task::spawn_blocking);
        let first_two = jobs.arrived(2, LIMIT);
        let with_third = jobs.arrived(3, QUIET);
        jobs.open();
        assert_eq!(first_two, 2);
        assert_eq!(with_third, 2, "the third job waits for a free thread");
    });
}

/// tokio `mpsc`: after every `Sender` is dropped (or `Receiver::close()`), `recv` still drains
/// the buffered messages, then returns `None`; a `send` to a closed channel returns the value.
#[tokio::test]
async fn channel_close() {
    let (tx, mut rx) = mpsc::channel(4);
    tx.send(1).await.expect("the receiver is alive");
    tx.send(2).await.expect("the receiver is alive");
    drop(tx);
    assert_eq!(rx.recv().await, Some(1));
    assert_eq!(rx.recv().await, Some(2));
    assert_eq!(rx.recv().await, None);

    // Closing from the receiving side (senders have no `close`): new sends fail, buffered
    // messages are still delivered.
    let (tx, mut rx) = mpsc::channel(4);
    tx.send(1).await.expect("the receiver is alive");
    rx.close();
    assert!(tx.is_closed());
    assert_eq!(tx.send(2).await.expect_err("closed").0, 2);
    assert_eq!(rx.recv().await, Some(1));
    assert_eq!(rx.recv().await, None);

    // Dropping the receiver closes it too: the value comes back in the error.
    let (tx, rx) = mpsc::channel(4);
    drop(rx);
    assert_eq!(tx.send("lost").await.expect_err("closed").0, "lost");
}

/// tokio's `Mutex` is strictly FIFO: unlocking hands the lock to the longest waiter (even
/// `try_lock` cannot take it in between), so waiters get it in the order they queued.
#[tokio::test]
async fn mutex_fairness() {
    let mutex = Mutex::new(Vec::new());
    let guard = mutex.lock().await;
    let mut waiters: Vec<Pin<Box<dyn Future<Output = ()> + '_>>> = (0..3)
        .map(|i| -> Pin<Box<dyn Future<Output = ()> + '_>> {
            let mutex = &mutex;
            Box::pin(async move { mutex.lock().await.push(i) })
        })
        .collect();
    // Each waiter queues, in order 0, 1, 2.
    for waiter in &mut waiters {
        assert!(poll!(waiter).is_pending());
    }
    drop(guard);
    // The lock now belongs to waiter 0: nobody can barge in, even though nobody holds a guard.
    assert!(mutex.try_lock().is_err());
    // Polled last-first, the waiters still finish first-come first-served.
    futures::future::join_all(waiters.into_iter().rev()).await;
    assert_eq!(*mutex.lock().await, [0, 1, 2]);
}

/// tokio's cooperative budget makes a task that only ever finds ready work (here `recv` on a
/// full channel) yield after a bounded number of operations (128 per poll), so other tasks on
/// the same thread run before it finishes.
#[tokio::test]
async fn coop_budget() {
    const MESSAGES: usize = 1000;
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..MESSAGES {
        tx.send(i).expect("the receiver is alive");
    }
    drop(tx);
    let received = Arc::new(AtomicUsize::new(0));
    let seen_by_other = Arc::new(AtomicUsize::new(usize::MAX));
    let consumer = tokio::spawn({
        let received = Arc::clone(&received);
        async move {
            while rx.recv().await.is_some() {
                received.fetch_add(1, SeqCst);
            }
        }
    });
    let other = tokio::spawn({
        let (received, seen) = (Arc::clone(&received), Arc::clone(&seen_by_other));
        async move { seen.store(received.load(SeqCst), SeqCst) }
    });
    consumer.await.expect("no panic");
    other.await.expect("no panic");
    assert_eq!(received.load(SeqCst), MESSAGES);
    let seen = seen_by_other.load(SeqCst);
    assert!(
        seen > 0 && seen < MESSAGES,
        "the other task ran while the consumer was mid-way (it saw {seen})"
    );
}
