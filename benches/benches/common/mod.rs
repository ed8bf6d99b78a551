//! Criterion plumbing shared by the bench targets, each of which includes it with `mod common;`:
//! the group settings of the suite, the loop that runs a target's groups, the [`AsyncExecutor`]
//! adapters criterion 0.8 lacks for async-std's runtime, a smol `LocalExecutor` and compio (the
//! `LocalPool` adapter, which only `runtimes` needs, stays in that target), and compio's start:
//! built on io_uring, or skipped with the reason recorded for the report.
//!
//! Not a bench target itself: cargo discovers `benches/*.rs` and `benches/*/main.rs` only. Each
//! target that includes it is a crate of its own, so whatever a target leaves unused here is dead
//! code in that crate: `runtimes` and `io` use all of it, and `state_machine`, which uses only
//! [`configure`], allows `dead_code` where it includes the module.

use std::rc::Rc;
use std::time::Duration;

use benches::{Skipped, criterion_dir, rt_compio};
use criterion::async_executor::AsyncExecutor;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};
use smol::LocalExecutor;

/// A criterion benchmark group, measured in wall time like every group of the suite.
pub type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// Warm-up time per benchmark of the `runtimes` and `io` groups: with [`MEASUREMENT`] and the
/// analysis, about 3 s a benchmark, so `runtimes` (126 benchmarks) runs in about seven minutes
/// and the whole suite (197) in about nine on the 2-core reference machine (BENCHMARKS.md: 171
/// benchmarks, before compio's 26, took 7 min 56 s).
pub const WARM_UP: Duration = Duration::from_millis(500);
/// Measurement time per benchmark of the `runtimes` and `io` groups (see [`WARM_UP`]).
pub const MEASUREMENT: Duration = Duration::from_millis(1500);

/// Gives the group the `warm_up` and `measurement` times, 20 samples and 10,000 bootstrap
/// resamples.
///
/// Criterion's analysis is the other half of a benchmark's cost: with its default 100,000
/// resamples, estimating and plotting (the HTML plots estimate a density over every resample)
/// took about 10 s per benchmark on the reference machine, on one thread since the workspace
/// builds criterion without rayon. 10,000 resamples are plenty for confidence intervals over 20
/// samples and bring that under 1 s.
pub fn configure(group: &mut Group<'_>, warm_up: Duration, measurement: Duration) {
    group.warm_up_time(warm_up).measurement_time(measurement).sample_size(20).nresamples(10_000);
}

/// A workload's benches: adds one benchmark per runtime and size to the group, on the runtimes
/// `R` its target built once.
pub type Workload<R> = fn(&mut Group<'_>, &R);

/// Runs each `(name, workload)` as the criterion group `name`, in order, configured with
/// [`WARM_UP`] and [`MEASUREMENT`] and given the runtimes `rts`.
pub fn bench_groups<R>(c: &mut Criterion, rts: &R, workloads: &[(&str, Workload<R>)]) {
    for &(name, workload) in workloads {
        let mut group = c.benchmark_group(name);
        configure(&mut group, WARM_UP, MEASUREMENT);
        workload(&mut group, rts);
        group.finish();
    }
}

/// async-std's global runtime, for criterion: criterion 0.8 dropped its own async-std support
/// (its `async_executor` module covers tokio, smol and the futures crate only).
pub struct AsyncStdExecutor;

impl AsyncExecutor for AsyncStdExecutor {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        async_std::task::block_on(future)
    }
}

/// A smol `LocalExecutor`, for criterion: `block_on` runs the executor (`ex.run`) until the future
/// is done, because a `LocalExecutor`'s tasks progress only while the bench thread runs it, which
/// criterion's `SmolExecutor` (a bare `smol::block_on`) would never do.
pub struct SmolLocal(pub Rc<LocalExecutor<'static>>);

impl AsyncExecutor for &SmolLocal {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        smol::block_on(self.0.run(future))
    }
}

/// compio's runtime on the bench thread, for criterion: `block_on` runs it, and with it the tasks
/// spawned on it, until the future is done.
pub struct Compio(pub compio::runtime::Runtime);

impl AsyncExecutor for &Compio {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        self.0.block_on(future)
    }
}

impl Compio {
    /// compio on io_uring, or `None` where io_uring is unusable: then the bench target `target`
    /// skips compio in `groups` and records why in criterion's directory for the report (a run
    /// that has compio removes a stale record). The text, which says why, is compio's part of the
    /// startup line.
    pub fn start(target: &str, groups: &[&str]) -> (Option<Self>, String) {
        let (compio, line, record) = match rt_compio::runtime() {
            Ok(rt) => (Some(Self(rt)), "compio 1 (the bench thread, io_uring)".to_owned(), None),
            Err(reason) => {
                let reason = format!("io_uring is unusable: {reason}");
                let line = format!("compio skipped, {reason}");
                let groups = groups.iter().map(|g| (*g).to_owned()).collect();
                (None, line, Some(Skipped { runtime: "compio".into(), reason, groups }))
            }
        };
        let dir = criterion_dir();
        if let Err(e) = Skipped::record(&dir, target, record.as_ref()) {
            eprintln!("warning: recording compio's skip in {}: {e}", dir.display());
        }
        (compio, line)
    }
}
