//! One measurement, in a process of its own: N idle tasks on one runtime, VmRSS before and after.
//!
//! Every runtime runs the same task, [`idle_task`]: it holds a u64 state and its index across one
//! `.await` on a clone of one [`Wait`], a `Shared` of a oneshot receiver. `Shared` is the wait
//! primitive because it costs least per waiter among those already in the dependency graph: 16
//! bytes in the task (an `Arc` and a slab key) and one `Option<Waker>` slot in a shared slab, with
//! no allocation of its own; an `event_listener::EventListener` boxes a list node per waiter (and
//! `event-listener` is not a direct dependency of this crate).
//!
//! A round: build the runtime and run a small warm-up round on it (its threads, lazy statics and
//! code pages are then in place), reset the counters, fill the handle slots with `None` (so the
//! handles' own storage is resident before the first reading), read VmRSS, spawn N tasks, wait
//! until every task has been polled once and is parked on the `Shared` (it counts itself after its
//! waker is registered), read VmRSS again, fire, join every handle and check each task's output.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use benches::{rt_futures, rt_smol, rt_tokio, worker_threads};
use futures::FutureExt;
use futures::channel::oneshot;
use futures::future::{self, Shared};
use serde::{Deserialize, Serialize};

use crate::args::Runtime;

/// What every task waits on: a clone of one shared oneshot receiver, fired once all are parked.
type Wait = Shared<oneshot::Receiver<()>>;

/// Tasks that have been polled once and are parked on their [`Wait`].
static PARKED: AtomicUsize = AtomicUsize::new(0);
/// Tasks that have run to completion.
static DONE: AtomicUsize = AtomicUsize::new(0);

/// The tasks of the warm-up round.
const WARMUP: usize = 256;
/// How long the tasks may take to park before the child gives up.
const PARK_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the waiting thread looks at the count, where it has a timer.
const PAUSE: Duration = Duration::from_millis(1);

/// What one child prints (one JSON line) for the parent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sample {
    pub runtime: Runtime,
    pub count: usize,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
    /// Tasks that parked, and that completed after the event fired (both must equal `count`).
    pub parked: usize,
    pub completed: usize,
    /// The process's threads while the tasks were parked.
    pub threads: u64,
}

/// The future each task runs: a state held across one wait, checked at the end by its output.
async fn idle_task(index: u64, wait: Wait) -> u64 {
    let state = index.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let fired = Parked { wait, counted: false }.await;
    DONE.fetch_add(1, Ordering::Relaxed);
    if fired { state ^ index } else { 0 }
}

/// The output the tasks `0..n` return together when the event fired.
fn expected_sum(n: usize) -> u64 {
    (0..n as u64).fold(0, |sum, i| sum.wrapping_add(i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ i))
}

/// The size of a task's future, for the report.
pub fn task_future_bytes() -> usize {
    let (_fire, wait) = oneshot::channel::<()>();
    size_of_val(&idle_task(0, wait.shared()))
}

/// Awaits the [`Wait`] and counts the task in [`PARKED`] the first time it returns `Pending`, that
/// is once its waker is stored. `true` if the event fired, `false` if it was dropped.
struct Parked {
    wait: Wait,
    counted: bool,
}

impl Future for Parked {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        match self.wait.poll_unpin(cx) {
            Poll::Ready(fired) => Poll::Ready(fired.is_ok()),
            Poll::Pending => {
                if !self.counted {
                    self.counted = true;
                    PARKED.fetch_add(1, Ordering::Release);
                }
                Poll::Pending
            }
        }
    }
}

/// One round's event and bookkeeping.
struct Round {
    count: usize,
    fire: Option<oneshot::Sender<()>>,
    wait: Wait,
}

impl Round {
    fn new(count: usize) -> Self {
        PARKED.store(0, Ordering::Relaxed);
        DONE.store(0, Ordering::Relaxed);
        let (fire, wait) = oneshot::channel();
        Round { count, fire: Some(fire), wait: wait.shared() }
    }

    /// Task `index`'s future.
    fn task(&self, index: usize) -> impl Future<Output = u64> + Send + 'static {
        idle_task(index as u64, self.wait.clone())
    }

    /// `count` empty handle slots, resident before the first reading.
    fn slots<T>(&self) -> Vec<Option<T>> {
        let mut slots = Vec::new();
        slots.resize_with(self.count, || None);
        slots
    }

    /// Waits, `pause` after `pause`, until every task is parked; then reads VmRSS and the threads.
    /// On a timeout the event is dropped, so the tasks end and the round can be joined.
    async fn until_parked<F: Future>(
        &mut self,
        mut pause: impl FnMut() -> F,
    ) -> anyhow::Result<Rss> {
        let start = Instant::now();
        while PARKED.load(Ordering::Acquire) < self.count {
            if start.elapsed() > PARK_TIMEOUT {
                self.fire = None;
                bail!(
                    "only {} of {} tasks parked after {PARK_TIMEOUT:?}",
                    PARKED.load(Ordering::Acquire),
                    self.count
                );
            }
            pause().await;
        }
        Rss::read()
    }

    /// Fires the event: every parked task is woken.
    fn fire(&mut self) {
        if let Some(fire) = self.fire.take() {
            // The receiver lives in `self.wait`, so the send cannot fail.
            let _ = fire.send(());
        }
    }

    /// Checks that every task parked, completed and returned its output.
    fn check(&self, sum: u64, before: Rss, after: Rss, runtime: Runtime) -> anyhow::Result<Sample> {
        let (parked, completed) = (PARKED.load(Ordering::Acquire), DONE.load(Ordering::Acquire));
        ensure!(completed == self.count, "{completed} of {} tasks completed", self.count);
        ensure!(sum == expected_sum(self.count), "the tasks' outputs do not add up");
        Ok(Sample {
            runtime,
            count: self.count,
            rss_before_kib: before.kib,
            rss_after_kib: after.kib,
            parked,
            completed,
            threads: after.threads,
        })
    }
}

/// VmRSS and the thread count, from `/proc/self/status`.
#[derive(Clone, Copy, Debug)]
struct Rss {
    kib: u64,
    threads: u64,
}

impl Rss {
    fn read() -> anyhow::Result<Self> {
        const PATH: &str = "/proc/self/status";
        let status = std::fs::read_to_string(PATH).with_context(|| format!("reading {PATH}"))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                .with_context(|| format!("no {name} line in {PATH}"))
        };
        Ok(Rss { kib: field("VmRSS:")?, threads: field("Threads:")? })
    }
}

/// Measures `count` idle tasks on `runtime`, after a warm-up round on the same runtime.
pub fn measure(runtime: Runtime, count: usize) -> anyhow::Result<Sample> {
    match runtime {
        Runtime::TokioMt | Runtime::TokioCt => {
            let rt = match runtime {
                Runtime::TokioMt => rt_tokio::multi_thread(),
                _ => rt_tokio::current_thread(),
            };
            tokio_round(&rt, WARMUP, runtime)?;
            tokio_round(&rt, count, runtime)
        }
        Runtime::AsyncStd => {
            async_std_round(WARMUP, runtime)?;
            async_std_round(count, runtime)
        }
        Runtime::Smol => {
            let rt = rt_smol::MultiThread::new(worker_threads());
            smol_round(rt.executor(), WARMUP, runtime)?;
            smol_round(rt.executor(), count, runtime)
        }
        Runtime::SmolLocal => {
            let ex = rt_smol::local_executor();
            smol_local_round(&ex, WARMUP, runtime)?;
            smol_local_round(&ex, count, runtime)
        }
        Runtime::JoinAll => {
            join_all_round(WARMUP, runtime)?;
            join_all_round(count, runtime)
        }
    }
}

fn tokio_round(
    rt: &tokio::runtime::Runtime,
    count: usize,
    runtime: Runtime,
) -> anyhow::Result<Sample> {
    rt.block_on(async {
        let mut round = Round::new(count);
        let mut slots = round.slots();
        let before = Rss::read()?;
        for (index, slot) in slots.iter_mut().enumerate() {
            *slot = Some(tokio::spawn(round.task(index)));
        }
        let after = round.until_parked(|| tokio::time::sleep(PAUSE)).await;
        round.fire();
        let mut sum = 0u64;
        for handle in slots.into_iter().flatten() {
            sum = sum.wrapping_add(handle.await.context("a task failed")?);
        }
        round.check(sum, before, after?, runtime)
    })
}

fn async_std_round(count: usize, runtime: Runtime) -> anyhow::Result<Sample> {
    async_std::task::block_on(async {
        let mut round = Round::new(count);
        let mut slots = round.slots();
        let before = Rss::read()?;
        for (index, slot) in slots.iter_mut().enumerate() {
            *slot = Some(async_std::task::spawn(round.task(index)));
        }
        let after = round.until_parked(|| async_std::task::sleep(PAUSE)).await;
        round.fire();
        let mut sum = 0u64;
        for handle in slots.into_iter().flatten() {
            sum = sum.wrapping_add(handle.await);
        }
        round.check(sum, before, after?, runtime)
    })
}

fn smol_round(
    ex: &smol::Executor<'static>,
    count: usize,
    runtime: Runtime,
) -> anyhow::Result<Sample> {
    smol::block_on(async {
        let mut round = Round::new(count);
        let mut slots = round.slots();
        let before = Rss::read()?;
        for (index, slot) in slots.iter_mut().enumerate() {
            *slot = Some(ex.spawn(round.task(index)));
        }
        let after = round.until_parked(|| smol::Timer::after(PAUSE)).await;
        round.fire();
        let mut sum = 0u64;
        for task in slots.into_iter().flatten() {
            sum = sum.wrapping_add(task.await);
        }
        round.check(sum, before, after?, runtime)
    })
}

fn smol_local_round(
    ex: &smol::LocalExecutor<'static>,
    count: usize,
    runtime: Runtime,
) -> anyhow::Result<Sample> {
    smol::block_on(ex.run(async {
        let mut round = Round::new(count);
        let mut slots = round.slots();
        let before = Rss::read()?;
        for (index, slot) in slots.iter_mut().enumerate() {
            *slot = Some(ex.spawn(round.task(index)));
        }
        let after = round.until_parked(|| smol::Timer::after(PAUSE)).await;
        round.fire();
        let mut sum = 0u64;
        for task in slots.into_iter().flatten() {
            sum = sum.wrapping_add(task.await);
        }
        round.check(sum, before, after?, runtime)
    }))
}

/// The floor: the same futures in one `join_all`, polled by `block_on` beside a watcher that
/// yields (there is no timer without a runtime) until every task is parked.
fn join_all_round(count: usize, runtime: Runtime) -> anyhow::Result<Sample> {
    futures::executor::block_on(async {
        let mut round = Round::new(count);
        let before = Rss::read()?;
        let wait = round.wait.clone();
        let all = future::join_all((0..count as u64).map(move |i| idle_task(i, wait.clone())));
        let watch = async {
            let after = round.until_parked(rt_futures::YieldNow::default).await;
            round.fire();
            after
        };
        let (outputs, after) = future::join(all, watch).await;
        let sum = outputs.into_iter().fold(0u64, u64::wrapping_add);
        round.check(sum, before, after?, runtime)
    })
}
