//! The cross-runtime suite: each workload on every runtime, ids `workload/runtime/size`.
//!
//! Runtimes: `tokio-mt` (multi-thread, workers = available parallelism), `tokio-ct`
//! (current-thread), `async-std` (global runtime), `smol` (an `Executor` on N threads this bench
//! starts, N = available parallelism), `smol-local` (a `LocalExecutor` on the bench thread),
//! `compio` (compio's thread-per-core runtime on the bench thread, driven by io_uring) and
//! `futures-local` (a `futures::executor::LocalPool` on the bench thread). Each prints its thread
//! count once, to stderr, at start. Both tokio runtimes have their I/O and time drivers enabled.
//! Where io_uring is unusable (Docker's default seccomp profile blocks it), the `compio` ids are
//! skipped, the startup line says why, and `skipped-runtimes.json` in criterion's directory tells
//! the report; `BENCHES_SIMULATE_NO_IO_URING=1` simulates that.
//!
//! Workloads (group names; the size is the number of items, and the throughput is per item):
//!
//! - `spawn_many`: spawn N empty tasks, then join them all.
//! - `yield_many`: 4 tasks that together call the runtime's `yield_now` N times. async-std's and
//!   smol's wake the task at once and return `Pending`; tokio's defers the wake-up until the worker
//!   next turns its I/O and timer driver, so each round of yields there includes that. The futures
//!   crate and compio have no `yield_now`; `futures-local` and `compio` await a hand-written one
//!   (`rt_futures::YieldNow`, `rt_compio::yield_now`, both the wake-then-`Pending` kind).
//! - `chained_spawn`: a chain of N tasks, each spawning the next; the last one signals completion.
//!   compio's `block_on` checks io_uring (one `io_uring_enter`) after every executor tick, and a
//!   task spawned during a tick runs in the next one, so on `compio` each link costs a system call
//!   (`strace -c`: 10,002 `io_uring_enter` for 10,000 links, 165 for `spawn_many` of 10,000).
//! - `ping_pong`: a message bounced N rounds between two tasks over the family's own channel
//!   (compio has none: `async-channel`, the crate behind `smol::channel`).
//! - `mpsc` and `mpsc_4p`: N messages through the family's idiomatic bounded channel of capacity
//!   128 (`tokio::sync::mpsc`, `async_std::channel`, `smol::channel`, `futures::channel::mpsc`
//!   with its buffer shrunk by one slot per sender; `async_channel` for compio), from 1 and from 4
//!   producer tasks to one consumer.
//! - `mutex`: 4 tasks that together increment a counter N times under the family's async mutex
//!   (`tokio::sync::Mutex`, `async_std::sync::Mutex`, `smol::lock::Mutex`, `futures::lock::Mutex`;
//!   async-std's is the same async-lock type smol re-exports, and compio, which has none, uses
//!   `async_lock::Mutex` directly). The tasks contend for the lock only
//!   where they run on several threads (`tokio-mt`, `async-std`, `smol`); on the single-thread
//!   executors one task runs at a time and every lock is uncontended. For reference,
//!   `mutex/std-on-tokio-mt` runs the same tasks on `tokio-mt` with a `std::sync::Mutex`, which is
//!   the usual advice when, as here, the guard is never held across an `.await`.
//! - `timers`: N tasks that each sleep 1 ms at the same time (`tokio::time::sleep`,
//!   `async_std::task::sleep`, `smol::Timer::after`, `compio::time::sleep`), joined. These measure
//!   the timer's resolution
//!   (how late a 1 ms timer fires: tokio's wheel ticks in whole milliseconds) as much as its
//!   overhead, so read the growth from 100 to 1,000 timers rather than the absolute time. There is
//!   no `timers/futures-local`: the futures crate has no timer, and `LocalPool` no reactor to drive
//!   one.
//!
//! Every workload returns a count (tasks joined, yields, links, messages, increments, timers
//! fired), and every iteration asserts it equals the size.
//!
//! ```text
//! cargo bench -p benches --bench runtimes
//! cargo bench -p benches --bench runtimes -- ping_pong/smol
//! ```

mod common;

use std::cell::RefCell;
use std::hint::black_box;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use benches::{rt_async_std, rt_compio, rt_futures, rt_smol, rt_tokio, worker_threads};
use common::{AsyncStdExecutor, Compio, Group, SmolLocal, Workload};
use criterion::async_executor::{AsyncExecutor, SmolExecutor};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use futures::executor::{LocalPool, LocalSpawner};
use futures::task::LocalSpawnExt;
use smol::{Executor, LocalExecutor};
use tokio::runtime::Runtime;

/// Tasks in `yield_many` and `mutex`.
const TASKS: usize = 4;
/// Capacity of the `mpsc` channels.
const CAPACITY: usize = 128;
/// How long each task of `timers` sleeps.
const SLEEP: Duration = Duration::from_millis(1);

/// A `LocalPool`, for criterion: `block_on` runs the pool until the future is done, so the tasks
/// the iteration spawns make progress (criterion's `FuturesExecutor` is a bare
/// `futures::executor::block_on`, which runs no pool).
struct FuturesLocal {
    pool: RefCell<LocalPool>,
    spawner: LocalSpawner,
}

impl AsyncExecutor for &FuturesLocal {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        self.pool.borrow_mut().run_until(future)
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
    /// `None` where io_uring is unusable: its ids are skipped.
    compio: Option<Compio>,
    futures_local: FuturesLocal,
}

impl Runtimes {
    fn new(workloads: &[(&str, Workload<Self>)]) -> Self {
        let pool = rt_futures::local_pool();
        // Every workload of this target has a compio variant.
        let groups: Vec<&str> = workloads.iter().map(|(name, _)| *name).collect();
        let (compio, compio_line) = Compio::start("runtimes", &groups);
        let runtimes = Self {
            tokio_mt: rt_tokio::multi_thread(),
            tokio_ct: rt_tokio::current_thread(),
            smol: rt_smol::MultiThread::new(worker_threads()),
            smol_local: SmolLocal(rt_smol::local_executor()),
            compio,
            futures_local: FuturesLocal { spawner: pool.spawner(), pool: RefCell::new(pool) },
        };
        eprintln!(
            "threads: tokio-mt {} workers; tokio-ct 1; async-std {} (ASYNC_STD_THREAD_COUNT or CPUs); \
             smol {} executor threads; smol-local 1 (the bench thread); {compio_line}; \
             futures-local 1 (the bench thread)",
            runtimes.tokio_mt.metrics().num_workers(),
            rt_async_std::threads(),
            runtimes.smol.threads(),
        );
        runtimes
    }
}

// In every variant the workload runs inside a spawned task, never directly in `block_on`: on a
// multi-thread runtime the `block_on` future is polled by the bench thread, not by the workers, and
// timing the workload there costs up to 28x on this machine (docs/design.md, "Benchmarks"). Each
// helper below benches one runtime family on one size; every workload returns a count that must
// equal the size.

/// Benches `workload(size)` on the tokio runtime `rt`, under the id `id`.
fn bench_on_tokio<F, Fut>(group: &mut Group<'_>, id: &str, rt: &Runtime, size: usize, workload: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = usize> + Send + 'static,
{
    group.bench_with_input(BenchmarkId::new(id, size), &size, |b, &n| {
        b.to_async(rt).iter(|| async {
            let count =
                tokio::spawn(workload(black_box(n))).await.expect("the workload task cannot panic");
            assert_eq!(count, n);
        });
    });
}

/// Benches `workload(size)` on `tokio-mt` and `tokio-ct`.
fn bench_tokio<F, Fut>(group: &mut Group<'_>, rts: &Runtimes, size: usize, workload: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = usize> + Send + 'static,
{
    bench_on_tokio(group, "tokio-mt", &rts.tokio_mt, size, &workload);
    bench_on_tokio(group, "tokio-ct", &rts.tokio_ct, size, &workload);
}

/// Benches `workload(size)` on `async-std`.
fn bench_async_std<F, Fut>(group: &mut Group<'_>, size: usize, workload: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = usize> + Send + 'static,
{
    group.bench_with_input(BenchmarkId::new("async-std", size), &size, |b, &n| {
        b.to_async(AsyncStdExecutor).iter(|| async {
            let count = async_std::task::spawn(workload(black_box(n))).await;
            assert_eq!(count, n);
        });
    });
}

/// Benches `mt(executor, size)` on `smol` and `local(executor, size)` on `smol-local`.
fn bench_smol<Mt, MtFut, Local, LocalFut>(
    group: &mut Group<'_>,
    rts: &Runtimes,
    size: usize,
    mt: Mt,
    local: Local,
) where
    Mt: Fn(Arc<Executor<'static>>, usize) -> MtFut,
    MtFut: Future<Output = usize> + Send + 'static,
    Local: Fn(Rc<LocalExecutor<'static>>, usize) -> LocalFut,
    LocalFut: Future<Output = usize> + 'static,
{
    let ex = rts.smol.executor();
    group.bench_with_input(BenchmarkId::new("smol", size), &size, |b, &n| {
        b.to_async(SmolExecutor).iter(|| async {
            let count = ex.spawn(mt(ex.clone(), black_box(n))).await;
            assert_eq!(count, n);
        });
    });
    let ex = &rts.smol_local.0;
    group.bench_with_input(BenchmarkId::new("smol-local", size), &size, |b, &n| {
        b.to_async(&rts.smol_local).iter(|| async {
            let count = ex.spawn(local(ex.clone(), black_box(n))).await;
            assert_eq!(count, n);
        });
    });
}

/// Benches `workload(size)` on `compio`, unless io_uring is unusable here.
fn bench_compio<F, Fut>(group: &mut Group<'_>, rts: &Runtimes, size: usize, workload: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = usize> + 'static,
{
    let Some(compio) = &rts.compio else { return };
    group.bench_with_input(BenchmarkId::new("compio", size), &size, |b, &n| {
        b.to_async(compio).iter(|| async {
            let count = compio
                .0
                .spawn(workload(black_box(n)))
                .await
                .expect("the workload task cannot panic");
            assert_eq!(count, n);
        });
    });
}

/// Benches `workload(spawner, size)` on `futures-local`.
fn bench_futures<F, Fut>(group: &mut Group<'_>, rts: &Runtimes, size: usize, workload: F)
where
    F: Fn(LocalSpawner, usize) -> Fut,
    Fut: Future<Output = usize> + 'static,
{
    let local = &rts.futures_local;
    group.bench_with_input(BenchmarkId::new("futures-local", size), &size, |b, &n| {
        b.to_async(local).iter(|| async {
            let count = local
                .spawner
                .spawn_local_with_handle(workload(local.spawner.clone(), black_box(n)))
                .expect("the pool outlives the iteration")
                .await;
            assert_eq!(count, n);
        });
    });
}

/// Sets the group's per-item throughput for `size`.
fn per_item(group: &mut Group<'_>, size: usize) {
    group.throughput(Throughput::Elements(size.try_into().expect("sizes fit in u64")));
}

fn spawn_many(group: &mut Group<'_>, rts: &Runtimes) {
    for size in [100, 1_000, 10_000] {
        per_item(group, size);
        bench_tokio(group, rts, size, rt_tokio::spawn_many);
        bench_async_std(group, size, rt_async_std::spawn_many);
        bench_smol(group, rts, size, rt_smol::spawn_many, rt_smol::spawn_many_local);
        bench_compio(group, rts, size, rt_compio::spawn_many);
        bench_futures(group, rts, size, rt_futures::spawn_many);
    }
}

fn yield_many(group: &mut Group<'_>, rts: &Runtimes) {
    for size in [1_000, 10_000] {
        per_item(group, size);
        bench_tokio(group, rts, size, |n| rt_tokio::yield_many(TASKS, n));
        bench_async_std(group, size, |n| rt_async_std::yield_many(TASKS, n));
        bench_smol(
            group,
            rts,
            size,
            |ex, n| rt_smol::yield_many(ex, TASKS, n),
            |ex, n| rt_smol::yield_many_local(ex, TASKS, n),
        );
        bench_compio(group, rts, size, |n| rt_compio::yield_many(TASKS, n));
        bench_futures(group, rts, size, |s, n| rt_futures::yield_many(s, TASKS, n));
    }
}

fn chained_spawn(group: &mut Group<'_>, rts: &Runtimes) {
    for size in [100, 1_000, 10_000] {
        per_item(group, size);
        bench_tokio(group, rts, size, rt_tokio::chained_spawn);
        bench_async_std(group, size, rt_async_std::chained_spawn);
        bench_smol(group, rts, size, rt_smol::chained_spawn, rt_smol::chained_spawn_local);
        bench_compio(group, rts, size, rt_compio::chained_spawn);
        bench_futures(group, rts, size, rt_futures::chained_spawn);
    }
}

fn ping_pong(group: &mut Group<'_>, rts: &Runtimes) {
    for size in [100, 1_000] {
        per_item(group, size);
        bench_tokio(group, rts, size, rt_tokio::ping_pong);
        bench_async_std(group, size, rt_async_std::ping_pong);
        bench_smol(group, rts, size, rt_smol::ping_pong, rt_smol::ping_pong_local);
        bench_compio(group, rts, size, rt_compio::ping_pong);
        bench_futures(group, rts, size, rt_futures::ping_pong);
    }
}

/// `mpsc` with `producers` producer tasks.
fn mpsc_with(producers: usize, group: &mut Group<'_>, rts: &Runtimes) {
    for size in [1_000, 10_000] {
        per_item(group, size);
        bench_tokio(group, rts, size, |n| rt_tokio::mpsc(producers, n, CAPACITY));
        bench_async_std(group, size, |n| rt_async_std::mpsc(producers, n, CAPACITY));
        bench_smol(
            group,
            rts,
            size,
            |ex, n| rt_smol::mpsc(ex, producers, n, CAPACITY),
            |ex, n| rt_smol::mpsc_local(ex, producers, n, CAPACITY),
        );
        bench_compio(group, rts, size, |n| rt_compio::mpsc(producers, n, CAPACITY));
        bench_futures(group, rts, size, |s, n| rt_futures::mpsc(s, producers, n, CAPACITY));
    }
}

fn mpsc(group: &mut Group<'_>, rts: &Runtimes) {
    mpsc_with(1, group, rts);
}

fn mpsc_4p(group: &mut Group<'_>, rts: &Runtimes) {
    mpsc_with(4, group, rts);
}

fn mutex(group: &mut Group<'_>, rts: &Runtimes) {
    for size in [1_000, 10_000] {
        per_item(group, size);
        bench_tokio(group, rts, size, |n| rt_tokio::mutex(TASKS, n));
        bench_on_tokio(group, "std-on-tokio-mt", &rts.tokio_mt, size, |n| {
            rt_tokio::mutex_std(TASKS, n)
        });
        bench_async_std(group, size, |n| rt_async_std::mutex(TASKS, n));
        bench_smol(
            group,
            rts,
            size,
            |ex, n| rt_smol::mutex(ex, TASKS, n),
            |ex, n| rt_smol::mutex_local(ex, TASKS, n),
        );
        bench_compio(group, rts, size, |n| rt_compio::mutex(TASKS, n));
        bench_futures(group, rts, size, |s, n| rt_futures::mutex(s, TASKS, n));
    }
}

fn timers(group: &mut Group<'_>, rts: &Runtimes) {
    for size in [100, 1_000] {
        per_item(group, size);
        bench_tokio(group, rts, size, |n| rt_tokio::timers(n, SLEEP));
        bench_async_std(group, size, |n| rt_async_std::timers(n, SLEEP));
        bench_smol(
            group,
            rts,
            size,
            |ex, n| rt_smol::timers(ex, n, SLEEP),
            |ex, n| rt_smol::timers_local(ex, n, SLEEP),
        );
        bench_compio(group, rts, size, |n| rt_compio::timers(n, SLEEP));
        // No futures-local: the futures crate has no timer (see the module doc).
    }
}

fn runtimes(c: &mut Criterion) {
    let workloads: [(&str, Workload<Runtimes>); 8] = [
        ("spawn_many", spawn_many),
        ("yield_many", yield_many),
        ("chained_spawn", chained_spawn),
        ("ping_pong", ping_pong),
        ("mpsc", mpsc),
        ("mpsc_4p", mpsc_4p),
        ("mutex", mutex),
        ("timers", timers),
    ];
    let rts = Runtimes::new(&workloads);
    common::bench_groups(c, &rts, &workloads);
}

criterion_group!(benches, runtimes);
criterion_main!(benches);
