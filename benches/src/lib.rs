//! The runtimes and workloads the criterion benches measure.
//!
//! One module per runtime family, each exposing the same workloads written only with that family's
//! own APIs (a unit test below reads the sources and checks it), plus how to build that runtime.
//! Runtimes are built outside any timed closure, and the bench states each one's thread count once,
//! so a reader of the numbers knows what was measured. A runtime a bench cannot build on this
//! machine (compio where io_uring is blocked) is skipped, and the bench leaves a [`Skipped`] record
//! where the report tool finds it.

use std::io;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub mod io_async_std;
pub mod io_compio;
pub mod io_smol;
pub mod io_tokio;
pub mod rt_async_std;
pub mod rt_compio;
pub mod rt_futures;
pub mod rt_smol;
pub mod rt_tokio;
pub mod state_machine;

/// Worker threads for the multi-thread runtimes: the machine's available parallelism.
pub fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// cargo's target directory: `$CARGO_TARGET_DIR` when set (relative to the current directory, as
/// cargo reads it), else the workspace's `target/`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the benches package is a directory inside the workspace")
            .join("target"),
    }
}

/// Where criterion writes its results, found as criterion finds it: `$CRITERION_HOME`, else
/// `criterion/` in the [`target_dir`].
pub fn criterion_dir() -> PathBuf {
    match std::env::var_os("CRITERION_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => target_dir().join("criterion"),
    }
}

/// A runtime a bench target could not measure on this machine: which, why, and the groups that
/// would have had it. The bench writes it into criterion's directory; the report leaves that
/// runtime's column empty in those groups and prints the reason under each table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub runtime: String,
    pub reason: String,
    pub groups: Vec<String>,
}

impl Skipped {
    /// The record of the bench target `target` in `criterion_dir`: `skipped-<target>.json`.
    pub fn path(criterion_dir: &Path, target: &str) -> PathBuf {
        criterion_dir.join(format!("skipped-{target}.json"))
    }

    /// Writes `record` as `target`'s, or, given `None`, removes a stale one, so the report never
    /// reads a reason from an earlier run.
    pub fn record(criterion_dir: &Path, target: &str, record: Option<&Self>) -> io::Result<()> {
        let path = Self::path(criterion_dir, target);
        match record {
            Some(record) => {
                std::fs::create_dir_all(criterion_dir)?;
                let json = serde_json::to_string_pretty(record).map_err(io::Error::other)?;
                std::fs::write(path, json + "\n")
            }
            None => match std::fs::remove_file(path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            },
        }
    }

    /// Every record in `criterion_dir`, by file name; none when the directory does not exist.
    pub fn read_all(criterion_dir: &Path) -> io::Result<Vec<Self>> {
        let entries = match std::fs::read_dir(criterion_dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            entries => entries?,
        };
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry?.path();
            let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
            if name.starts_with("skipped-") && name.ends_with(".json") {
                paths.push(path);
            }
        }
        paths.sort();
        paths
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path)?;
                serde_json::from_str(&text).map_err(|e| {
                    io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", path.display()))
                })
            })
            .collect()
    }
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
            ("rt_compio.rs", include_str!("rt_compio.rs"), "compio"),
            ("io_compio.rs", include_str!("io_compio.rs"), "compio"),
        ];
        // Each runtime under the spellings a source could use for it. `futures` itself is not a
        // runtime (smol and async-std build on its traits); its executor is.
        let names: [(&str, &[&str]); 5] = [
            ("tokio", &["tokio"]),
            ("async_std", &["async_std", "async-std", "async std"]),
            ("smol", &["smol"]),
            ("localpool", &["localpool", "futures::executor"]),
            ("compio", &["compio"]),
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

    /// Runs `workload` in a task spawned on a fresh compio runtime; `None` (after saying why) where
    /// io_uring is unusable, so the compio tests skip on such a machine instead of failing.
    fn on_compio<Fut>(workload: impl FnOnce() -> Fut) -> Option<usize>
    where
        Fut: Future<Output = usize> + 'static,
    {
        match rt_compio::runtime() {
            Ok(rt) => Some(
                rt.block_on(async { rt.spawn(workload()).await })
                    .expect("the workload task cannot panic"),
            ),
            Err(reason) => {
                eprintln!("compio skipped: {reason}");
                None
            }
        }
    }

    #[test]
    fn compio_workloads_return_their_counts() {
        let Some(spawned) = on_compio(|| rt_compio::spawn_many(1000)) else { return };
        assert_eq!(spawned, 1000);
        assert_eq!(on_compio(|| rt_compio::ping_pong(100)), Some(100));
        assert_eq!(on_compio(|| rt_compio::yield_many(4, 1003)), Some(1003));
        for depth in [0, 1, 257] {
            assert_eq!(on_compio(move || rt_compio::chained_spawn(depth)), Some(depth));
        }
        for producers in [1, 4] {
            assert_eq!(on_compio(move || rt_compio::mpsc(producers, 1001, 8)), Some(1001));
        }
        assert_eq!(on_compio(|| rt_compio::mutex(4, 1001)), Some(1001));
        let sleep = Duration::from_millis(5);
        let (fired, took) = timed(|| on_compio(|| rt_compio::timers(50, sleep)));
        assert_eq!(fired, Some(50));
        assert!(took >= sleep, "a compio sleep ended early: {took:?}");
    }

    #[test]
    fn yield_now_of_compio_lets_other_tasks_run() {
        let Ok(rt) = rt_compio::runtime() else { return };
        let order = Rc::new(std::cell::RefCell::new(Vec::new()));
        rt.block_on(async {
            let tasks: Vec<_> = (0..2)
                .map(|id| {
                    let order = order.clone();
                    rt.spawn(async move {
                        for _ in 0..3 {
                            order.borrow_mut().push(id);
                            rt_compio::yield_now().await;
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.expect("the task cannot panic");
            }
        });
        assert_eq!(*order.borrow(), [0, 1, 0, 1, 0, 1]);
    }

    #[test]
    fn without_io_uring_compio_reports_the_os_error() {
        let reason = rt_compio::runtime_or_reason(true).expect_err("the failure is simulated");
        assert_eq!(
            reason,
            "io_uring_setup failed: Operation not permitted (os error 1) \
             (simulated by BENCHES_SIMULATE_NO_IO_URING=1)"
        );
        // Where io_uring works, the runtime it builds is on io_uring, not a fallback.
        if let Ok(rt) = rt_compio::runtime_or_reason(false) {
            assert!(rt.driver_type().is_iouring());
        }
    }

    #[test]
    fn skipped_records_are_written_read_back_and_removed() {
        let dir = tempfile::tempdir().expect("creating a temp dir");
        let criterion = dir.path().join("criterion");
        assert_eq!(Skipped::read_all(&criterion).expect("no directory, no records"), []);
        let record = Skipped {
            runtime: "compio".into(),
            reason: "io_uring_setup failed: Operation not permitted (os error 1)".into(),
            groups: vec!["tcp_echo".into(), "file_read".into()],
        };
        Skipped::record(&criterion, "io", Some(&record)).expect("writing the record");
        std::fs::write(criterion.join("other.json"), "{}").expect("writing an unrelated file");
        assert_eq!(Skipped::read_all(&criterion).expect("reading"), [record]);
        Skipped::record(&criterion, "io", None).expect("removing the record");
        Skipped::record(&criterion, "io", None).expect("removing no record is no error");
        assert_eq!(Skipped::read_all(&criterion).expect("reading"), []);
    }

    /// Runs `f`; returns its output and how long it took.
    fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
        let start = Instant::now();
        let output = f();
        (output, start.elapsed())
    }
}
