//! The zero-cost claim: a hand-written `Future` state machine against the equivalent `async fn`.
//!
//! Both compute the same `n`-step checksum, suspending once per step on the same leaf future
//! (`benches::state_machine`). Ids:
//!
//! - `state_machine/hand-written/<n>` and `state_machine/async-fn/<n>`: polled to completion on the
//!   bench thread with a no-op waker, no runtime, so the ratio is the state machines' alone.
//! - `state_machine_tokio_ct/hand-written/<n>` and `state_machine_tokio_ct/async-fn/<n>`: the same
//!   futures spawned as a task on tokio's current-thread runtime, for scale: there every suspension
//!   is a trip through the scheduler.
//!
//! Prints `size_of` of both futures once, to stderr, at start.
//!
//! ```text
//! cargo bench -p benches --bench state_machine
//! cargo bench -p benches --bench state_machine -- 'state_machine/'
//! ```

// This target uses only `configure` (and its own, shorter timings, below); the executor adapters
// and `bench_groups` serve the `runtimes` and `io` targets.
#[allow(dead_code, reason = "the other targets use the rest of it")]
mod common;

use std::hint::black_box;
use std::time::Duration;

use benches::rt_tokio;
use benches::state_machine::{ChecksumMachine, block_on_noop, checksum_async, sizes};
use common::configure;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// Warm-up time per benchmark, shorter than the suite's [`common::WARM_UP`]: an iteration here
/// takes 50 ns to 60 µs (BENCHMARKS.md), so even the slowest gets some 20,000 iterations in
/// [`MEASUREMENT`], and the whole target measures in well under a minute.
const WARM_UP: Duration = Duration::from_millis(300);
/// Measurement time per benchmark, shorter than the suite's [`common::MEASUREMENT`] (see
/// [`WARM_UP`]).
const MEASUREMENT: Duration = Duration::from_millis(1200);

fn state_machine(c: &mut Criterion) {
    let (hand_written, async_fn) = sizes();
    eprintln!(
        "size_of: hand-written future {hand_written} bytes, async fn future {async_fn} bytes"
    );

    let mut group = c.benchmark_group("state_machine");
    configure(&mut group, WARM_UP, MEASUREMENT);
    for n in [10_u64, 100, 1_000] {
        group.throughput(Throughput::Elements(n));
        // The output and poll count are returned, so criterion keeps them alive.
        group.bench_with_input(BenchmarkId::new("hand-written", n), &n, |b, &n| {
            b.iter(|| block_on_noop(ChecksumMachine::new(black_box(n))));
        });
        group.bench_with_input(BenchmarkId::new("async-fn", n), &n, |b, &n| {
            b.iter(|| block_on_noop(checksum_async(black_box(n))));
        });
    }
    group.finish();

    // The runtime is built once, outside the timed closures; the futures run in a spawned task.
    let rt = rt_tokio::current_thread();
    let mut group = c.benchmark_group("state_machine_tokio_ct");
    configure(&mut group, WARM_UP, MEASUREMENT);
    for n in [100_u64, 1_000] {
        group.throughput(Throughput::Elements(n));
        group.bench_with_input(BenchmarkId::new("hand-written", n), &n, |b, &n| {
            b.to_async(&rt).iter(|| async move {
                tokio::spawn(ChecksumMachine::new(black_box(n)))
                    .await
                    .expect("the checksum task cannot panic")
            });
        });
        group.bench_with_input(BenchmarkId::new("async-fn", n), &n, |b, &n| {
            b.to_async(&rt).iter(|| async move {
                tokio::spawn(checksum_async(black_box(n)))
                    .await
                    .expect("the checksum task cannot panic")
            });
        });
    }
    group.finish();
}

criterion_group!(benches, state_machine);
criterion_main!(benches);
