//! Executors by hand: a `LocalExecutor`, an `Executor` on your own threads, and the global one.
//!
//! smol has no runtime builder: an executor is a plain value, and the threads that drive it are
//! yours. A `LocalExecutor` runs its tasks on the one thread that drives it with
//! `block_on(local.run(..))`; an `Executor` on every thread that calls `ex.run(..)`; `smol::spawn`
//! on a global `Executor` started on first use. Each task holds its thread for 10 ms, so a
//! many-threaded executor must spread them. Differences from tokio:
//! - no `Builder`, flavor or worker count: start the threads (`std::thread::Builder` names them),
//!   each running `block_on(ex.run(..))`; the executor works as long as those calls last.
//! - the global executor has `SMOL_THREADS` threads (default 1, not one per core), `smol-1`, ...
//!
//! Guide: 指南 2.5.1.2, 2.5.2.1, 2.5.7.1; 教程 运行时管理; what they get wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example runtime_builder
//! ```
//!
//! Prints the core count, then the threads each executor's tasks ran on: `smol-1` for
//! `smol::spawn`, `main` for the `LocalExecutor`, one `my-worker-N` per core for the `Executor`.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! anyhow = "1"
//! ```

use std::collections::BTreeSet;
use std::num::NonZeroUsize;
use std::thread;
use std::time::Duration;

use smol::{Executor, LocalExecutor, Task};

/// How many tasks each executor gets per thread it should have.
const TASKS_PER_THREAD: usize = 4;
/// How long each task holds its thread.
const WORK: Duration = Duration::from_millis(10);

/// Holds the thread for [`WORK`], as CPU-heavy work would, and returns the thread's name. While one
/// task holds a thread, the executor can only run the next task on another thread, if it has one.
fn busy_work() -> String {
    thread::sleep(WORK);
    thread::current().name().unwrap_or("<unnamed>").to_owned()
}

/// Awaits every task and reports which of the executor's `threads` threads ran them.
async fn describe(label: &str, threads: usize, tasks: Vec<Task<String>>) {
    let mut used = BTreeSet::new();
    for task in tasks {
        used.insert(task.await);
    }
    let names = used.iter().map(String::as_str).collect::<Vec<_>>().join(", ");
    let coverage = if used.len() == threads {
        format!("every one of its {threads}")
    } else {
        format!("only {} of its {threads}", used.len())
    };
    println!("{label}: tasks ran on {coverage} thread(s): {names}");
}

fn run() -> anyhow::Result<()> {
    let cores = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    println!("available_parallelism: {cores}");

    // `smol::spawn`: the global executor, started on first use. Its thread count is read the way
    // smol reads it, to know how many threads to expect.
    let setting = std::env::var("SMOL_THREADS").ok();
    let global_threads = setting.as_deref().and_then(|s| s.parse().ok()).unwrap_or(1);
    let label = match &setting {
        Some(value) => format!("smol::spawn with SMOL_THREADS={value}"),
        None => String::from("smol::spawn with SMOL_THREADS unset"),
    };
    let tasks = (0..TASKS_PER_THREAD * global_threads)
        .map(|_| smol::spawn(async { busy_work() }))
        .collect();
    smol::block_on(describe(&label, global_threads, tasks));

    // The single-thread executor: its tasks run inside `block_on`, on the thread that calls it.
    let local = LocalExecutor::new();
    let tasks = (0..TASKS_PER_THREAD).map(|_| local.spawn(async { busy_work() })).collect();
    smol::block_on(local.run(describe("LocalExecutor", 1, tasks)));

    // A multi-thread executor: an `Executor` plus the threads that run it, which we start, name and
    // size. Thread names show up in debuggers, `top -H` and panic messages.
    let ex = Executor::new();
    let (stop, stopped) = smol::channel::bounded::<()>(1);
    thread::scope(|scope| -> anyhow::Result<()> {
        // Moved into this closure, so it is dropped when the closure returns, on every path, and
        // the threads below always stop before the scope waits for them.
        let stop = stop;
        for i in 0..cores {
            let (ex, stopped) = (&ex, stopped.clone());
            thread::Builder::new()
                .name(format!("my-worker-{i}"))
                .stack_size(3 * 1024 * 1024)
                .spawn_scoped(scope, move || {
                    // Runs tasks until `recv` ends, which it does with `Err` once `stop` is
                    // dropped: the shutdown signal, not a failure.
                    let _ = smol::block_on(ex.run(stopped.recv()));
                })?;
        }
        let tasks =
            (0..TASKS_PER_THREAD * cores).map(|_| ex.spawn(async { busy_work() })).collect();
        smol::block_on(describe("Executor on threads we started", cores, tasks));
        drop(stop);
        Ok(())
    })?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    run()
}
