//! The futures-local variant (id `futures-local`): a [`LocalPool`] from `futures::executor` run
//! by the calling thread, workloads on the futures crate's own APIs only.
//!
//! The pool runs its tasks on one thread and has no reactor, so there is no timer here (the
//! futures crate has none; `timers` is left out). Nor does the crate have a `yield_now`:
//! [`yield_many`] awaits a ten-line [`YieldNow`] future instead (wake, then `Pending` once), which
//! is what a `yield_now` typically does. Every workload takes the [`LocalSpawner`] it spawns on,
//! runs while the pool does (e.g. `pool.run_until(..)`), and returns a count the caller checks.

use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures::channel::{mpsc, oneshot};
use futures::executor::{LocalPool, LocalSpawner};
use futures::future::RemoteHandle;
use futures::lock::Mutex;
use futures::task::LocalSpawnExt;
use futures::{SinkExt, StreamExt};

/// A new pool (id `futures-local`); spawn on it through [`LocalPool::spawner`].
pub fn local_pool() -> LocalPool {
    LocalPool::new()
}

/// Spawns `n` empty tasks on `spawner` and joins them all; returns how many joined.
pub async fn spawn_many(spawner: LocalSpawner, n: usize) -> usize {
    let handles: Vec<_> = (0..n).map(|i| spawn_joinable(&spawner, async move { i })).collect();
    join_all(handles).await
}

/// Bounces a message `rounds` times between this task and one spawned on `spawner` over two
/// [`mpsc`](mod@mpsc) channels of buffer 0, which with one sender each hold one message, as
/// capacity 1 does elsewhere; returns how many replies came back.
pub async fn ping_pong(spawner: LocalSpawner, rounds: usize) -> usize {
    let (mut ping_tx, mut ping_rx) = mpsc::channel::<usize>(0);
    let (mut pong_tx, mut pong_rx) = mpsc::channel::<usize>(0);
    let ponger = spawn_joinable(&spawner, async move {
        while let Some(i) = ping_rx.next().await {
            if pong_tx.send(i).await.is_err() {
                break;
            }
        }
    });
    let mut pongs = 0;
    for i in 0..rounds {
        ping_tx.send(i).await.expect("the ponger is alive");
        let reply = pong_rx.next().await.expect("the ponger replies");
        debug_assert_eq!(reply, i);
        pongs += 1;
    }
    drop(ping_tx);
    ponger.await;
    pongs
}

/// Spawns `tasks` tasks on `spawner` that together await [`YieldNow`] `total` times (the shares
/// differ by at most one) and joins them; returns how many yields completed.
pub async fn yield_many(spawner: LocalSpawner, tasks: usize, total: usize) -> usize {
    let handles: Vec<_> = shares(total, tasks)
        .map(|yields| {
            spawn_joinable(&spawner, async move {
                for _ in 0..yields {
                    YieldNow::default().await;
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

/// Yields once to the executor: the first poll wakes its own task and returns `Pending`, so the
/// pool polls its other ready tasks before this one again; the second poll completes.
#[derive(Debug, Default)]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Spawns a chain of `depth` tasks on `spawner`, each spawning the next; the last one reports over
/// a [`oneshot`] how many links the chain had, which is returned.
pub async fn chained_spawn(spawner: LocalSpawner, depth: usize) -> usize {
    if depth == 0 {
        return 0;
    }
    let (done_tx, done_rx) = oneshot::channel();
    link(spawner, depth, 0, done_tx);
    done_rx.await.expect("the last link reports")
}

/// Spawns one link of [`chained_spawn`] (`spawn_local` detaches it), which spawns the next link,
/// or reports the chain's length if it is the last.
fn link(spawner: LocalSpawner, left: usize, reached: usize, done: oneshot::Sender<usize>) {
    let next = spawner.clone();
    spawner
        .spawn_local(async move {
            if left == 1 {
                // The receiver is dropped only if the workload was cancelled: nobody to tell.
                let _ = done.send(reached + 1);
            } else {
                link(next, left - 1, reached + 1, done);
            }
        })
        .expect("the pool outlives its tasks");
}

/// Sends `messages` through a bounded [`mpsc`](mod@mpsc) channel from `producers` tasks spawned on
/// `spawner` (their shares differ by at most one) to this task; returns how many arrived.
///
/// A futures channel holds its buffer plus one message per sender, so the buffer is `capacity`
/// minus `producers`, to hold `capacity` messages in all as the other runtimes' channels do.
pub async fn mpsc(
    spawner: LocalSpawner,
    producers: usize,
    messages: usize,
    capacity: usize,
) -> usize {
    let (tx, mut rx) = mpsc::channel::<usize>(capacity.saturating_sub(producers.max(1)));
    for share in shares(messages, producers) {
        let mut tx = tx.clone();
        spawner
            .spawn_local(async move {
                for i in 0..share {
                    tx.send(i).await.expect("the consumer outlives the producers");
                }
            })
            .expect("the pool outlives its tasks");
    }
    drop(tx); // The stream ends once every producer is done.
    let mut received = 0;
    while rx.next().await.is_some() {
        received += 1;
    }
    received
}

/// Spawns `tasks` tasks on `spawner` that together add 1, `total` times, to a counter behind a
/// [`futures::lock::Mutex`]; returns the final count.
///
/// The pool runs one task at a time, so every `lock` takes the uncontended path: this measures the
/// lock's fast path plus the task switches.
pub async fn mutex(spawner: LocalSpawner, tasks: usize, total: usize) -> usize {
    // `Rc` suffices: every task runs on the pool's thread.
    let counter = Rc::new(Mutex::new(0_usize));
    let handles: Vec<_> = shares(total, tasks)
        .map(|increments| {
            let counter = counter.clone();
            spawn_joinable(&spawner, async move {
                for _ in 0..increments {
                    *counter.lock().await += 1;
                }
            })
        })
        .collect();
    join_all(handles).await;
    *counter.lock().await
}

/// Spawns `future` on `spawner`; the returned handle yields its output (dropping the handle would
/// cancel the task).
fn spawn_joinable<F>(spawner: &LocalSpawner, future: F) -> RemoteHandle<F::Output>
where
    F: Future + 'static,
{
    spawner.spawn_local_with_handle(future).expect("the pool outlives its tasks")
}

/// Awaits every handle; returns how many joined.
async fn join_all<T: 'static>(handles: Vec<RemoteHandle<T>>) -> usize {
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
