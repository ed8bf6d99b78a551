//! Runtime semantics that differ between tokio, async-std and smol: async-std's side, a test each.
//!
//! The three crates' `tests/semantics.rs` have the same test names, one per row of the README's
//! "Runtime semantics that differ" table, and each test's doc comment is the sentence that row
//! quotes. Every claim is asserted, not assumed: what happens to a task whose handle is dropped,
//! where a panic goes, how many threads run tasks, how timers and intervals tick, how the blocking
//! pool behaves, how channels close, in which order a mutex's waiters get it, whether a busy task
//! is made to yield, and what works outside a runtime.
//!
//! async-std has one global runtime, started on first use: `task::spawn` puts tasks on its
//! threads (async-global-executor over async-executor), `task::block_on` drives a future and the
//! calling thread's `spawn_local` tasks. Tests that need a deterministic order use `spawn_local`
//! (unstable feature); async-std has no paused clock, so timer tests use the real one with lower
//! bounds only; a claim that needs "nothing more happens" waits a short, fixed time and can only
//! fail if the claim is false. Facts that depend on environment variables read once per process
//! (`ASYNC_STD_THREAD_COUNT`, `BLOCKING_MAX_THREADS`) run this test binary again as a child
//! process with the variable set, rather than setting it in-process.
//!
//! `panic_in_task` panics on purpose: the default panic hook prints that panic (from thread
//! `async-std/runtime`) to stderr; the test catches it and passes.
//!
//! ```text
//! cargo test -p examples-async-std --test semantics
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

use async_std::channel::{self, RecvError, SendError};
use async_std::future::timeout;
use async_std::stream;
use async_std::sync::Mutex;
use async_std::task;
use futures::{FutureExt, StreamExt, poll};

use shared::semantics::{
    CHILD_CASE, GatedJobs, LIMIT, SetOnDrop, concurrent_jobs, panic_message, run_in_child,
    thread_name,
};

/// Dropping an async-std `JoinHandle` detaches the task: it keeps running to completion, and only
/// `cancel().await` would stop it.
#[test]
fn dropped_handle() {
    task::block_on(async {
        let (go_tx, go_rx) = channel::bounded::<()>(1);
        let (done_tx, done_rx) = channel::bounded(1);
        let handle = task::spawn(async move {
            let _ = go_rx.recv().await;
            let _ = done_tx.send("finished").await;
        });
        drop(handle);
        go_tx.send(()).await.expect("the detached task still holds the receiver");
        let done = timeout(LIMIT, done_rx.recv()).await.expect("the detached task runs");
        assert_eq!(done, Ok("finished"));
    });
}

/// `JoinHandle::cancel().await` cancels a task parked at an `.await`: its future is dropped
/// (locals' destructors run) and `cancel` returns `None`.
#[test]
fn cancel_running_task() {
    task::block_on(async {
        let dropped = Arc::new(AtomicBool::new(false));
        let guard = SetOnDrop(Arc::clone(&dropped));
        let (started_tx, started_rx) = channel::bounded(1);
        let handle = task::spawn(async move {
            let _guard = guard;
            let _ = started_tx.send(()).await;
            std::future::pending::<()>().await;
        });
        started_rx.recv().await.expect("the task starts");
        assert!(!dropped.load(SeqCst), "the task is parked at its await");
        let output = timeout(LIMIT, handle.cancel()).await.expect("a cancelled task stops");
        assert_eq!(output, None);
        assert!(dropped.load(SeqCst), "the future was dropped before cancel returned");
    });
}

/// A panic in an async-std task neither aborts the process nor kills a runtime thread: it is
/// caught in the task and resumed, with its payload, in whoever awaits the `JoinHandle` (catch it
/// with `catch_unwind`), and the runtime runs the next task (the default hook prints the panic,
/// from thread `async-std/runtime`, to stderr).
#[test]
fn panic_in_task() {
    let handle = task::spawn(async {
        panic!("boom");
    });
    let caught = task::block_on(AssertUnwindSafe(handle).catch_unwind());
    let payload = caught.expect_err("awaiting the task re-panics");
    assert_eq!(panic_message(&*payload), "boom");
    let next = task::block_on(timeout(LIMIT, task::spawn(async { 42 })));
    assert_eq!(next, Ok(42), "the runtime still runs tasks");
}

/// async-std needs no runtime context: `task::spawn` works from any thread (the global runtime
/// starts on first use and runs the task without anyone calling `block_on`), and its timers work
/// under any executor (`futures::executor::block_on` here).
#[test]
fn spawn_outside_runtime() {
    let (tx, rx) = std_mpsc::channel();
    drop(task::spawn(async move {
        task::sleep(Duration::from_millis(1)).await;
        let _ = tx.send(thread_name());
    }));
    let name = rx.recv_timeout(LIMIT).expect("the task runs on its own");
    assert_eq!(name.as_deref(), Some("async-std/runtime"));

    let start = Instant::now();
    futures::executor::block_on(task::sleep(Duration::from_millis(1)));
    assert!(start.elapsed() >= Duration::from_millis(1));
}

/// `task::block_on` may be nested, even inside a task or another `block_on`: the inner call
/// simply blocks the current thread until its future (timers included) completes.
#[test]
fn block_on_nesting() {
    let value = task::block_on(async {
        task::block_on(async {
            task::sleep(Duration::from_millis(1)).await;
            1
        }) + 1
    });
    assert_eq!(value, 2);
    let in_task = task::block_on(task::spawn(async { task::block_on(async { 3 }) }));
    assert_eq!(in_task, 3);
}

/// The global runtime runs tasks on `ASYNC_STD_THREAD_COUNT` threads named `async-std/runtime`,
/// by default one per `available_parallelism()` (async-global-executor's own
/// `ASYNC_GLOBAL_EXECUTOR_THREADS` is ignored; checked in child processes by blocking every
/// thread at once).
#[test]
fn default_thread_count() {
    let available = thread::available_parallelism().map_or(1, usize::from);
    let case = env::var(CHILD_CASE);
    match case.as_deref() {
        Ok(case) => {
            let expected = if case == "env" { 3 } else { available };
            let (at_once, names) =
                concurrent_jobs(expected + 1, |job| task::spawn(async { job() }));
            assert_eq!(at_once, expected);
            let expected_names = HashSet::from([Some("async-std/runtime".to_owned())]);
            assert_eq!(names, expected_names);
        }
        Err(_) => {
            let ignored = (available + 1).to_string();
            run_in_child(
                "default_thread_count",
                "default",
                &[
                    ("ASYNC_STD_THREAD_COUNT", None),
                    ("ASYNC_GLOBAL_EXECUTOR_THREADS", Some(&ignored)),
                ],
            );
            run_in_child("default_thread_count", "env", &[("ASYNC_STD_THREAD_COUNT", Some("3"))]);
        }
    }
}

/// async-std timers never fire early; `stream::interval`'s first tick comes one period after
/// creation, and missed ticks are not replayed: after a long gap one tick is ready, the next is a
/// full period later.
#[test]
fn timer_resolution_and_interval() {
    task::block_on(async {
        let start = Instant::now();
        task::sleep(Duration::from_millis(1)).await;
        assert!(start.elapsed() >= Duration::from_millis(1));

        let period = Duration::from_millis(20);
        let start = Instant::now();
        let mut ticks = stream::interval(period);
        ticks.next().await.expect("an interval never ends");
        assert!(start.elapsed() >= period, "the first tick is one period away");
        // Miss three and a half periods: a single tick is ready at once...
        task::sleep(period * 7 / 2).await;
        assert_eq!(ticks.next().now_or_never(), Some(Some(())));
        // ...and the next one is a whole period after it.
        let late = Instant::now();
        ticks.next().await.expect("an interval never ends");
        assert!(late.elapsed() >= period, "missed ticks were not replayed");
    });
}

/// `task::spawn_blocking` runs closures on the `blocking` crate's pool, threads named
/// `blocking-N` beside the runtime's (4 jobs block at once); the pool is capped by
/// `BLOCKING_MAX_THREADS` (default 500, documented, not measured here): with a cap of 2 a third
/// job waits.
#[test]
fn blocking_pool() {
    let case = env::var(CHILD_CASE);
    match case.as_deref() {
        Ok(_) => {
            let (at_once, _) = concurrent_jobs(3, task::spawn_blocking);
            assert_eq!(at_once, 2, "the third job waits for a free thread");
        }
        Err(_) => {
            const JOBS: usize = 4;
            let jobs = GatedJobs::start(JOBS, task::spawn_blocking);
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

/// async-std's channels (async-channel): either side can `close()` the channel for every clone;
/// after that (or once all senders are dropped) `recv` still drains the buffered messages, then
/// fails, and a `send` to a closed channel returns the value.
#[test]
fn channel_close() {
    task::block_on(async {
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

/// async-std's `Mutex` (async-lock) wakes queued waiters in FIFO order but does not hand the lock
/// over on unlock, so a newcomer can take it first (barging); its starvation guard (a waiter
/// kept out for over 0.5 ms switches to fair mode) is timing-based and not asserted here.
#[test]
fn mutex_fairness() {
    task::block_on(async {
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

/// async-std has no cooperative budget: a task that only ever finds ready work (here `recv` on a
/// full channel) runs to the end in one poll, and other tasks on its thread (`spawn_local`) wait
/// until it does.
#[test]
fn coop_budget() {
    const MESSAGES: usize = 1000;
    let (tx, rx) = channel::unbounded();
    for i in 0..MESSAGES {
        tx.try_send(i).expect("an unbounded channel takes every message");
    }
    drop(tx);
    let received = Rc::new(Cell::new(0));
    let seen_by_other = Rc::new(Cell::new(usize::MAX));
    task::block_on(async {
        let consumer = task::spawn_local({
            let received = Rc::clone(&received);
            async move {
                while rx.recv().await.is_ok() {
                    received.set(received.get() + 1);
                }
            }
        });
        let other = task::spawn_local({
            let (received, seen) = (Rc::clone(&received), Rc::clone(&seen_by_other));
            async move { seen.set(received.get()) }
        });
        consumer.await;
        other.await;
    });
    assert_eq!(received.get(), MESSAGES);
    assert_eq!(
        seen_by_other.get(),
        MESSAGES,
        "the other task ran only after the consumer had finished"
    );
}
