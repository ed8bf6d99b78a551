//! The runtimes and workloads the criterion benches measure.
//!
//! One module per runtime family, each exposing the same workloads written only with that family's
//! own APIs (a unit test below reads the sources and checks it), plus how to build that runtime.
//! Runtimes are built outside any timed closure, and the bench states each one's thread count once,
//! so a reader of the numbers knows what was measured.

use std::num::NonZeroUsize;

pub mod io_async_std;
pub mod io_smol;
pub mod io_tokio;
pub mod rt_async_std;
pub mod rt_futures;
pub mod rt_smol;
pub mod rt_tokio;
pub mod state_machine;

/// Worker threads for the multi-thread runtimes: the machine's available parallelism.
pub fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use futures::executor::LocalSpawner;
    use futures::task::LocalSpawnExt;

    use super::*;

    /// The bench rule "each runtime's variant uses only its own runtime's APIs", checked on the
    /// module sources: a runtime module that names another runtime fails here.
    #[test]
    fn each_runtime_module_uses_only_its_own_runtime() {
        let modules = [
            ("rt_tokio.rs", include_str!("rt_tokio.rs"), "tokio"),
            ("io_tokio.rs", include_str!("io_tokio.rs"), "tokio"),
            ("rt_async_std.rs", include_str!("rt_async_std.rs"), "async_std"),
            ("io_async_std.rs", include_str!("io_async_std.rs"), "async_std"),
            ("rt_smol.rs", include_str!("rt_smol.rs"), "smol"),
            ("io_smol.rs", include_str!("io_smol.rs"), "smol"),
            ("rt_futures.rs", include_str!("rt_futures.rs"), "localpool"),
        ];
        // Each runtime under the spellings a source could use for it. `futures` itself is not a
        // runtime (smol and async-std build on its traits); its executor is.
        let names: [(&str, &[&str]); 4] = [
            ("tokio", &["tokio"]),
            ("async_std", &["async_std", "async-std", "async std"]),
            ("smol", &["smol"]),
            ("localpool", &["localpool", "futures::executor"]),
        ];
        for (file, source, own) in modules {
            let source = source.to_lowercase();
            assert!(source.contains(own), "{file} does not use {own} at all");
            for (runtime, spellings) in names {
                if runtime == own {
                    continue;
                }
                for spelling in spellings {
                    assert!(
                        !source.contains(spelling),
                        "{file} mentions `{spelling}`: it must use only {own}'s APIs"
                    );
                }
            }
        }
    }

    // Small sizes everywhere, with totals that do not divide evenly among the tasks, so a share
    // lost to rounding would show in the count.

    /// Runs `workload` in a task spawned on each tokio flavor; returns its output on each.
    fn on_tokio<F, Fut>(workload: F) -> [usize; 2]
    where
        F: Fn() -> Fut,
        Fut: Future<Output = usize> + Send + 'static,
    {
        [rt_tokio::multi_thread(), rt_tokio::current_thread()].map(|rt| {
            rt.block_on(async { tokio::spawn(workload()).await })
                .expect("the workload task cannot panic")
        })
    }

    /// Runs a workload in a task spawned on the async-std global runtime; returns its output.
    fn on_async_std(workload: impl Future<Output = usize> + Send + 'static) -> usize {
        async_std::task::block_on(async_std::task::spawn(workload))
    }

    /// Runs the `smol` twin of a workload on a multi-thread executor and the `smol-local` twin on a
    /// local one, each in a spawned task; returns their outputs.
    fn on_smol<Mt, MtFut, Local, LocalFut>(mt: Mt, local: Local) -> [usize; 2]
    where
        Mt: FnOnce(Arc<smol::Executor<'static>>) -> MtFut,
        MtFut: Future<Output = usize> + Send + 'static,
        Local: FnOnce(Rc<smol::LocalExecutor<'static>>) -> LocalFut,
        LocalFut: Future<Output = usize> + 'static,
    {
        let rt = rt_smol::MultiThread::new(worker_threads());
        let ex = rt.executor().clone();
        let on_mt = smol::block_on(ex.spawn(mt(ex.clone())));
        drop(rt); // stops and joins its threads

        let ex = rt_smol::local_executor();
        let on_local = smol::block_on(ex.run(ex.spawn(local(ex.clone()))));
        [on_mt, on_local]
    }

    /// Runs a workload in a task spawned on a fresh `LocalPool`; returns its output.
    fn on_local_pool<Fut>(workload: impl FnOnce(LocalSpawner) -> Fut) -> usize
    where
        Fut: Future<Output = usize> + 'static,
    {
        let mut pool = rt_futures::local_pool();
        let spawner = pool.spawner();
        let task =
            spawner.spawn_local_with_handle(workload(spawner.clone())).expect("the pool is alive");
        pool.run_until(task)
    }

    #[test]
    fn tokio_workloads_return_their_counts_on_both_flavors() {
        let mt = rt_tokio::multi_thread();
        assert_eq!(mt.metrics().num_workers(), worker_threads());
        assert_eq!(on_tokio(|| rt_tokio::spawn_many(1000)), [1000; 2]);
        assert_eq!(on_tokio(|| rt_tokio::ping_pong(100)), [100; 2]);
    }

    #[test]
    fn async_std_workloads_return_their_counts() {
        assert!(rt_async_std::threads() >= 1);
        assert_eq!(on_async_std(rt_async_std::spawn_many(1000)), 1000);
        assert_eq!(on_async_std(rt_async_std::ping_pong(100)), 100);
    }

    #[test]
    fn smol_workloads_return_their_counts_on_both_executors() {
        let rt = rt_smol::MultiThread::new(worker_threads());
        assert_eq!(rt.threads(), worker_threads());
        drop(rt);
        let spawned =
            on_smol(|ex| rt_smol::spawn_many(ex, 1000), |ex| rt_smol::spawn_many_local(ex, 1000));
        assert_eq!(spawned, [1000; 2]);
        let pongs =
            on_smol(|ex| rt_smol::ping_pong(ex, 100), |ex| rt_smol::ping_pong_local(ex, 100));
        assert_eq!(pongs, [100; 2]);
    }

    #[test]
    fn futures_workloads_return_their_counts() {
        assert_eq!(on_local_pool(|s| rt_futures::spawn_many(s, 1000)), 1000);
        assert_eq!(on_local_pool(|s| rt_futures::ping_pong(s, 100)), 100);
    }

    #[test]
    fn yield_many_counts_every_yield_on_every_executor() {
        assert_eq!(on_tokio(|| rt_tokio::yield_many(4, 1003)), [1003; 2]);
        assert_eq!(on_async_std(rt_async_std::yield_many(4, 1003)), 1003);
        let smol = on_smol(
            |ex| rt_smol::yield_many(ex, 4, 1003),
            |ex| rt_smol::yield_many_local(ex, 4, 1003),
        );
        assert_eq!(smol, [1003; 2]);
        assert_eq!(on_local_pool(|s| rt_futures::yield_many(s, 4, 1003)), 1003);
    }

    #[test]
    fn yield_now_of_the_local_pool_lets_other_tasks_run() {
        // Two tasks that each record their id then yield: if `YieldNow` did not hand the thread
        // back, each would run its whole loop in one go.
        let mut pool = rt_futures::local_pool();
        let spawner = pool.spawner();
        let order = Rc::new(std::cell::RefCell::new(Vec::new()));
        let tasks: Vec<_> = (0..2)
            .map(|id| {
                let order = order.clone();
                spawner
                    .spawn_local_with_handle(async move {
                        for _ in 0..3 {
                            order.borrow_mut().push(id);
                            rt_futures::YieldNow::default().await;
                        }
                    })
                    .expect("the pool is alive")
            })
            .collect();
        pool.run_until(futures::future::join_all(tasks));
        assert_eq!(*order.borrow(), [0, 1, 0, 1, 0, 1]);
    }

    #[test]
    fn chained_spawn_reports_the_chain_length_on_every_executor() {
        for depth in [0, 1, 257] {
            assert_eq!(on_tokio(move || rt_tokio::chained_spawn(depth)), [depth; 2]);
            assert_eq!(on_async_std(rt_async_std::chained_spawn(depth)), depth);
            let smol = on_smol(
                |ex| rt_smol::chained_spawn(ex, depth),
                |ex| rt_smol::chained_spawn_local(ex, depth),
            );
            assert_eq!(smol, [depth; 2]);
            assert_eq!(on_local_pool(|s| rt_futures::chained_spawn(s, depth)), depth);
        }
    }

    #[test]
    fn mpsc_delivers_every_message_on_every_executor() {
        // A capacity far below the message count, so producers wait on a full channel.
        for producers in [1, 4] {
            let n = 1001;
            let tokio = on_tokio(move || rt_tokio::mpsc(producers, n, 8));
            assert_eq!(tokio, [n; 2]);
            assert_eq!(on_async_std(rt_async_std::mpsc(producers, n, 8)), n);
            let smol = on_smol(
                |ex| rt_smol::mpsc(ex, producers, n, 8),
                |ex| rt_smol::mpsc_local(ex, producers, n, 8),
            );
            assert_eq!(smol, [n; 2]);
            let futures = on_local_pool(|s| rt_futures::mpsc(s, producers, n, 8));
            assert_eq!(futures, n);
        }
    }

    #[test]
    fn mutex_counts_every_increment_on_every_executor() {
        let n = 1001;
        assert_eq!(on_tokio(move || rt_tokio::mutex(4, n)), [n; 2]);
        assert_eq!(on_tokio(move || rt_tokio::mutex_std(4, n)), [n; 2]);
        assert_eq!(on_async_std(rt_async_std::mutex(4, n)), n);
        let smol = on_smol(|ex| rt_smol::mutex(ex, 4, n), |ex| rt_smol::mutex_local(ex, 4, n));
        assert_eq!(smol, [n; 2]);
        assert_eq!(on_local_pool(|s| rt_futures::mutex(s, 4, n)), n);
    }

    #[test]
    fn timers_all_fire_and_none_early_on_every_executor() {
        // Lower bounds only: a sleep may end late on a busy machine, never early. The two-executor
        // helpers run one executor after the other, so they take at least two sleeps.
        let sleep = Duration::from_millis(5);
        let (tokio, took) = timed(|| on_tokio(|| rt_tokio::timers(50, sleep)));
        assert_eq!(tokio, [50; 2]);
        assert!(took >= 2 * sleep, "a tokio sleep ended early: {took:?}");
        let (async_std, took) = timed(|| on_async_std(rt_async_std::timers(50, sleep)));
        assert_eq!(async_std, 50);
        assert!(took >= sleep, "an async-std sleep ended early: {took:?}");
        let (smol, took) = timed(|| {
            on_smol(|ex| rt_smol::timers(ex, 50, sleep), |ex| rt_smol::timers_local(ex, 50, sleep))
        });
        assert_eq!(smol, [50; 2]);
        assert!(took >= 2 * sleep, "a smol timer fired early: {took:?}");
    }

    /// Runs `f`; returns its output and how long it took.
    fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
        let start = Instant::now();
        let output = f();
        (output, start.elapsed())
    }
}
