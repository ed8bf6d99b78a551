//! The tokio variants: runtimes `tokio-mt` and `tokio-ct`, workloads on tokio's own APIs only.
//!
//! Every workload is an `async fn` that spawns with `tokio::spawn`, so it runs on whichever tokio
//! runtime polls it, and returns a count the caller checks.

use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::{Builder, Runtime};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::worker_threads;

/// tokio's multi-thread runtime with [`worker_threads`] workers (id `tokio-mt`), its I/O and time
/// drivers enabled as `#[tokio::main]` does.
pub fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(worker_threads())
        .enable_all()
        .build()
        .expect("building a tokio runtime")
}

/// tokio's current-thread runtime (id `tokio-ct`): everything runs on the thread in `block_on`.
/// Its I/O and time drivers are enabled, as `#[tokio::main(flavor = "current_thread")]` does.
pub fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().expect("building a tokio runtime")
}

/// Spawns `n` empty tasks on the current runtime and joins them all; returns how many joined.
pub async fn spawn_many(n: usize) -> usize {
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(async move { i })).collect();
    join_all(handles).await
}

/// Bounces a message `rounds` times between this task and a spawned one over two capacity-1
/// `mpsc` channels; returns how many replies came back.
pub async fn ping_pong(rounds: usize) -> usize {
    let (ping_tx, mut ping_rx) = mpsc::channel::<usize>(1);
    let (pong_tx, mut pong_rx) = mpsc::channel::<usize>(1);
    let ponger = tokio::spawn(async move {
        while let Some(i) = ping_rx.recv().await {
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

/// Spawns `tasks` tasks that together call [`tokio::task::yield_now`] `total` times (the shares
/// differ by at most one) and joins them; returns how many yields completed.
pub async fn yield_many(tasks: usize, total: usize) -> usize {
    let handles: Vec<_> = shares(total, tasks)
        .map(|yields| {
            tokio::spawn(async move {
                for _ in 0..yields {
                    tokio::task::yield_now().await;
                }
                yields
            })
        })
        .collect();
    let mut yielded = 0;
    for handle in handles {
        yielded += handle.await.expect("a yielding task cannot panic");
    }
    yielded
}

/// Spawns a chain of `depth` tasks, each spawning the next; the last one reports how many links
/// the chain had, which is returned.
pub async fn chained_spawn(depth: usize) -> usize {
    if depth == 0 {
        return 0;
    }
    let (done_tx, done_rx) = oneshot::channel();
    tokio::spawn(async move { link(depth - 1, 1, done_tx) });
    done_rx.await.expect("the last link reports")
}

/// One link of [`chained_spawn`]: spawns the next link, or reports `reached` if none are left.
fn link(left: usize, reached: usize, done: oneshot::Sender<usize>) {
    if left == 0 {
        // The receiver is dropped only if the workload was cancelled: nobody to tell.
        let _ = done.send(reached);
    } else {
        tokio::spawn(async move { link(left - 1, reached + 1, done) });
    }
}

/// Sends `messages` through a bounded `mpsc` channel of capacity `capacity` from `producers`
/// spawned tasks (their shares differ by at most one) to this task; returns how many arrived.
pub async fn mpsc(producers: usize, messages: usize, capacity: usize) -> usize {
    let (tx, mut rx) = mpsc::channel::<usize>(capacity);
    for share in shares(messages, producers) {
        let tx = tx.clone();
        tokio::spawn(async move {
            for i in 0..share {
                tx.send(i).await.expect("the consumer outlives the producers");
            }
        });
    }
    drop(tx); // `recv` returns `None` once every producer is done.
    let mut received = 0;
    while rx.recv().await.is_some() {
        received += 1;
    }
    received
}

/// Spawns `tasks` tasks that together add 1, `total` times, to a counter behind a
/// [`tokio::sync::Mutex`]; returns the final count.
///
/// The tasks contend for the lock only where they run on several threads (`tokio-mt`); on
/// `tokio-ct` one task runs at a time and every `lock` takes the uncontended path.
pub async fn mutex(tasks: usize, total: usize) -> usize {
    let counter = Arc::new(Mutex::new(0_usize));
    let handles: Vec<_> = shares(total, tasks)
        .map(|increments| {
            let counter = counter.clone();
            tokio::spawn(async move {
                for _ in 0..increments {
                    *counter.lock().await += 1;
                }
            })
        })
        .collect();
    join_all(handles).await;
    *counter.lock().await
}

/// [`mutex`] with a [`std::sync::Mutex`] instead, for reference: sound here because the guard is
/// never held across an `.await` (each task's loop has none), which is when the std lock is the
/// usual recommendation.
pub async fn mutex_std(tasks: usize, total: usize) -> usize {
    let counter = Arc::new(std::sync::Mutex::new(0_usize));
    let handles: Vec<_> = shares(total, tasks)
        .map(|increments| {
            let counter = counter.clone();
            tokio::spawn(async move {
                for _ in 0..increments {
                    *counter.lock().expect("no holder panics") += 1;
                }
            })
        })
        .collect();
    join_all(handles).await;
    *counter.lock().expect("no holder panics")
}

/// Spawns `n` tasks that each sleep `duration` with [`tokio::time::sleep`] at the same time and
/// joins them; returns how many woke. The runtime needs its time driver (both builders here
/// enable it).
pub async fn timers(n: usize, duration: Duration) -> usize {
    let handles: Vec<_> = (0..n).map(|_| tokio::spawn(tokio::time::sleep(duration))).collect();
    join_all(handles).await
}

/// Awaits every handle; returns how many joined.
async fn join_all<T>(handles: Vec<JoinHandle<T>>) -> usize {
    let mut joined = 0;
    for handle in handles {
        handle.await.expect("a workload task cannot panic");
        joined += 1;
    }
    joined
}

/// `total` split into `parts` shares (at least one) that differ by at most one.
fn shares(total: usize, parts: usize) -> impl Iterator<Item = usize> {
    let parts = parts.max(1);
    (0..parts).map(move |i| total / parts + usize::from(i < total % parts))
}
