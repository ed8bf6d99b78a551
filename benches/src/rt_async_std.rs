//! The async-std variant: its global runtime, workloads on async-std's own APIs only.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); it is measured because old code still
//! runs on it. There is nothing to build: the global runtime starts on first use.

use async_std::channel;
use async_std::task;

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
    let mut joined = 0;
    for handle in handles {
        handle.await;
        joined += 1;
    }
    joined
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
