//! async-std's one runtime: no builder, sized and named by environment variables, threads counted.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/runtime_builder.rs
//!
//! One global runtime starts at the first spawn or `block_on` and lasts until the process exits.
//! Its size is read once, then, from `ASYNC_STD_THREAD_COUNT` (default: one thread per core); its
//! threads all take the name in `ASYNC_STD_THREAD_NAME`, so they are told apart by `ThreadId`.
//! `task::spawn` runs tasks on them; `spawn_local` keeps a task on the spawning thread's local
//! executor, which `main` runs inside `block_on` and a runtime thread runs always. Next to smol:
//! - no executor to build or drive: only the environment sizes the runtime, before its first use,
//!   so a copy of this program runs with the variables set.
//!
//! Guide: 指南 2.5.1.2, 2.5.2.1, 2.5.7.1; 教程 运行时管理; what they get wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example runtime_builder
//! ASYNC_STD_THREAD_COUNT=3 cargo run -p examples-async-std --example runtime_builder
//! ```
//! The core count; one `async-std/runtime` thread per core for `task::spawn`; `main` for
//! `spawn_local`, a runtime thread for `spawn_local` in a task; three `my-worker` threads in the
//! copy; a named task on an `async-std/runtime` thread.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `unstable` for `task::spawn_local`
//! anyhow = "1"
//! ```

use std::collections::{BTreeSet, HashSet};
use std::num::NonZeroUsize;
use std::process::Command;
use std::thread::{self, ThreadId};
use std::time::Duration;

use async_std::task::{self, JoinHandle};

/// How many tasks each runtime gets per thread it should have.
const TASKS_PER_THREAD: usize = 4;
/// How long each task holds its thread.
const WORK: Duration = Duration::from_millis(10);
/// The argument that makes this program describe only the global runtime: how `run` starts a copy
/// of itself with the environment variables set.
const ONLY_GLOBAL: &str = "--only-global";

/// Holds the thread for [`WORK`], as CPU-heavy work would, and returns the thread's id and name.
/// While one task holds a thread, the runtime can only run the next task on another thread, if it
/// has one.
fn busy_work() -> (ThreadId, String) {
    thread::sleep(WORK);
    let current = thread::current();
    (current.id(), current.name().unwrap_or("<unnamed>").to_owned())
}

/// Awaits every task and reports how many of the runtime's `threads` threads ran them.
async fn describe(label: &str, threads: usize, tasks: Vec<JoinHandle<(ThreadId, String)>>) {
    // Threads are counted by id: every thread of the global runtime has the same name.
    let mut used = HashSet::new();
    let mut names = BTreeSet::new();
    for task in tasks {
        let (id, name) = task.await;
        used.insert(id);
        names.insert(name);
    }
    let names = names.into_iter().collect::<Vec<_>>().join(", ");
    let coverage = if used.len() == threads {
        format!("every one of its {threads}")
    } else {
        format!("only {} of its {threads}", used.len())
    };
    println!("{label}: tasks ran on {coverage} thread(s), named {names}");
}

/// `task::spawn`: the global runtime, as the environment configures it.
fn global_runtime() {
    // The thread count is read the way async-std reads it (an unparsable value counts as unset),
    // to know how many threads to expect.
    let setting = std::env::var("ASYNC_STD_THREAD_COUNT").ok();
    let threads = setting
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| thread::available_parallelism().map_or(1, NonZeroUsize::get))
        .max(1);
    let label = match &setting {
        Some(value) => format!("task::spawn with ASYNC_STD_THREAD_COUNT={value}"),
        None => String::from("task::spawn with ASYNC_STD_THREAD_COUNT unset"),
    };
    // The first `spawn` starts the runtime, with the thread count and name set at this moment.
    let tasks =
        (0..TASKS_PER_THREAD * threads).map(|_| task::spawn(async { busy_work() })).collect();
    task::block_on(describe(&label, threads, tasks));
}

fn run() -> anyhow::Result<()> {
    let cores = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    println!("available_parallelism: {cores}");

    global_runtime();

    // The nearest thing to a single-thread runtime: tasks on the spawning thread's own local
    // executor. This thread, `main`, runs it only while inside `block_on`.
    let tasks = (0..TASKS_PER_THREAD).map(|_| task::spawn_local(async { busy_work() })).collect();
    task::block_on(describe("task::spawn_local", 1, tasks));

    // A runtime thread always drives its own local executor beside the shared queue, so a
    // `spawn_local` from a task running there stays on that thread, with no `block_on` in sight.
    let same_thread = task::block_on(task::spawn(async {
        let spawner = thread::current().id();
        let local = task::spawn_local(async { thread::current().id() }).await;
        local == spawner
    }));
    println!("task::spawn_local from a task::spawn task: ran on its runtime thread: {same_thread}");

    // The runtime above is already running and cannot be resized (and setting the variables from
    // inside needs `unsafe` `std::env::set_var`), so they are shown at work in a fresh process:
    // this same program, asked to describe only its global runtime.
    let child = Command::new(std::env::current_exe()?)
        .arg(ONLY_GLOBAL)
        .env("ASYNC_STD_THREAD_COUNT", "3")
        .env("ASYNC_STD_THREAD_NAME", "my-worker")
        .output()?;
    anyhow::ensure!(
        child.status.success(),
        "the copy started with ASYNC_STD_THREAD_COUNT=3 failed: {}\n{}",
        child.status,
        String::from_utf8_lossy(&child.stderr)
    );
    print!("{}", String::from_utf8(child.stdout)?);

    // The one builder async-std has is for tasks: the name is the task's, the thread keeps its own.
    let (task_name, thread_name) =
        task::block_on(task::Builder::new().name(String::from("my-task")).spawn(async {
            let task_name = task::current().name().unwrap_or("<unnamed>").to_owned();
            (task_name, busy_work().1)
        })?);
    println!("task::Builder named the task `{task_name}`; it ran on thread `{thread_name}`");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some(ONLY_GLOBAL) {
        global_runtime();
        return Ok(());
    }
    run()
}
