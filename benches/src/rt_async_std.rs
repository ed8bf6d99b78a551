//! The async-std variant: its global runtime, workloads on async-std's own APIs only.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); it is measured because old code still
//! runs on it. There is nothing to build: the global runtime starts on first use. Every workload
//! spawns with [`task::spawn`] and returns a count the caller checks.

use std::sync::Arc;
use std::time::Duration;

use async_std::channel;
use async_std::sync::Mutex;
use async_std::task::{self, JoinHandle};

use crate::worker_threads;

/// Threads of the global runtime: `ASYNC_STD_THREAD_COUNT` if set, else the available parallelism
/// (the rule async-std applies when the runtime starts).
pub fn threads() -> usize {
    std::env::var("ASYNC_STD_THREAD_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(worker_threads)
}

/// Spawns `n` empty tasks on the global runtime and joins them all; returns how many joined.
pub async fn spawn_many(n: usize) -> usize {
    let handles: Vec<_> = (0..n).map(|i| task::spawn(async move { i })).collect();
    join_all(handles).await
}

/// Bounces a message `rounds` times between this task and a spawned one over two capacity-1
/// channels; returns how many replies came back.
pub async fn ping_pong(rounds: usize) -> usize {
    let (ping_tx, ping_rx) = channel::bounded::<usize>(1);
    let (pong_tx, pong_rx) = channel::bounded::<usize>(1);
    let ponger = task::spawn(async move {
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
    ponger.await;
    pongs
}

/// Spawns `tasks` tasks that together call [`task::yield_now`] `total` times (the shares differ by
/// at most one) and joins them; returns how many yields completed.
pub async fn yield_many(tasks: usize, total: usize) -> usize {
    let handles: Vec<_> = shares(total, tasks)
        .map(|yields| {
            task::spawn(async move {
                for _ in 0..yields {
                    task::yield_now().await;
                }
                yields
            })
        })
        .collect();
    let mut yielded = 0;
    for handle in handles {
        yielded += handle.await;
    }
    yielded
}

/// Spawns a chain of `depth` tasks, each spawning the next; the last one reports how many links
/// the chain had, which is returned. async-std has no oneshot channel: a capacity-1 one stands in.
pub async fn chained_spawn(depth: usize) -> usize {
    if depth == 0 {
        return 0;
    }
    let (done_tx, done_rx) = channel::bounded(1);
    // Dropping a `JoinHandle` detaches its task: the chain runs on by itself.
    drop(task::spawn(async move { link(depth - 1, 1, done_tx) }));
    done_rx.recv().await.expect("the last link reports")
}

/// One link of [`chained_spawn`]: spawns the next link, or reports `reached` if none are left.
fn link(left: usize, reached: usize, done: channel::Sender<usize>) {
    if left == 0 {
        // Never full (one message, capacity 1); closed only if the workload was cancelled.
        let _ = done.try_send(reached);
    } else {
        drop(task::spawn(async move { link(left - 1, reached + 1, done) }));
    }
}

/// Sends `messages` through a bounded channel of capacity `capacity` from `producers` spawned
/// tasks (their shares differ by at most one) to this task; returns how many arrived.
pub async fn mpsc(producers: usize, messages: usize, capacity: usize) -> usize {
    let (tx, rx) = channel::bounded::<usize>(capacity);
    for share in shares(messages, producers) {
        let tx = tx.clone();
        drop(task::spawn(async move {
            for i in 0..share {
                tx.send(i).await.expect("the consumer outlives the producers");
            }
        }));
    }
    drop(tx); // `recv` fails once every producer is done.
    let mut received = 0;
    while rx.recv().await.is_ok() {
        received += 1;
    }
    received
}

/// Spawns `tasks` tasks that together add 1, `total` times, to a counter behind an
/// [`async_std::sync::Mutex`]; returns the final count.
///
/// The tasks contend for the lock when the global runtime runs them on several threads.
pub async fn mutex(tasks: usize, total: usize) -> usize {
    let counter = Arc::new(Mutex::new(0_usize));
    let handles: Vec<_> = shares(total, tasks)
        .map(|increments| {
            let counter = counter.clone();
            task::spawn(async move {
                for _ in 0..increments {
                    *counter.lock().await += 1;
                }
            })
        })
        .collect();
    join_all(handles).await;
    *counter.lock().await
}

/// Spawns `n` tasks that each sleep `duration` with [`task::sleep`] at the same time and joins
/// them; returns how many woke.
pub async fn timers(n: usize, duration: Duration) -> usize {
    let handles: Vec<_> = (0..n).map(|_| task::spawn(task::sleep(duration))).collect();
    join_all(handles).await
}

/// Awaits every handle; returns how many joined.
async fn join_all<T>(handles: Vec<JoinHandle<T>>) -> usize {
    let mut joined = 0;
    for handle in handles {
        handle.await;
        joined += 1;
    }
    joined
}

/// `total` split into `parts` shares (at least one) that differ by at most one.
fn shares(total: usize, parts: usize) -> impl Iterator<Item = usize> {
    let parts = parts.max(1);
    (0..parts).map(move |i| total / parts + usize::from(i < total % parts))
}
