//! Runtime semantics that differ between tokio, async-std and smol: smol's side, one test each.
//!
//! The three crates' `tests/semantics.rs` have the same test names, one per row of the README's
//! "Runtime semantics that differ" table, and each test's doc comment is the sentence that row
//! quotes. Every claim is asserted, not assumed: what happens to a task whose handle is dropped,
//! where a panic goes, how many threads run tasks, how timers and intervals tick, how the blocking
//! pool behaves, how channels close, in which order a mutex's waiters get it, whether a busy task
//! is made to yield, and what works outside a runtime.
//!
//! smol has no runtime object: `smol::block_on` drives one future (and the I/O reactor) on the
//! calling thread, `smol::spawn` puts tasks on a lazily started global executor, and an
//! `Executor`/`LocalExecutor` runs tasks wherever the program drives it. Tests that need a
//! deterministic order use a `LocalExecutor` ticked by hand; smol has no paused clock, so timer
//! tests use the real one with lower bounds only; a claim that needs "nothing more happens" waits
//! a short, fixed time and can only fail if the claim is false. Facts that depend on environment
//! variables read once per process (`SMOL_THREADS`, `BLOCKING_MAX_THREADS`) run this test binary
//! again as a child process with the variable set, rather than setting it in-process.
//!
//! `panic_in_task` panics on purpose: the default panic hook prints that panic (from thread
//! `smol-1`) to stderr; the test catches it and passes.
//!
//! ```text
//! cargo test -p examples-smol --test semantics
//! ```

use std::cell::Cell;
use std::collections::HashSet;
use std::env;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, mpsc as std_mpsc};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use futures::{FutureExt, StreamExt, poll};
use smol::channel::{self, RecvError, SendError};
use smol::lock::Mutex;
use smol::{LocalExecutor, Timer};

use shared::semantics::{
    CHILD_CASE, GatedJobs, LIMIT, SetOnDrop, concurrent_jobs, panic_message, run_in_child,
    thread_name,
};

/// Dropping a smol `Task` cancels it: a task not yet started never runs, a started one is
/// dropped at its `.await`; `detach()` is how a task is kept running without its handle.
#[test]
fn dropped_handle() {
    let ex = LocalExecutor::new();

    let started = Rc::new(Cell::new(false));
    let dropped = Arc::new(AtomicBool::new(false));
    let guard = SetOnDrop(Arc::clone(&dropped));
    let task = ex.spawn({
        let started = Rc::clone(&started);
        async move {
            let _guard = guard;
            started.set(true);
        }
    });
    drop(task);
    while ex.try_tick() {}
    assert!(!started.get(), "the task never ran");
    assert!(dropped.load(SeqCst), "its future was dropped");

    let dropped = Arc::new(AtomicBool::new(false));
    let guard = SetOnDrop(Arc::clone(&dropped));
    let parked = ex.spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    while ex.try_tick() {}
    assert!(!dropped.load(SeqCst), "the task is parked at its await");
    drop(parked);
    while ex.try_tick() {}
    assert!(dropped.load(SeqCst), "dropping the handle dropped the started task");

    let finished = Rc::new(Cell::new(false));
    ex.spawn({
        let finished = Rc::clone(&finished);
        async move { finished.set(true) }
    })
    .detach();
    while ex.try_tick() {}
    assert!(finished.get(), "a detached task runs to completion");
}

/// `Task::cancel().await` cancels a task parked at an `.await`: its future is dropped (locals'
/// destructors run) and `cancel` returns `None`, or `Some(output)` if the task had already
/// finished.
#[test]
fn cancel_running_task() {
    let ex = LocalExecutor::new();
    let dropped = Arc::new(AtomicBool::new(false));
    let guard = SetOnDrop(Arc::clone(&dropped));
    let (started_tx, started_rx) = channel::bounded(1);
    let task = ex.spawn(async move {
        let _guard = guard;
        let _ = started_tx.send(()).await;
        std::future::pending::<()>().await;
    });
    let output = smol::block_on(ex.run(async {
        started_rx.recv().await.expect("the task starts");
        assert!(!dropped.load(SeqCst), "the task is parked at its await");
        task.cancel().await
    }));
    assert_eq!(output, None);
    assert!(dropped.load(SeqCst), "the future was dropped before cancel returned");

    let finished = ex.spawn(async { 7 });
    while ex.try_tick() {}
    assert_eq!(smol::block_on(finished.cancel()), Some(7));
}

/// A panic in a smol task is caught by the task and resumed in whoever awaits its `Task` (catch
/// it with `catch_unwind`); the executor's thread survives and runs the next task (the default
/// hook prints the panic, from thread `smol-1`, to stderr).
#[test]
fn panic_in_task() {
    let task = smol::spawn(async {
        panic!("boom");
    });
    let caught = smol::block_on(AssertUnwindSafe(task).catch_unwind());
    let payload = caught.expect_err("awaiting the task re-panics");
    assert_eq!(panic_message(&*payload), "boom");
    let next = smol::block_on(smol::future::or(smol::spawn(async { 42 }), async {
        Timer::after(LIMIT).await;
        panic!("the global executor still runs tasks");
    }));
    assert_eq!(next, 42);
}

/// smol needs no runtime context: `smol::spawn` works from any thread (a global executor starts
/// on first use and runs the task without anyone calling `block_on`), and its timers work under
/// any executor (`futures::executor::block_on` here).
#[test]
fn spawn_outside_runtime() {
    let (tx, rx) = std_mpsc::channel();
    smol::spawn(async move {
        Timer::after(Duration::from_millis(1)).await;
        let _ = tx.send(thread_name());
    })
    .detach();
    let name = rx.recv_timeout(LIMIT).expect("the task runs on its own");
    assert!(name.as_deref().is_some_and(|name| name.starts_with("smol-")), "{name:?}");

    let start = Instant::now();
    futures::executor::block_on(Timer::after(Duration::from_millis(1)));
    assert!(start.elapsed() >= Duration::from_millis(1));
}

/// `smol::block_on` may be nested, even inside a task or another `block_on`: the inner call
/// simply blocks the current thread until its future (timers included) completes.
#[test]
fn block_on_nesting() {
    let value = smol::block_on(async {
        smol::block_on(async {
            Timer::after(Duration::from_millis(1)).await;
            1
        }) + 1
    });
    assert_eq!(value, 2);
    let ex = LocalExecutor::new();
    let in_task = ex.spawn(async { smol::block_on(async { 3 }) });
    assert_eq!(smol::block_on(ex.run(in_task)), 3);
}

/// `smol::spawn`'s global executor runs on `SMOL_THREADS` threads named `smol-N`, 1 by default
/// whatever the number of CPUs (checked in child processes by blocking every thread at once).
#[test]
fn default_thread_count() {
    let case = env::var(CHILD_CASE);
    match case.as_deref() {
        Ok(case) => {
            let expected = if case == "env" { 3 } else { 1 };
            let (at_once, names) =
                concurrent_jobs(expected + 1, |job| smol::spawn(async { job() }));
            assert_eq!(at_once, expected);
            let expected_names: HashSet<Option<String>> =
                (1..=expected).map(|n| Some(format!("smol-{n}"))).collect();
            assert_eq!(names, expected_names);
        }
        Err(_) => {
            run_in_child("default_thread_count", "default", &[("SMOL_THREADS", None)]);
            run_in_child("default_thread_count", "env", &[("SMOL_THREADS", Some("3"))]);
        }
    }
}

/// smol timers (`Timer`) never fire early; `Timer::interval`'s first tick comes one period after
/// creation, and missed ticks burst at their original instants (each `start + k·period`).
#[test]
fn timer_resolution_and_interval() {
    smol::block_on(async {
        let start = Instant::now();
        Timer::after(Duration::from_millis(1)).await;
        assert!(start.elapsed() >= Duration::from_millis(1));

        let period = Duration::from_millis(20);
        let start = Instant::now();
        let mut ticks = Timer::interval(period);
        let first = ticks.next().await.expect("an interval never ends");
        assert!(first >= start + period, "the first tick is one period away");
        assert!(Instant::now() >= first);
        // Miss three and a half periods: the three missed ticks are ready at once, each
        // reporting the instant it was due at.
        Timer::after(period * 7 / 2).await;
        for k in 1..=3 {
            let tick = ticks.next().now_or_never().flatten();
            assert_eq!(tick, Some(first + period * k));
        }
    });
}

/// `smol::unblock` runs closures on the `blocking` crate's pool, threads named `blocking-N`
/// beside the executor (4 jobs block at once); the pool is capped by `BLOCKING_MAX_THREADS`
/// (default 500, documented, not measured here): with a cap of 2 a third job waits.
#[test]
fn blocking_pool() {
    let case = env::var(CHILD_CASE);
    match case.as_deref() {
        Ok(_) => {
            let (at_once, _) = concurrent_jobs(3, smol::unblock);
            assert_eq!(at_once, 2, "the third job waits for a free thread");
        }
        Err(_) => {
            const JOBS: usize = 4;
            let jobs = GatedJobs::start(JOBS, smol::unblock);
            let arrived = jobs.arrived(JOBS, LIMIT);
            let threads = jobs.open();
            assert_eq!(arrived, JOBS, "all jobs block at the same time");
            let ids: HashSet<ThreadId> = threads.iter().map(|(id, _)| *id).collect();
            assert_eq!(ids.len(), JOBS, "one thread per blocked job");
            assert!(!ids.contains(&thread::current().id()));
            for (_, name) in &threads {
                assert!(
                    name.as_deref().is_some_and(|name| name.starts_with("blocking-")),
                    "{name:?}"
                );
            }
            run_in_child("blocking_pool", "cap", &[("BLOCKING_MAX_THREADS", Some("2"))]);
        }
    }
}

/// smol's channels (async-channel): either side can `close()` the channel for every clone; after
/// that (or once all senders are dropped) `recv` still drains the buffered messages, then fails,
/// and a `send` to a closed channel returns the value.
#[test]
fn channel_close() {
    smol::block_on(async {
        let (tx, rx) = channel::bounded(4);
        let other_tx = tx.clone();
        tx.send(1).await.expect("open");
        tx.send(2).await.expect("open");
        assert!(tx.close(), "this call closed it");
        assert!(!rx.close(), "it was already closed");
        assert_eq!(other_tx.send(3).await, Err(SendError(3)), "closed for every clone");
        assert_eq!(rx.recv().await, Ok(1));
        assert_eq!(rx.recv().await, Ok(2));
        assert_eq!(rx.recv().await, Err(RecvError));

        let (tx, rx) = channel::bounded(4);
        tx.send(1).await.expect("open");
        assert!(rx.close());
        assert_eq!(tx.send(2).await, Err(SendError(2)));
        assert_eq!(rx.recv().await, Ok(1));
        assert_eq!(rx.recv().await, Err(RecvError));

        let (tx, rx) = channel::bounded(4);
        tx.send(1).await.expect("open");
        drop(tx);
        assert_eq!(rx.recv().await, Ok(1));
        assert_eq!(rx.recv().await, Err(RecvError));

        let (tx, rx) = channel::bounded(4);
        drop(rx);
        assert_eq!(tx.send("lost").await, Err(SendError("lost")));
    });
}

/// smol's `Mutex` (async-lock) wakes queued waiters in FIFO order but does not hand the lock
/// over on unlock, so a newcomer can take it first (barging); its starvation guard (a waiter
/// kept out for over 0.5 ms switches to fair mode) is timing-based and not asserted here.
#[test]
fn mutex_fairness() {
    smol::block_on(async {
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
        // Waiter 0 has only been woken: a newcomer takes the free lock before it runs.
        mutex.try_lock().expect("unlocking does not hand the lock over").push(99);
        // Polled last-first, the queued waiters still get it in the order they queued.
        futures::future::join_all(waiters.into_iter().rev()).await;
        assert_eq!(*mutex.lock().await, [99, 0, 1, 2]);
    });
}

/// smol has no cooperative budget: a task that only ever finds ready work (here `recv` on a full
/// channel) runs to the end in one poll, and other tasks on its executor wait until it does.
#[test]
fn coop_budget() {
    const MESSAGES: usize = 1000;
    let ex = LocalExecutor::new();
    let (tx, rx) = channel::unbounded();
    for i in 0..MESSAGES {
        tx.try_send(i).expect("an unbounded channel takes every message");
    }
    drop(tx);
    let received = Rc::new(Cell::new(0));
    let seen_by_other = Rc::new(Cell::new(usize::MAX));
    let consumer = ex.spawn({
        let received = Rc::clone(&received);
        async move {
            while rx.recv().await.is_ok() {
                received.set(received.get() + 1);
            }
        }
    });
    let other = ex.spawn({
        let (received, seen) = (Rc::clone(&received), Rc::clone(&seen_by_other));
        async move { seen.set(received.get()) }
    });
    smol::block_on(ex.run(async {
        consumer.await;
        other.await;
    }));
    assert_eq!(received.get(), MESSAGES);
    assert_eq!(
        seen_by_other.get(),
        MESSAGES,
        "the other task ran only after the consumer had finished"
    );
}
