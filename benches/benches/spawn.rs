//! spawn_many: spawn and join N empty tasks, measured inside a spawned task.
//!
//! ```text
//! cargo bench -p benches --bench spawn
//! ```

use std::hint::black_box;

use benches::{tokio_current_thread, tokio_multi_thread, tokio_spawn_many, worker_threads};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn spawn_many(c: &mut Criterion) {
    eprintln!(
        "tokio-mt: {} worker threads; tokio-ct: 1 thread",
        worker_threads()
    );
    let runtimes = [
        ("tokio-mt", tokio_multi_thread()),
        ("tokio-ct", tokio_current_thread()),
    ];
    let mut group = c.benchmark_group("spawn_many");
    for size in [100, 1_000, 10_000] {
        group.throughput(Throughput::Elements(size as u64));
        for (id, rt) in &runtimes {
            group.bench_with_input(BenchmarkId::new(*id, size), &size, |b, &n| {
                // The workload runs inside a spawned task: `block_on` alone is not where a
                // multi-thread runtime does its work, and timing it there costs up to 28x.
                b.to_async(rt).iter(|| async move {
                    let joined = tokio::spawn(tokio_spawn_many(black_box(n)))
                        .await
                        .expect("the workload task cannot panic");
                    assert_eq!(joined, n);
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, spawn_many);
criterion_main!(benches);
