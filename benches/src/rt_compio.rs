//! The compio variant (id `compio`): one thread-per-core runtime on the calling thread, driven by
//! io_uring, workloads on compio's own APIs only.
//!
//! compio's runtime is thread-local, the thread-per-core design: `compio::runtime::spawn` puts a
//! task on the runtime of the thread that calls it, and tasks need not be `Send`. compio has no
//! channel, mutex or `yield_now` of its own; the workloads use the runtime-neutral
//! `async-channel` and `async-lock`, which run on any executor, and a hand-written [`yield_now`].
//!
//! The runtime is built on io_uring only: the `polling` fallback is not compiled in, so a machine
//! where io_uring is unusable (Docker's default seccomp profile blocks `io_uring_setup`,
//! `kernel.io_uring_disabled` turns it off) gets an error from [`runtime`] that says why, never a
//! silent change of driver. Every workload returns a count the caller checks.

use std::io;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use async_channel::{Receiver, Sender};
use async_lock::Mutex;
use compio::runtime::{JoinHandle, Runtime};

/// Set to `1`, [`runtime`] fails as if `io_uring_setup` had returned `EPERM`: how the tests see
/// what a machine without io_uring gets.
pub const SIMULATE_NO_IO_URING: &str = "BENCHES_SIMULATE_NO_IO_URING";

/// compio's runtime on io_uring, on the calling thread (id `compio`), or why io_uring is
/// unusable here: the OS error, and the `kernel.io_uring_disabled` setting when it is on.
pub fn runtime() -> Result<Runtime, String> {
    let simulated = std::env::var_os(SIMULATE_NO_IO_URING).is_some_and(|value| value == "1");
    runtime_or_reason(simulated)
}

/// [`runtime`], with the simulated failure given rather than read from the environment.
pub fn runtime_or_reason(simulate_no_io_uring: bool) -> Result<Runtime, String> {
    let built = if simulate_no_io_uring {
        Err(io::Error::from_raw_os_error(nix::errno::Errno::EPERM as i32))
    } else {
        Runtime::new()
    };
    match built {
        Ok(rt) if rt.driver_type().is_iouring() => Ok(rt),
        Ok(rt) => Err(format!("compio chose its {:?} driver, not io_uring", rt.driver_type())),
        Err(e) if simulate_no_io_uring => {
            Err(format!("io_uring_setup failed: {e} (simulated by {SIMULATE_NO_IO_URING}=1)"))
        }
        Err(e) => {
            let sysctl = std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled");
            let disabled = match sysctl.as_deref().map(str::trim) {
                Ok(value) if value != "0" => format!(" (kernel.io_uring_disabled = {value})"),
                _ => String::new(),
            };
            Err(format!("io_uring setup failed: {e}{disabled}"))
        }
    }
}

/// Spawns `n` empty tasks and joins them all; returns how many joined.
pub async fn spawn_many(n: usize) -> usize {
    let tasks: Vec<_> = (0..n).map(|i| compio::runtime::spawn(async move { i })).collect();
    join_all(tasks).await
}

/// Bounces a message `rounds` times between this task and a spawned one over two capacity-1
/// channels; returns how many replies came back.
pub async fn ping_pong(rounds: usize) -> usize {
    let (ping_tx, ping_rx) = async_channel::bounded::<usize>(1);
    let (pong_tx, pong_rx) = async_channel::bounded::<usize>(1);
    let ponger = compio::runtime::spawn(async move {
        while let Ok(i) = ping_rx.recv().await {
            if pong_tx.send(i).await.is_err() {
                break;
            }
        }
    });
    let mut pongs = 0;
    for i in 0..rounds {
        ping_tx.send(i).await.expect("the ponger is alive");
        let reply = pong_rx.recv().await.expect("the ponger replies");
        debug_assert_eq!(reply, i);
        pongs += 1;
    }
    drop(ping_tx);
    ponger.await.expect("the ponger cannot panic");
    pongs
}

/// Spawns `tasks` tasks that together await [`yield_now`] `total` times (the shares differ by at
/// most one) and joins them; returns how many yields completed.
pub async fn yield_many(tasks: usize, total: usize) -> usize {
    let tasks: Vec<_> = shares(total, tasks)
        .map(|yields| {
            compio::runtime::spawn(async move {
                for _ in 0..yields {
                    yield_now().await;
                }
                yields
            })
        })
        .collect();
    let mut yielded = 0;
    for task in tasks {
        yielded += task.await.expect("a yielder cannot panic");
    }
    yielded
}

/// Yields once to the runtime: the first poll wakes its own task and returns `Pending`, so the
/// runtime polls its other ready tasks before this one again. compio has no `yield_now`.
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await;
}

/// Spawns a chain of `depth` tasks, each spawning the next; the last one reports how many links
/// the chain had, which is returned. A capacity-1 channel stands in for a oneshot.
pub async fn chained_spawn(depth: usize) -> usize {
    if depth == 0 {
        return 0;
    }
    let (done_tx, done_rx) = async_channel::bounded(1);
    compio::runtime::spawn(async move { link(depth - 1, 1, done_tx) }).detach();
    done_rx.recv().await.expect("the last link reports")
}

/// One link of [`chained_spawn`]: spawns the next link, or reports `reached` if none are left.
/// A compio [`JoinHandle`] cancels its task when dropped, hence `detach`.
fn link(left: usize, reached: usize, done: Sender<usize>) {
    if left == 0 {
        // Never full (one message, capacity 1); closed only if the workload was cancelled.
        let _ = done.try_send(reached);
    } else {
        compio::runtime::spawn(async move { link(left - 1, reached + 1, done) }).detach();
    }
}

/// Sends `messages` through a bounded `async_channel` of capacity `capacity` from `producers`
/// spawned tasks (their shares differ by at most one) to this task; returns how many arrived.
pub async fn mpsc(producers: usize, messages: usize, capacity: usize) -> usize {
    let (tx, rx) = async_channel::bounded::<usize>(capacity);
    for share in shares(messages, producers) {
        compio::runtime::spawn(produce(tx.clone(), share)).detach();
    }
    drop(tx); // `recv` fails once every producer is done.
    consume(rx).await
}

/// A producer of `mpsc`: sends `share` messages, then drops its sender.
async fn produce(tx: Sender<usize>, share: usize) {
    for i in 0..share {
        tx.send(i).await.expect("the consumer outlives the producers");
    }
}

/// The consumer of `mpsc`: receives until every sender is gone; returns how many arrived.
async fn consume(rx: Receiver<usize>) -> usize {
    let mut received = 0;
    while rx.recv().await.is_ok() {
        received += 1;
    }
    received
}

/// Spawns `tasks` tasks that together add 1, `total` times, to a counter behind an
/// [`async_lock::Mutex`]; returns the final count. One task runs at a time on the one thread, so
/// every `lock` takes the uncontended path.
pub async fn mutex(tasks: usize, total: usize) -> usize {
    let counter = Rc::new(Mutex::new(0_usize));
    let tasks: Vec<_> = shares(total, tasks)
        .map(|n| compio::runtime::spawn(increment(counter.clone(), n)))
        .collect();
    join_all(tasks).await;
    *counter.lock().await
}

/// A task of `mutex`: adds 1 to the counter `increments` times, locking each time.
async fn increment(counter: Rc<Mutex<usize>>, increments: usize) {
    for _ in 0..increments {
        *counter.lock().await += 1;
    }
}

/// Spawns `n` tasks that each wait `duration` on `compio::time::sleep` at the same time and
/// joins them; returns how many woke.
pub async fn timers(n: usize, duration: Duration) -> usize {
    let tasks: Vec<_> =
        (0..n).map(|_| compio::runtime::spawn(compio::time::sleep(duration))).collect();
    join_all(tasks).await
}

/// Awaits every task; returns how many joined.
async fn join_all<T>(tasks: Vec<JoinHandle<T>>) -> usize {
    let mut joined = 0;
    for task in tasks {
        task.await.expect("a workload task cannot panic");
        joined += 1;
    }
    joined
}

/// `total` split into `parts` shares (at least one) that differ by at most one.
fn shares(total: usize, parts: usize) -> impl Iterator<Item = usize> {
    let parts = parts.max(1);
    (0..parts).map(move |i| total / parts + usize::from(i < total % parts))
}
