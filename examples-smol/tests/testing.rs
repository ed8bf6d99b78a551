//! Testing async code with smol: plain `#[test]`s, executors you choose, and time you inject.
//!
//! smol has no test attribute (no `#[smol::test]`): a test is an ordinary `#[test]` function that
//! drives its future with `smol::block_on`. Which executor runs the spawned tasks is the test's
//! choice: a `LocalExecutor` runs them only when the test awaits, which makes interleavings
//! reproducible; `smol::spawn` runs them at once on the global executor's own thread; an
//! `Executor` runs them on as many threads as the test starts for it. smol has no paused or
//! virtual clock either (nothing like tokio's `start_paused` and `advance`): code whose timing
//! matters takes its sleep as a parameter, so that a test can pass a fake one that completes at
//! once, and an hour-long timeout is tested instantly; code that keeps the real `Timer` is tested
//! in real time, on short durations, with bounds that timers guarantee (they never fire early).
//!
//! Guide: 指南 2.5.8.1 异步测试.
//! The guide's multi-thread test joins `async { 1 + 1 }` and `async { 2 + 2 }`, which `join!` runs in one task and so would pass on any runtime; here each test fails if what it claims is false.
//!
//! Differences from tokio: no `#[tokio::test]` and no flavors: `#[test]` plus `smol::block_on`,
//! and the executor (and its threads) built in the test. No `test-util`, `start_paused` nor
//! `advance`: time is injected (a closure returning a future), or real and bounded.
//! `smol::channel` stands in for `tokio::sync::mpsc` (`recv` gives `Err` when closed, not
//! `None`), a `Timer` reset with `set_after` for a pinned `Sleep` reset with `reset`, and `or`
//! for `select!`.
//!
//! ```text
//! cargo test -p examples-smol --test testing
//! ```
//!
//! Six tests pass in well under a second, including one about an hour-long timeout.
//!
//! ```toml
//! [dev-dependencies]
//! smol = "2"
//! ```

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::sync::mpsc as std_mpsc;
use std::thread;
use std::time::{Duration, Instant};

use smol::channel::{self, Receiver, Sender};
use smol::future::{self, FutureExt};
use smol::{Executor, LocalExecutor, Timer};

/// `fut`'s output, or `None` if `sleep(limit)` completes first. The sleep is a parameter so that a
/// test can pass a fake one; production code passes `Timer::after`. `fut` is polled first, so a
/// result that is already there is never thrown away for a deadline that has just passed.
async fn timeout_with<T, S: Future>(
    sleep: impl FnOnce(Duration) -> S,
    limit: Duration,
    fut: impl Future<Output = T>,
) -> Option<T> {
    async { Some(fut.await) }
        .or(async {
            sleep(limit).await;
            None
        })
        .await
}

/// Forwards only the last value of each burst: a value is sent on once `quiet` has passed without
/// a newer one. When the input closes, a value still waiting is sent at once.
async fn debounce<T>(input: Receiver<T>, output: Sender<T>, quiet: Duration) {
    let mut pending = None;
    // Set only when a value arrives; once fired, a `Timer` stays pending until it is set again,
    // so it fires once per burst.
    let mut deadline = Timer::never();
    loop {
        // `Some(received)` from the input, `None` when the quiet period is over. `recv` is
        // polled first and is cancel-safe: losing the race to the deadline loses no value.
        let event = {
            let received = async { Some(input.recv().await) };
            let quiet_over = async {
                (&mut deadline).await;
                None
            };
            received.or(quiet_over).await
        };
        match event {
            Some(Ok(value)) => {
                pending = Some(value);
                deadline.set_after(quiet);
            }
            // Every sender is gone.
            Some(Err(_)) => break,
            None => {
                let value = pending.take().expect("the timer is set only with a value pending");
                if output.send(value).await.is_err() {
                    return; // Nobody is listening any more.
                }
            }
        }
    }
    if let Some(value) = pending {
        let _ = output.send(value).await;
    }
}

// Fails if spawning ran the task at once (the first assertion), or if the task did not run once
// the test awaited it (the deadline turns that hang into a failure, e.g. with `smol::block_on`
// alone and no `ex.run`, nothing would ever run it).
#[test]
fn a_local_executor_task_runs_only_when_the_test_awaits() {
    let ran = Cell::new(false);
    // Declared after `ran`: a `LocalExecutor`'s tasks may borrow what outlives it, and need not
    // be `Send`.
    let ex = LocalExecutor::new();
    smol::block_on(ex.run(async {
        let task = ex.spawn(async { ran.set(true) });
        assert!(!ran.get(), "the task ran before the test awaited");
        let finished = timeout_with(Timer::after, Duration::from_secs(5), task).await;
        assert_eq!(finished, Some(()), "the task never ran");
        assert!(ran.get());
    }));
}

// The opposite of the test above: `smol::spawn` hands the task to the global executor's thread,
// which runs it while the test thread is blocked and awaits nothing. Fails if the task only ran
// when awaited (the `recv_timeout` would give up after 5 s), or ran on the test's own thread.
#[test]
fn a_smol_spawn_task_runs_without_the_test_awaiting() {
    let (report, reported) = std_mpsc::channel();
    let task = smol::spawn(async move {
        let name = thread::current().name().map(str::to_owned);
        report.send(name).expect("the test waits for this report");
    });
    let name = reported
        .recv_timeout(Duration::from_secs(5))
        .expect("the task did not run while the test was blocked");
    // `smol-1`, `smol-2`, ...: the global executor's threads, `SMOL_THREADS` of them (default 1).
    assert!(name.as_deref().is_some_and(|name| name.starts_with("smol-")), "ran on {name:?}");
    smol::block_on(task);
}

// Each task sends, then blocks its thread on a std channel until the other task's message comes:
// both finish only if they run at the same time on two threads. With `THREADS = 1` the first
// task blocks the only thread, its `recv_timeout` gives up after 5 s, and the test fails.
#[test]
fn an_executor_on_two_threads_runs_two_blocking_tasks_at_once() {
    const THREADS: usize = 2;
    let ex = Executor::new();
    let (stop, stopped) = channel::bounded::<()>(1);
    thread::scope(|scope| {
        // Moved into this closure, so it is dropped on every way out of it, a failed assertion
        // included, and the executor threads stop before the scope waits for them.
        let stop = stop;
        for _ in 0..THREADS {
            let (ex, stopped) = (&ex, stopped.clone());
            // Runs tasks until `recv` ends, with `Err`, once `stop` is dropped.
            scope.spawn(move || smol::block_on(ex.run(stopped.recv())));
        }
        let (to_b, from_a) = std_mpsc::channel();
        let (to_a, from_b) = std_mpsc::channel();
        let a = ex.spawn(async move {
            // Fails only if `b` has already given up, which the assertions report.
            let _ = to_b.send("hello from a");
            from_b.recv_timeout(Duration::from_secs(5))
        });
        let b = ex.spawn(async move {
            let _ = to_a.send("hello from b");
            from_a.recv_timeout(Duration::from_secs(5))
        });
        // The test thread only waits: the executor's threads run the tasks.
        assert_eq!(smol::block_on(a), Ok("hello from b"));
        assert_eq!(smol::block_on(b), Ok("hello from a"));
        drop(stop);
    });
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
    let never = smol::block_on(timeout_with(fake_sleep, HOUR, future::pending::<()>()));
    assert_eq!(never, None, "did not time out");
    assert_eq!(*asked.borrow(), [HOUR], "did not wait for exactly an hour");
    let ready = smol::block_on(timeout_with(fake_sleep, HOUR, future::ready(42)));
    assert_eq!(ready, Some(42), "a ready result lost to the deadline");
    assert!(real_start.elapsed() < Duration::from_secs(1));
}

// The same function with the real sleep, on a short limit: what production runs. Fails if the
// timer fired early (timers never do) or not at all.
#[test]
fn the_real_timer_gives_up_after_the_limit() {
    const LIMIT: Duration = Duration::from_millis(20);
    let start = Instant::now();
    let never = smol::block_on(timeout_with(Timer::after, LIMIT, future::pending::<()>()));
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
    smol::block_on(async {
        let (input, input_rx) = channel::bounded(8);
        let (output_tx, output) = channel::bounded(8);
        let debouncer = smol::spawn(debounce(input_rx, output_tx, QUIET));

        // A burst of three values 30 ms apart.
        let mut last_sent = Instant::now();
        for value in [1, 2, 3] {
            last_sent = Instant::now();
            input.send(value).await.expect("the debouncer is running");
            Timer::after(Duration::from_millis(30)).await;
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
