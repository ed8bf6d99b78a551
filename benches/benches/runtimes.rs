//! The cross-runtime suite: each workload on every runtime, ids `workload/runtime/size`.
//!
//! Runtimes: `tokio-mt` (multi-thread, workers = available parallelism), `tokio-ct`
//! (current-thread), `async-std` (global runtime), `smol` (an `Executor` on N threads this bench
//! starts, N = available parallelism), `smol-local` (a `LocalExecutor` on the bench thread). Each
//! prints its thread count once, to stderr, at start.
//!
//! Workloads: `spawn_many` (spawn and join N empty tasks) and `ping_pong` (a message bounced N
//! rounds between two tasks over the runtime family's own channel).
//!
//! ```text
//! cargo bench -p benches --bench runtimes
//! cargo bench -p benches --bench runtimes -- ping_pong/smol
//! ```

use std::hint::black_box;
use std::rc::Rc;
use std::time::Duration;

use benches::{rt_async_std, rt_smol, rt_tokio, worker_threads};
use criterion::async_executor::{AsyncExecutor, SmolExecutor};
use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};
use smol::LocalExecutor;
use tokio::runtime::Runtime;

/// async-std's global runtime, for criterion: criterion 0.8 dropped its own async-std support.
struct AsyncStdExecutor;

impl AsyncExecutor for AsyncStdExecutor {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        async_std::task::block_on(future)
    }
}

/// A smol `LocalExecutor`, for criterion: its tasks progress only while the bench thread runs it,
/// which criterion's `SmolExecutor` (a bare `smol::block_on`) would never do.
struct SmolLocal(Rc<LocalExecutor<'static>>);

impl AsyncExecutor for &SmolLocal {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        smol::block_on(self.0.run(future))
    }
}

/// Every runtime, built once, outside any timed closure.
struct Runtimes {
    tokio_mt: Runtime,
    tokio_ct: Runtime,
    // For the multi-thread smol executor, criterion's `SmolExecutor` (a bare `smol::block_on` on the
    // bench thread) is the right blocker: the iteration spawns its workload onto this executor's
    // own threads and only waits for the task, so the bench thread never becomes an extra worker
    // (as it would with `block_on(ex.run(..))`), and nothing lands on smol's global executor.
    smol: rt_smol::MultiThread,
    smol_local: SmolLocal,
}

impl Runtimes {
    fn new() -> Self {
        let runtimes = Self {
            tokio_mt: rt_tokio::multi_thread(),
            tokio_ct: rt_tokio::current_thread(),
            smol: rt_smol::MultiThread::new(worker_threads()),
            smol_local: SmolLocal(rt_smol::local_executor()),
        };
        eprintln!(
            "threads: tokio-mt {} workers; tokio-ct 1; async-std {} (ASYNC_STD_THREAD_COUNT or CPUs); \
             smol {} executor threads; smol-local 1 (the bench thread)",
            runtimes.tokio_mt.metrics().num_workers(),
            rt_async_std::threads(),
            runtimes.smol.threads(),
        );
        runtimes
    }
}

// In every variant the workload runs inside a spawned task, never directly in `block_on`: on a
// multi-thread runtime the `block_on` future is polled by the bench thread, not by the workers, and
// timing the workload there costs up to 28x on this machine (DESIGN.md, "benches").

fn spawn_many(group: &mut BenchmarkGroup<'_, WallTime>, rts: &Runtimes) {
    for size in [100, 1_000, 10_000] {
        group.throughput(Throughput::Elements(size as u64));
        for (id, rt) in [("tokio-mt", &rts.tokio_mt), ("tokio-ct", &rts.tokio_ct)] {
            group.bench_with_input(BenchmarkId::new(id, size), &size, |b, &n| {
                b.to_async(rt).iter(|| async move {
                    let joined = tokio::spawn(rt_tokio::spawn_many(black_box(n)))
                        .await
                        .expect("the workload task cannot panic");
                    assert_eq!(joined, n);
                });
            });
        }
        group.bench_with_input(BenchmarkId::new("async-std", size), &size, |b, &n| {
            b.to_async(AsyncStdExecutor).iter(|| async move {
                let joined = async_std::task::spawn(rt_async_std::spawn_many(black_box(n))).await;
                assert_eq!(joined, n);
            });
        });
        let ex = rts.smol.executor();
        group.bench_with_input(BenchmarkId::new("smol", size), &size, |b, &n| {
            b.to_async(SmolExecutor).iter(|| async move {
                let joined = ex
                    .spawn(rt_smol::spawn_many(ex.clone(), black_box(n)))
                    .await;
                assert_eq!(joined, n);
            });
        });
        let local = &rts.smol_local;
        group.bench_with_input(BenchmarkId::new("smol-local", size), &size, |b, &n| {
            b.to_async(local).iter(|| async move {
                let ex = &local.0;
                let joined = ex
                    .spawn(rt_smol::spawn_many_local(ex.clone(), black_box(n)))
                    .await;
                assert_eq!(joined, n);
            });
        });
    }
}

fn ping_pong(group: &mut BenchmarkGroup<'_, WallTime>, rts: &Runtimes) {
    for rounds in [100, 1_000] {
        group.throughput(Throughput::Elements(rounds as u64));
        for (id, rt) in [("tokio-mt", &rts.tokio_mt), ("tokio-ct", &rts.tokio_ct)] {
            group.bench_with_input(BenchmarkId::new(id, rounds), &rounds, |b, &n| {
                b.to_async(rt).iter(|| async move {
                    let pongs = tokio::spawn(rt_tokio::ping_pong(black_box(n)))
                        .await
                        .expect("the workload task cannot panic");
                    assert_eq!(pongs, n);
                });
            });
        }
        group.bench_with_input(BenchmarkId::new("async-std", rounds), &rounds, |b, &n| {
            b.to_async(AsyncStdExecutor).iter(|| async move {
                let pongs = async_std::task::spawn(rt_async_std::ping_pong(black_box(n))).await;
                assert_eq!(pongs, n);
            });
        });
        let ex = rts.smol.executor();
        group.bench_with_input(BenchmarkId::new("smol", rounds), &rounds, |b, &n| {
            b.to_async(SmolExecutor).iter(|| async move {
                let pongs = ex.spawn(rt_smol::ping_pong(ex.clone(), black_box(n))).await;
                assert_eq!(pongs, n);
            });
        });
        let local = &rts.smol_local;
        group.bench_with_input(BenchmarkId::new("smol-local", rounds), &rounds, |b, &n| {
            b.to_async(local).iter(|| async move {
                let ex = &local.0;
                let pongs = ex
                    .spawn(rt_smol::ping_pong_local(ex.clone(), black_box(n)))
                    .await;
                assert_eq!(pongs, n);
            });
        });
    }
}

/// Short per-group timings, so the whole suite measures in well under two minutes.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .sample_size(20);
}

type Workload = fn(&mut BenchmarkGroup<'_, WallTime>, &Runtimes);

fn runtimes(c: &mut Criterion) {
    let rts = Runtimes::new();
    let workloads: [(&str, Workload); 2] = [("spawn_many", spawn_many), ("ping_pong", ping_pong)];
    for (name, workload) in workloads {
        let mut group = c.benchmark_group(name);
        configure(&mut group);
        workload(&mut group, &rts);
        group.finish();
    }
}

criterion_group!(benches, runtimes);
criterion_main!(benches);
