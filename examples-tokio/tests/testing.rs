//! Testing async code: `#[tokio::test]`, its runtime flavors, and virtual time.
//!
//! `#[tokio::test]` gives each test its own current-thread runtime: spawned tasks run only when the
//! test awaits, which makes interleavings reproducible. `flavor = "multi_thread"` gives real
//! parallelism for code that needs it. `start_paused = true` starts the test on a paused clock:
//! `advance` moves it by hand, and when every task is waiting on a timer the runtime jumps straight
//! to the next one, so an hour-long timeout or a debounce is tested exactly and instantly. Paused
//! time needs tokio's `test-util` feature, a dev-dependency only.
//!
//! Guide: 指南 2.5.8.1 异步测试.
//! The guide's multi-thread test joins `async { 1 + 1 }` and `async { 2 + 2 }`, which `join!` runs in one task and so would pass on any runtime; here each test fails if what it claims is false.
//!
//! ```text
//! cargo test -p examples-tokio --test testing
//! ```
//!
//! Four tests pass in well under a second, including one about an hour of (virtual) time.
//!
//! ```toml
//! [dev-dependencies]
//! tokio = { version = "1", features = ["macros", "rt", "rt-multi-thread", "sync", "time", "test-util"] }
//! futures = "0.3"
//! ```

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::task::Poll;
use std::time::Duration;

use futures::poll;
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::mpsc;
use tokio::time::{Instant, advance, sleep, timeout};

/// Forwards only the last value of each burst: a value is sent on once `quiet` has passed without
/// a newer one. When the input closes, a value still waiting is sent at once.
async fn debounce<T>(mut input: mpsc::Receiver<T>, output: mpsc::Sender<T>, quiet: Duration) {
    let mut pending = None;
    let mut deadline = pin!(sleep(quiet));
    loop {
        tokio::select! {
            // `recv` is cancel-safe: losing the race to the deadline loses no value.
            received = input.recv() => match received {
                Some(value) => {
                    pending = Some(value);
                    deadline.as_mut().reset(Instant::now() + quiet);
                }
                None => break,
            },
            () = &mut deadline, if pending.is_some() => {
                let value = pending.take().expect("the branch runs only with a value pending");
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

// Fails on a multi-thread runtime (the first assertion, and then a race: a worker may already have
// run the task), or if spawned tasks did not run once the test awaits.
#[tokio::test]
async fn a_spawned_task_runs_only_when_the_test_awaits() {
    assert_eq!(Handle::current().runtime_flavor(), RuntimeFlavor::CurrentThread);
    let ran = Arc::new(AtomicBool::new(false));
    let task = tokio::spawn({
        let ran = ran.clone();
        async move { ran.store(true, SeqCst) }
    });
    assert!(!ran.load(SeqCst), "the task ran before the test yielded");
    task.await.unwrap();
    assert!(ran.load(SeqCst));
}

// Each task sends, then blocks its thread on a std channel until the other task's message comes:
// both finish only if they run at the same time on two threads. With `worker_threads = 1` (or the
// default current-thread flavor) the first task blocks the only thread and times out after 5 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_run_two_blocking_tasks_at_once() {
    assert_eq!(Handle::current().metrics().num_workers(), 2);
    let (to_b, from_a) = std::sync::mpsc::channel();
    let (to_a, from_b) = std::sync::mpsc::channel();
    // Spawned from the test's own thread, so both go to the shared queue, where either worker can
    // take them (a task spawned from a worker may sit in its unstealable LIFO slot).
    let a = tokio::spawn(async move {
        to_b.send("hello from a").unwrap();
        from_b.recv_timeout(Duration::from_secs(5))
    });
    let b = tokio::spawn(async move {
        to_a.send("hello from b").unwrap();
        from_a.recv_timeout(Duration::from_secs(5))
    });
    assert_eq!(a.await.unwrap(), Ok("hello from b"));
    assert_eq!(b.await.unwrap(), Ok("hello from a"));
}

// Fails if the timeout fired even a millisecond early or not at the hour, or if the test waited
// in real time (it would take an hour, and fail the last assertion).
#[tokio::test(start_paused = true)]
async fn an_hour_long_timeout_fires_after_exactly_an_hour_of_virtual_time() {
    const HOUR: Duration = Duration::from_secs(3600);
    let real_start = std::time::Instant::now();
    let start = Instant::now();
    let mut never = pin!(timeout(HOUR, std::future::pending::<()>()));
    assert!(poll!(&mut never).is_pending());
    advance(HOUR - Duration::from_millis(1)).await;
    assert!(poll!(&mut never).is_pending(), "fired early");
    advance(Duration::from_millis(1)).await;
    assert!(matches!(poll!(&mut never), Poll::Ready(Err(_))), "did not fire at the hour");
    assert_eq!(start.elapsed(), HOUR);
    assert!(real_start.elapsed() < Duration::from_secs(1));
}

// Fails if the debouncer forwards every value (1 would come first), does not restart its timer on
// each value (3 would come out at 100 ms, not 160), loses the value pending at close, or waits
// out the quiet period after the input closed.
#[tokio::test(start_paused = true)]
async fn debounce_forwards_the_last_value_of_each_burst() {
    const QUIET: Duration = Duration::from_millis(100);
    let (input, input_rx) = mpsc::channel(8);
    let (output_tx, mut output) = mpsc::channel(8);
    let start = Instant::now();
    let debouncer = tokio::spawn(debounce(input_rx, output_tx, QUIET));

    // A burst of three values 30 ms apart, at 0, 30 and 60 ms; these sleeps are virtual and take
    // no real time.
    for value in [1, 2, 3] {
        input.send(value).await.unwrap();
        sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(output.recv().await, Some(3));
    assert_eq!(start.elapsed(), Duration::from_millis(60) + QUIET);

    input.send(4).await.unwrap();
    drop(input);
    assert_eq!(output.recv().await, Some(4));
    assert_eq!(start.elapsed(), Duration::from_millis(60) + QUIET);
    // The debouncer has ended and dropped its sender.
    assert_eq!(output.recv().await, None);
    debouncer.await.unwrap();
}
