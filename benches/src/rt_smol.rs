//! The smol variants: an `Executor` on N threads (`smol`) and a `LocalExecutor` on the calling
//! thread (`smol-local`), workloads on smol's own APIs only.
//!
//! smol has no ambient runtime: every workload takes the executor it spawns on, the way smol code
//! passes its executor around. The two executors share no trait, so each workload comes twice, the
//! `_local` twin taking a [`LocalExecutor`]; the task bodies are shared, only the spawning differs.
//! Every workload returns a count the caller checks.

use std::rc::Rc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use smol::channel::{self, Receiver, Sender};
use smol::lock::Mutex;
use smol::{Executor, LocalExecutor, Task, Timer};

/// An [`Executor`] run by threads this type starts, and stops and joins when dropped (id `smol`).
pub struct MultiThread {
    executor: Arc<Executor<'static>>,
    stop: Option<Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

impl MultiThread {
    /// Starts `threads` threads (at least one), each running the executor until this is dropped.
    pub fn new(threads: usize) -> Self {
        let executor = Arc::new(Executor::new());
        let (stop, stopped) = channel::bounded::<()>(1);
        let threads = (0..threads.max(1))
            .map(|i| {
                let executor = executor.clone();
                let stopped = stopped.clone();
                std::thread::Builder::new()
                    .name(format!("smol-{i}"))
                    .spawn(move || {
                        // Runs tasks until `stop` is dropped, which closes the channel.
                        let _ = smol::block_on(executor.run(stopped.recv()));
                    })
                    .expect("starting an executor thread")
            })
            .collect();
        Self { executor, stop: Some(stop), threads }
    }

    /// The executor to spawn on.
    pub fn executor(&self) -> &Arc<Executor<'static>> {
        &self.executor
    }

    /// How many threads run the executor.
    pub fn threads(&self) -> usize {
        self.threads.len()
    }
}

impl Drop for MultiThread {
    fn drop(&mut self) {
        drop(self.stop.take());
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// A [`LocalExecutor`] (id `smol-local`): it makes progress only while the thread that owns it
/// runs it, e.g. `smol::block_on(ex.run(future))`.
pub fn local_executor() -> Rc<LocalExecutor<'static>> {
    Rc::new(LocalExecutor::new())
}

/// Spawns `n` empty tasks on `ex` and joins them all; returns how many joined.
pub async fn spawn_many(ex: Arc<Executor<'static>>, n: usize) -> usize {
    let tasks: Vec<_> = (0..n).map(|i| ex.spawn(async move { i })).collect();
    join_all(tasks).await
}

/// [`spawn_many`] on a [`LocalExecutor`].
pub async fn spawn_many_local(ex: Rc<LocalExecutor<'static>>, n: usize) -> usize {
    let tasks: Vec<_> = (0..n).map(|i| ex.spawn(async move { i })).collect();
    join_all(tasks).await
}

/// Bounces a message `rounds` times between this task and one spawned on `ex` over two capacity-1
/// channels; returns how many replies came back.
pub async fn ping_pong(ex: Arc<Executor<'static>>, rounds: usize) -> usize {
    let (ping_tx, ping_rx) = channel::bounded::<usize>(1);
    let (pong_tx, pong_rx) = channel::bounded::<usize>(1);
    let ponger = ex.spawn(async move {
        while let Ok(i) = ping_rx.recv().await {
            if pong_tx.send(i).await.is_err() {
                break;
            }
        }
    });
    pings(rounds, ping_tx, pong_rx, ponger).await
}

/// [`ping_pong`] on a [`LocalExecutor`].
pub async fn ping_pong_local(ex: Rc<LocalExecutor<'static>>, rounds: usize) -> usize {
    let (ping_tx, ping_rx) = channel::bounded::<usize>(1);
    let (pong_tx, pong_rx) = channel::bounded::<usize>(1);
    let ponger = ex.spawn(async move {
        while let Ok(i) = ping_rx.recv().await {
            if pong_tx.send(i).await.is_err() {
                break;
            }
        }
    });
    pings(rounds, ping_tx, pong_rx, ponger).await
}

/// The pinging side of both `ping_pong`s: sends, awaits each reply, then lets the ponger finish.
async fn pings(
    rounds: usize,
    ping_tx: Sender<usize>,
    pong_rx: Receiver<usize>,
    ponger: Task<()>,
) -> usize {
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

/// Spawns `tasks` tasks on `ex` that together call [`smol::future::yield_now`] `total` times (the
/// shares differ by at most one) and joins them; returns how many yields completed.
pub async fn yield_many(ex: Arc<Executor<'static>>, tasks: usize, total: usize) -> usize {
    let tasks: Vec<_> = shares(total, tasks).map(|n| ex.spawn(yielder(n))).collect();
    sum_all(tasks).await
}

/// [`yield_many`] on a [`LocalExecutor`].
pub async fn yield_many_local(ex: Rc<LocalExecutor<'static>>, tasks: usize, total: usize) -> usize {
    let tasks: Vec<_> = shares(total, tasks).map(|n| ex.spawn(yielder(n))).collect();
    sum_all(tasks).await
}

/// A task of `yield_many`: yields `yields` times, returns how many.
async fn yielder(yields: usize) -> usize {
    for _ in 0..yields {
        smol::future::yield_now().await;
    }
    yields
}

/// Spawns a chain of `depth` tasks on `ex`, each spawning the next; the last one reports how many
/// links the chain had, which is returned. smol has no oneshot channel: a capacity-1 one stands in.
pub async fn chained_spawn(ex: Arc<Executor<'static>>, depth: usize) -> usize {
    if depth == 0 {
        return 0;
    }
    let (done_tx, done_rx) = channel::bounded(1);
    ex.clone().spawn(async move { link(ex, depth - 1, 1, done_tx) }).detach();
    done_rx.recv().await.expect("the last link reports")
}

/// One link of [`chained_spawn`]: spawns the next link, or reports `reached` if none are left.
/// A smol [`Task`] is cancelled when dropped, hence `detach`.
fn link(ex: Arc<Executor<'static>>, left: usize, reached: usize, done: Sender<usize>) {
    if left == 0 {
        // Never full (one message, capacity 1); closed only if the workload was cancelled.
        let _ = done.try_send(reached);
    } else {
        ex.clone().spawn(async move { link(ex, left - 1, reached + 1, done) }).detach();
    }
}

/// [`chained_spawn`] on a [`LocalExecutor`].
pub async fn chained_spawn_local(ex: Rc<LocalExecutor<'static>>, depth: usize) -> usize {
    if depth == 0 {
        return 0;
    }
    let (done_tx, done_rx) = channel::bounded(1);
    ex.clone().spawn(async move { link_local(ex, depth - 1, 1, done_tx) }).detach();
    done_rx.recv().await.expect("the last link reports")
}

/// [`link`] on a [`LocalExecutor`].
fn link_local(ex: Rc<LocalExecutor<'static>>, left: usize, reached: usize, done: Sender<usize>) {
    if left == 0 {
        let _ = done.try_send(reached);
    } else {
        ex.clone().spawn(async move { link_local(ex, left - 1, reached + 1, done) }).detach();
    }
}

/// Sends `messages` through a bounded [`smol::channel`] of capacity `capacity` from `producers`
/// tasks spawned on `ex` (their shares differ by at most one) to this task; returns how many
/// arrived.
pub async fn mpsc(
    ex: Arc<Executor<'static>>,
    producers: usize,
    messages: usize,
    capacity: usize,
) -> usize {
    let (tx, rx) = channel::bounded::<usize>(capacity);
    for share in shares(messages, producers) {
        ex.spawn(produce(tx.clone(), share)).detach();
    }
    drop(tx); // `recv` fails once every producer is done.
    consume(rx).await
}

/// [`mpsc`] on a [`LocalExecutor`].
pub async fn mpsc_local(
    ex: Rc<LocalExecutor<'static>>,
    producers: usize,
    messages: usize,
    capacity: usize,
) -> usize {
    let (tx, rx) = channel::bounded::<usize>(capacity);
    for share in shares(messages, producers) {
        ex.spawn(produce(tx.clone(), share)).detach();
    }
    drop(tx);
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

/// Spawns `tasks` tasks on `ex` that together add 1, `total` times, to a counter behind a
/// [`smol::lock::Mutex`]; returns the final count.
///
/// The tasks contend for the lock because `ex` runs them on several threads.
pub async fn mutex(ex: Arc<Executor<'static>>, tasks: usize, total: usize) -> usize {
    let counter = Arc::new(Mutex::new(0_usize));
    let tasks: Vec<_> =
        shares(total, tasks).map(|n| ex.spawn(increment(counter.clone(), n))).collect();
    join_all(tasks).await;
    *counter.lock().await
}

/// [`mutex`] on a [`LocalExecutor`]: one task runs at a time, so every `lock` takes the
/// uncontended path.
pub async fn mutex_local(ex: Rc<LocalExecutor<'static>>, tasks: usize, total: usize) -> usize {
    let counter = Arc::new(Mutex::new(0_usize));
    let tasks: Vec<_> =
        shares(total, tasks).map(|n| ex.spawn(increment(counter.clone(), n))).collect();
    join_all(tasks).await;
    *counter.lock().await
}

/// A task of `mutex`: adds 1 to the counter `increments` times, locking each time.
async fn increment(counter: Arc<Mutex<usize>>, increments: usize) {
    for _ in 0..increments {
        *counter.lock().await += 1;
    }
}

/// Spawns `n` tasks on `ex` that each wait `duration` on a [`Timer`] at the same time and joins
/// them; returns how many woke.
pub async fn timers(ex: Arc<Executor<'static>>, n: usize, duration: Duration) -> usize {
    let tasks: Vec<_> = (0..n).map(|_| ex.spawn(Timer::after(duration))).collect();
    join_all(tasks).await
}

/// [`timers`] on a [`LocalExecutor`].
pub async fn timers_local(ex: Rc<LocalExecutor<'static>>, n: usize, duration: Duration) -> usize {
    let tasks: Vec<_> = (0..n).map(|_| ex.spawn(Timer::after(duration))).collect();
    join_all(tasks).await
}

/// Awaits every task; returns how many joined.
async fn join_all<T>(tasks: Vec<Task<T>>) -> usize {
    let mut joined = 0;
    for task in tasks {
        task.await;
        joined += 1;
    }
    joined
}

/// Awaits every task; returns the sum of their outputs.
async fn sum_all(tasks: Vec<Task<usize>>) -> usize {
    let mut sum = 0;
    for task in tasks {
        sum += task.await;
    }
    sum
}

/// `total` split into `parts` shares (at least one) that differ by at most one.
fn shares(total: usize, parts: usize) -> impl Iterator<Item = usize> {
    let parts = parts.max(1);
    (0..parts).map(move |i| total / parts + usize::from(i < total % parts))
}
