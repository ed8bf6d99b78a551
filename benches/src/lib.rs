//! The runtimes and workloads the criterion benches measure.
//!
//! Each runtime is built here, outside any timed closure, and states its thread count once, so a
//! reader of the numbers knows what was measured. Workloads use only their own runtime's APIs.

use std::num::NonZeroUsize;

use tokio::runtime::{Builder, Runtime};

/// Worker threads for the multi-thread runtimes: the machine's available parallelism.
pub fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// tokio's multi-thread runtime with [`worker_threads`] workers (id `tokio-mt`).
pub fn tokio_multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(worker_threads())
        .build()
        .expect("building a tokio runtime")
}

/// tokio's current-thread runtime (id `tokio-ct`).
pub fn tokio_current_thread() -> Runtime {
    Builder::new_current_thread()
        .build()
        .expect("building a tokio runtime")
}

/// Spawns `n` empty tasks on the current tokio runtime and joins them all; returns how many joined.
pub async fn tokio_spawn_many(n: usize) -> usize {
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(async move { i })).collect();
    let mut joined = 0;
    for handle in handles {
        handle.await.expect("an empty task cannot panic");
        joined += 1;
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawn_many_joins_every_task_on_both_flavors() {
        for rt in [tokio_multi_thread(), tokio_current_thread()] {
            assert_eq!(rt.block_on(tokio_spawn_many(1000)), 1000);
        }
        let rt = tokio_multi_thread();
        assert_eq!(rt.metrics().num_workers(), worker_threads());
    }
}
