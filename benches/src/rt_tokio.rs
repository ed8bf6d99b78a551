//! The tokio variants: runtimes `tokio-mt` and `tokio-ct`, workloads on tokio's own APIs only.

use tokio::runtime::{Builder, Runtime};
use tokio::sync::mpsc;

use crate::worker_threads;

/// tokio's multi-thread runtime with [`worker_threads`] workers (id `tokio-mt`).
pub fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(worker_threads())
        .build()
        .expect("building a tokio runtime")
}

/// tokio's current-thread runtime (id `tokio-ct`): everything runs on the thread in `block_on`.
pub fn current_thread() -> Runtime {
    Builder::new_current_thread()
        .build()
        .expect("building a tokio runtime")
}

/// Spawns `n` empty tasks on the current runtime and joins them all; returns how many joined.
pub async fn spawn_many(n: usize) -> usize {
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(async move { i })).collect();
    let mut joined = 0;
    for handle in handles {
        handle.await.expect("an empty task cannot panic");
        joined += 1;
    }
    joined
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
