//! Building a tokio runtime by hand: its flavor, its worker count, and what its threads are named.
//!
//! `#[tokio::main]` hides the runtime; building one yourself is how you choose its shape.
//! `Runtime::new()` is not single-threaded: it is the multi-thread scheduler with one worker per
//! core (`available_parallelism`, or the `TOKIO_WORKER_THREADS` variable). A single-thread runtime
//! is `Builder::new_current_thread()`: it runs every task on the thread that calls `block_on`. This
//! program asks each runtime what it is (`runtime_flavor()`, `num_workers()`) instead of trusting a
//! label, and sizes workers with the standard library's `available_parallelism`, not `num_cpus`.
//!
//! Guide: 指南 2.5.2.1 项目初始化 (运行时配置), 2.5.7.1 任务调度器; 教程 运行时管理 (自定义运行时, 运行时配置); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example runtime_builder
//! ```
//!
//! Prints the core count, then one line per runtime: its flavor (`MultiThread` for
//! `Runtime::new()`), its worker count and the name of the thread a spawned task ran on.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["rt", "rt-multi-thread"] }
//! anyhow = "1"
//! ```

use std::num::NonZeroUsize;
use std::thread;

use tokio::runtime::{Builder, Runtime};

/// Spawns a task on `rt` and reports the runtime's flavor, its workers and the task's thread name.
fn describe(label: &str, rt: &Runtime) -> anyhow::Result<()> {
    let flavor = rt.handle().runtime_flavor();
    let workers = rt.metrics().num_workers();
    // `block_on` drives the runtime from this thread; the spawned task runs wherever the scheduler
    // puts it: a worker thread for multi-thread, this very thread for current-thread.
    let thread_name = rt.block_on(async {
        tokio::spawn(async { thread::current().name().unwrap_or("<unnamed>").to_owned() }).await
    })?;
    println!(
        "{label}: flavor {flavor:?}, {workers} worker(s), a spawned task ran on `{thread_name}`"
    );
    Ok(())
}

fn run() -> anyhow::Result<()> {
    let cores = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    println!("available_parallelism: {cores}");

    // What the guides call "single-threaded": in fact the multi-thread scheduler, sized to the machine.
    describe("Runtime::new()", &Runtime::new()?)?;

    // The real single-thread runtime: no worker threads; tasks run inside `block_on` on this thread.
    // `enable_all` turns on the I/O and timer drivers, which a hand-built runtime lacks by default.
    let current = Builder::new_current_thread().enable_all().build()?;
    describe("new_current_thread()", &current)?;

    // A multi-thread runtime sized and named explicitly. Thread names show up in debuggers, `top -H`
    // and panic messages, which is why naming them is worth a line.
    let multi = Builder::new_multi_thread()
        .worker_threads(cores)
        .thread_name("my-worker")
        .thread_stack_size(3 * 1024 * 1024)
        .enable_all()
        .build()?;
    describe("new_multi_thread()", &multi)?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    run()
}
