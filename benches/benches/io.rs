//! The I/O suite: loopback TCP, file reads and blocking pools on every runtime, ids
//! `workload/runtime/size`.
//!
//! Runtimes as in the `runtimes` bench: `tokio-mt` (multi-thread, workers = available
//! parallelism), `tokio-ct` (current-thread), `async-std` (global runtime), `smol` (an `Executor` on
//! N threads this bench starts, N = available parallelism), `smol-local` (a `LocalExecutor` on the
//! bench thread), `compio` (compio's thread-per-core runtime on the bench thread, driven by
//! io_uring: in `tcp_echo`, `tcp_echo_many` and `file_read`); `file_read` adds `std`. Thread counts
//! are printed once, to stderr, at start. Where io_uring is unusable (Docker's default seccomp
//! profile blocks it), the `compio` ids are skipped, the startup line says why, and
//! `skipped-io.json` in criterion's directory tells the report; `BENCHES_SIMULATE_NO_IO_URING=1`
//! simulates that.
//!
//! Workloads (group names; throughput per round trip, per byte or per job):
//!
//! - `tcp_echo`: N round trips of a 64-byte message on one loopback connection (`TCP_NODELAY` on
//!   both ends), each echo checked. The echo server runs on the runtime being measured, started
//!   once per runtime before its benches, and the client connects once, outside the measurement;
//!   an iteration moves the connection into a spawned task, does the N round trips, and gets it
//!   back. On `tokio-ct`, `smol-local` and `compio` the client and server tasks share the one
//!   thread. compio's reads and writes are io_uring operations on owned buffers.
//! - `tcp_echo_many`: the same with 64 connections at once, one client task each, N / 64 round
//!   trips per connection; the size N is the total of round trips.
//! - `file_read`: a whole file (64 KiB, 1 MiB, 16 MiB; written once into a temp dir, page-cached)
//!   read with `tokio::fs::read`, `async_std::fs::read`, `smol::fs::read`, and `std::fs::read` on
//!   the bench thread (`std`) for reference. None of the three has asynchronous file I/O: each one
//!   runs `std::fs::read` on its blocking pool (smol's `fs` is `unblock` underneath), so the
//!   difference from `std` is the cost of the hand-off. `compio` is the one asynchronous file
//!   read: open, `statx` and the reads are io_uring operations submitted from the bench thread,
//!   into a buffer sized from the file's length as `std::fs::read` sizes it
//!   (`io_compio::read_file`).
//! - `spawn_blocking`: N tiny jobs (a sum of 0..=100) through `tokio::task::spawn_blocking`,
//!   `async_std::task::spawn_blocking` and `smol::unblock`, joined. async-std's is smol's
//!   `unblock` (the `blocking` crate's global pool, shared by both here) wrapped in one more task;
//!   on `smol` and `smol-local` only the executor awaiting the jobs differs. No `compio` here: a
//!   thread-per-core runtime does not hand work to a pool as its way of doing I/O.
//!
//! Every workload returns a count (round trips echoed, bytes read, jobs with the right sum), and
//! every iteration asserts it equals the size. Each echo server is stopped after its runtime's
//! benches, its connections closed first; the temp dir goes when `file_read` ends.
//!
//! ```text
//! cargo bench -p benches --bench io
//! cargo bench -p benches --bench io -- tcp_echo/smol
//! ```

mod common;

use std::cell::Cell;
use std::hint::black_box;
use std::io;
use std::path::Path;
use std::sync::Arc;

use benches::{
    io_async_std, io_compio, io_smol, io_tokio, rt_async_std, rt_smol, rt_tokio, worker_threads,
};
use common::{AsyncStdExecutor, Compio, Group, SmolLocal, Workload};
use criterion::async_executor::{AsyncExecutor, SmolExecutor};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use futures::future::try_join_all;
use tokio::runtime::Runtime;

/// Round trips per iteration of `tcp_echo`.
const ECHO_SIZES: [usize; 3] = [1, 10, 100];
/// Connections of `tcp_echo_many`.
const CONNECTIONS: usize = 64;
/// Round trips per iteration of `tcp_echo_many`, over all [`CONNECTIONS`] (multiples of it).
const ECHO_MANY_SIZES: [usize; 2] = [CONNECTIONS, 16 * CONNECTIONS];
/// File sizes of `file_read`, in bytes: 64 KiB, 1 MiB, 16 MiB.
const FILE_SIZES: [usize; 3] = [64 << 10, 1 << 20, 16 << 20];
/// Jobs per iteration of `spawn_blocking`.
const BLOCKING_SIZES: [usize; 2] = [100, 1_000];

const SERVER: &str = "starting a loopback echo server";
const CONNECT: &str = "connecting to the loopback echo server";
const TASK: &str = "the workload task does not panic";

/// Every runtime, built once, outside any timed closure.
struct Runtimes {
    tokio_mt: Runtime,
    tokio_ct: Runtime,
    // Blocked on with criterion's `SmolExecutor` (a bare `smol::block_on`): the iteration spawns
    // its workload onto this executor's own threads and only waits for it, so the bench thread
    // never becomes an extra worker.
    smol: rt_smol::MultiThread,
    smol_local: SmolLocal,
    /// `None` where io_uring is unusable: its ids are skipped.
    compio: Option<Compio>,
}

/// The groups with a `compio` variant.
const COMPIO_GROUPS: [&str; 3] = ["tcp_echo", "tcp_echo_many", "file_read"];

impl Runtimes {
    fn new() -> Self {
        let (compio, compio_line) = Compio::start("io", &COMPIO_GROUPS);
        let runtimes = Self {
            tokio_mt: rt_tokio::multi_thread(),
            tokio_ct: rt_tokio::current_thread(),
            smol: rt_smol::MultiThread::new(worker_threads()),
            smol_local: SmolLocal(rt_smol::local_executor()),
            compio,
        };
        eprintln!(
            "threads: tokio-mt {} workers; tokio-ct 1; async-std {} (ASYNC_STD_THREAD_COUNT or CPUs); \
             smol {} executor threads; smol-local 1 (the bench thread); {compio_line}; blocking pools: tokio's \
             (up to 512 threads per runtime), the `blocking` crate's for async-std and smol (up \
             to 500, BLOCKING_MAX_THREADS)",
            runtimes.tokio_mt.metrics().num_workers(),
            rt_async_std::threads(),
            runtimes.smol.threads(),
        );
        runtimes
    }

    /// `tokio-mt` and `tokio-ct` with their ids, for the workloads that bench both the same way.
    fn tokio(&self) -> [(&'static str, &Runtime); 2] {
        [("tokio-mt", &self.tokio_mt), ("tokio-ct", &self.tokio_ct)]
    }
}

// As in the `runtimes` bench, every measured workload runs inside a task spawned on the runtime
// being measured, never directly in `block_on` (docs/design.md, "Benchmarks").

/// Benches `workload` at each of `sizes` under the id `runtime/size`, on connections set up once,
/// outside the measurement: each iteration moves `connections` into `workload` (which spawns the
/// measured task) and takes them back, with the round trips done, which must equal the size.
/// Returns the connections, for the caller to close.
fn bench_on_connections<E, C, W, F>(
    group: &mut Group<'_>,
    runtime: &str,
    sizes: &[usize],
    executor: impl Fn() -> E,
    connections: C,
    workload: W,
) -> C
where
    E: AsyncExecutor,
    W: Fn(C, usize) -> F,
    F: Future<Output = (C, io::Result<usize>)>,
{
    let slot = Cell::new(Some(connections));
    for &size in sizes {
        group.throughput(Throughput::Elements(size as u64));
        group.bench_with_input(BenchmarkId::new(runtime, size), &size, |b, &n| {
            let (slot, workload) = (&slot, &workload);
            b.to_async(executor()).iter(move || async move {
                let connections = slot.take().expect("the last iteration gave them back");
                let (connections, done) = workload(connections, black_box(n)).await;
                slot.set(Some(connections));
                assert_eq!(done.expect("echo round trips on loopback"), n);
            });
        });
    }
    slot.into_inner().expect("the last iteration gave them back")
}

/// Benches `workload` (which spawns the measured task) under the id `runtime/size`; its count
/// must equal `size`.
fn bench_on<E, W, F>(
    group: &mut Group<'_>,
    runtime: &str,
    size: usize,
    executor: impl Fn() -> E,
    workload: W,
) where
    E: AsyncExecutor,
    W: Fn() -> F,
    F: Future<Output = usize>,
{
    group.bench_function(BenchmarkId::new(runtime, size), |b| {
        b.to_async(executor()).iter(|| async { assert_eq!(workload().await, size) });
    });
}

fn tcp_echo(group: &mut Group<'_>, rts: &Runtimes) {
    for (id, rt) in rts.tokio() {
        let server = rt.block_on(io_tokio::EchoServer::start()).expect(SERVER);
        let stream = rt.block_on(io_tokio::connect(server.addr())).expect(CONNECT);
        let stream = bench_on_connections(
            group,
            id,
            &ECHO_SIZES,
            || rt,
            stream,
            |mut stream, n| async move {
                tokio::spawn(async move {
                    let done = io_tokio::round_trips(&mut stream, n).await;
                    (stream, done)
                })
                .await
                .expect(TASK)
            },
        );
        drop(stream);
        assert_eq!(rt.block_on(server.stop()), 1);
    }

    let server = async_std::task::block_on(io_async_std::EchoServer::start()).expect(SERVER);
    let stream = async_std::task::block_on(io_async_std::connect(server.addr())).expect(CONNECT);
    let stream = bench_on_connections(
        group,
        "async-std",
        &ECHO_SIZES,
        || AsyncStdExecutor,
        stream,
        |mut stream, n| {
            async_std::task::spawn(async move {
                let done = io_async_std::round_trips(&mut stream, n).await;
                (stream, done)
            })
        },
    );
    drop(stream);
    assert_eq!(async_std::task::block_on(server.stop()), 1);

    let ex = rts.smol.executor();
    let server = smol::block_on(io_smol::EchoServer::start(ex)).expect(SERVER);
    let stream = smol::block_on(io_smol::connect(server.addr())).expect(CONNECT);
    let stream = bench_on_connections(
        group,
        "smol",
        &ECHO_SIZES,
        || SmolExecutor,
        stream,
        |mut stream, n| {
            ex.spawn(async move {
                let done = io_smol::round_trips(&mut stream, n).await;
                (stream, done)
            })
        },
    );
    drop(stream);
    assert_eq!(smol::block_on(server.stop()), 1);

    let local = &rts.smol_local;
    let server = local.block_on(io_smol::EchoServer::start_local(&local.0)).expect(SERVER);
    let stream = local.block_on(io_smol::connect(server.addr())).expect(CONNECT);
    let stream = bench_on_connections(
        group,
        "smol-local",
        &ECHO_SIZES,
        || local,
        stream,
        |mut stream, n| {
            local.0.spawn(async move {
                let done = io_smol::round_trips(&mut stream, n).await;
                (stream, done)
            })
        },
    );
    drop(stream);
    assert_eq!(local.block_on(server.stop()), 1);

    if let Some(compio) = &rts.compio {
        let server = compio.0.block_on(io_compio::EchoServer::start()).expect(SERVER);
        let stream = compio.0.block_on(io_compio::connect(server.addr())).expect(CONNECT);
        let stream = bench_on_connections(
            group,
            "compio",
            &ECHO_SIZES,
            || compio,
            stream,
            |mut stream, n| async move {
                compio::runtime::spawn(async move {
                    let done = io_compio::round_trips(&mut stream, n).await;
                    (stream, done)
                })
                .await
                .expect(TASK)
            },
        );
        drop(stream);
        assert_eq!(compio.0.block_on(server.stop()), 1);
    }
}

fn tcp_echo_many(group: &mut Group<'_>, rts: &Runtimes) {
    for (id, rt) in rts.tokio() {
        let server = rt.block_on(io_tokio::EchoServer::start()).expect(SERVER);
        let connects = (0..CONNECTIONS).map(|_| io_tokio::connect(server.addr()));
        let streams = rt.block_on(try_join_all(connects)).expect(CONNECT);
        let streams = bench_on_connections(
            group,
            id,
            &ECHO_MANY_SIZES,
            || rt,
            streams,
            |mut streams, n| async move {
                tokio::spawn(async move {
                    let done =
                        io_tokio::round_trips_concurrently(&mut streams, n / CONNECTIONS).await;
                    (streams, done)
                })
                .await
                .expect(TASK)
            },
        );
        drop(streams);
        assert_eq!(rt.block_on(server.stop()), CONNECTIONS);
    }

    let server = async_std::task::block_on(io_async_std::EchoServer::start()).expect(SERVER);
    let connects = (0..CONNECTIONS).map(|_| io_async_std::connect(server.addr()));
    let streams = async_std::task::block_on(try_join_all(connects)).expect(CONNECT);
    let streams = bench_on_connections(
        group,
        "async-std",
        &ECHO_MANY_SIZES,
        || AsyncStdExecutor,
        streams,
        |mut streams, n| {
            async_std::task::spawn(async move {
                let done =
                    io_async_std::round_trips_concurrently(&mut streams, n / CONNECTIONS).await;
                (streams, done)
            })
        },
    );
    drop(streams);
    assert_eq!(async_std::task::block_on(server.stop()), CONNECTIONS);

    let ex = rts.smol.executor();
    let server = smol::block_on(io_smol::EchoServer::start(ex)).expect(SERVER);
    let connects = (0..CONNECTIONS).map(|_| io_smol::connect(server.addr()));
    let streams = smol::block_on(try_join_all(connects)).expect(CONNECT);
    let streams = bench_on_connections(
        group,
        "smol",
        &ECHO_MANY_SIZES,
        || SmolExecutor,
        streams,
        |mut streams, n| {
            let spawner = ex.clone();
            ex.spawn(async move {
                let done =
                    io_smol::round_trips_concurrently(&spawner, &mut streams, n / CONNECTIONS)
                        .await;
                (streams, done)
            })
        },
    );
    drop(streams);
    assert_eq!(smol::block_on(server.stop()), CONNECTIONS);

    let local = &rts.smol_local;
    let server = local.block_on(io_smol::EchoServer::start_local(&local.0)).expect(SERVER);
    let connects = (0..CONNECTIONS).map(|_| io_smol::connect(server.addr()));
    let streams = local.block_on(try_join_all(connects)).expect(CONNECT);
    let streams = bench_on_connections(
        group,
        "smol-local",
        &ECHO_MANY_SIZES,
        || local,
        streams,
        |mut streams, n| {
            let spawner = local.0.clone();
            local.0.spawn(async move {
                let done = io_smol::round_trips_concurrently_local(
                    &spawner,
                    &mut streams,
                    n / CONNECTIONS,
                )
                .await;
                (streams, done)
            })
        },
    );
    drop(streams);
    assert_eq!(local.block_on(server.stop()), CONNECTIONS);

    if let Some(compio) = &rts.compio {
        let server = compio.0.block_on(io_compio::EchoServer::start()).expect(SERVER);
        let connects = (0..CONNECTIONS).map(|_| io_compio::connect(server.addr()));
        let streams = compio.0.block_on(try_join_all(connects)).expect(CONNECT);
        let streams = bench_on_connections(
            group,
            "compio",
            &ECHO_MANY_SIZES,
            || compio,
            streams,
            |mut streams, n| async move {
                compio::runtime::spawn(async move {
                    let done =
                        io_compio::round_trips_concurrently(&mut streams, n / CONNECTIONS).await;
                    (streams, done)
                })
                .await
                .expect(TASK)
            },
        );
        drop(streams);
        assert_eq!(compio.0.block_on(server.stop()), CONNECTIONS);
    }
}

fn file_read(group: &mut Group<'_>, rts: &Runtimes) {
    const READ: &str = "reading the bench file";
    // Removed, with the files, when this function returns.
    let dir = tempfile::tempdir().expect("creating a temp dir");
    for size in FILE_SIZES {
        let path: Arc<Path> = dir.path().join(format!("{size}.bin")).into();
        let data: Vec<u8> = (0..size).map(|i| i as u8).collect();
        std::fs::write(&path, data).expect("writing the bench file");
        group.throughput(Throughput::Bytes(size as u64));

        for (id, rt) in rts.tokio() {
            bench_on(
                group,
                id,
                size,
                || rt,
                || {
                    let path = path.clone();
                    async move {
                        let read = tokio::spawn(io_tokio::read_file(path)).await.expect(TASK);
                        read.expect(READ)
                    }
                },
            );
        }
        bench_on(
            group,
            "async-std",
            size,
            || AsyncStdExecutor,
            || {
                let path = path.clone();
                async move {
                    let read = async_std::task::spawn(io_async_std::read_file(path)).await;
                    read.expect(READ)
                }
            },
        );
        let ex = rts.smol.executor();
        bench_on(
            group,
            "smol",
            size,
            || SmolExecutor,
            || {
                let path = path.clone();
                async move { ex.spawn(io_smol::read_file(path)).await.expect(READ) }
            },
        );
        let local = &rts.smol_local;
        bench_on(
            group,
            "smol-local",
            size,
            || local,
            || {
                let path = path.clone();
                async move { local.0.spawn(io_smol::read_file(path)).await.expect(READ) }
            },
        );
        if let Some(compio) = &rts.compio {
            bench_on(
                group,
                "compio",
                size,
                || compio,
                || {
                    let path = path.clone();
                    async move {
                        let read = compio::runtime::spawn(io_compio::read_file(path)).await;
                        read.expect(TASK).expect(READ)
                    }
                },
            );
        }
        group.bench_function(BenchmarkId::new("std", size), |b| {
            b.iter(|| assert_eq!(std::fs::read(&path).expect(READ).len(), size));
        });
    }
}

fn spawn_blocking(group: &mut Group<'_>, rts: &Runtimes) {
    for size in BLOCKING_SIZES {
        group.throughput(Throughput::Elements(size as u64));
        for (id, rt) in rts.tokio() {
            bench_on(
                group,
                id,
                size,
                || rt,
                || async move {
                    tokio::spawn(io_tokio::spawn_blocking_many(black_box(size))).await.expect(TASK)
                },
            );
        }
        bench_on(
            group,
            "async-std",
            size,
            || AsyncStdExecutor,
            || async_std::task::spawn(io_async_std::spawn_blocking_many(black_box(size))),
        );
        let ex = rts.smol.executor();
        bench_on(
            group,
            "smol",
            size,
            || SmolExecutor,
            || ex.spawn(io_smol::spawn_blocking_many(black_box(size))),
        );
        let local = &rts.smol_local;
        bench_on(
            group,
            "smol-local",
            size,
            || local,
            || local.0.spawn(io_smol::spawn_blocking_many(black_box(size))),
        );
    }
}

fn io(c: &mut Criterion) {
    let rts = Runtimes::new();
    let workloads: [(&str, Workload<Runtimes>); 4] = [
        ("tcp_echo", tcp_echo),
        ("tcp_echo_many", tcp_echo_many),
        ("file_read", file_read),
        ("spawn_blocking", spawn_blocking),
    ];
    common::bench_groups(c, &rts, &workloads);
}

criterion_group!(benches, io);
criterion_main!(benches);
