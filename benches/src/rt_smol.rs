//! The smol variants: an `Executor` on N threads (`smol`) and a `LocalExecutor` on the calling
//! thread (`smol-local`), workloads on smol's own APIs only.
//!
//! smol has no ambient runtime: every workload takes the executor it spawns on, the way smol code
//! passes its executor around.

use std::rc::Rc;
use std::sync::Arc;
use std::thread::JoinHandle;

use smol::channel::{self, Sender};
use smol::{Executor, LocalExecutor};

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
        Self {
            executor,
            stop: Some(stop),
            threads,
        }
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
    let mut joined = 0;
    for task in tasks {
        task.await;
        joined += 1;
    }
    joined
}

/// [`spawn_many`] on a [`LocalExecutor`].
pub async fn spawn_many_local(ex: Rc<LocalExecutor<'static>>, n: usize) -> usize {
    let tasks: Vec<_> = (0..n).map(|i| ex.spawn(async move { i })).collect();
    let mut joined = 0;
    for task in tasks {
        task.await;
        joined += 1;
    }
    joined
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
    pong_rx: channel::Receiver<usize>,
    ponger: smol::Task<()>,
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
