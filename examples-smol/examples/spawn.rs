//! `smol::spawn`: tasks that own their data, run concurrently, and hand results back by `Task`.
//!
//! A spawned task may outlive the function that spawned it, so its future must be `'static`: it
//! cannot borrow the caller's locals, and `async move` gives it its own copy of what it uses.
//! `spawn` returns at once; the task runs alongside the caller, and awaiting its `Task` gives the
//! task's output. The `Task` owns the task: dropping it cancels the task, so one meant to run on
//! unwatched must be `.detach()`ed. Differences from tokio:
//! - awaiting a `Task<T>` gives `T`, not `Result<T, JoinError>`: nothing to `unwrap`, no `?`.
//! - a dropped `Task` cancels its task; a dropped `JoinHandle` lets it run on, as `.detach()` does.
//! - the global executor has one thread unless `SMOL_THREADS` says otherwise, not one per core.
//!
//! Guide: 指南 2.5.2.2 任务调度 (spawn); 教程 核心概念 (任务和线程); they `unwrap` tokio's result.
//!
//! ```text
//! cargo run -p examples-smol --example spawn
//! ```
//!
//! Prints each task's result in spawn order, that the three 50 ms tasks finished together after
//! about 50 ms, not 150, and that a dropped `Task`'s work never finished, a detached one's did.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! ```

use std::time::{Duration, Instant};

use smol::{Task, Timer};

/// Spawns 50 ms of work, hands its `Task` to `handle`, and says whether the work got to the end.
async fn work_finished(handle: impl FnOnce(Task<()>)) -> bool {
    let (done, finished) = smol::channel::bounded::<()>(1);
    let task = smol::spawn(async move {
        Timer::after(Duration::from_millis(50)).await;
        // Fails only if `finished` is gone, and it is kept until the answer is in.
        let _ = done.send(()).await;
    });
    handle(task);
    // The future owns `done`: if the task is cancelled, the future is dropped, `done` with it, and
    // the channel closes with nothing sent, so `recv` returns `Err`.
    finished.recv().await.is_ok()
}

async fn run() {
    let batches = vec![vec![1, 2, 3], vec![10, 20], vec![7]];
    let started = Instant::now();

    let mut tasks = Vec::new();
    for (id, batch) in batches.into_iter().enumerate() {
        // `move` hands this batch to the task; borrowing `batches` instead would not compile,
        // because nothing guarantees the task finishes before `run` returns.
        tasks.push(smol::spawn(async move {
            Timer::after(Duration::from_millis(50)).await;
            let sum: u32 = batch.iter().sum();
            format!("task {id}: sum of {batch:?} = {sum}")
        }));
    }

    // The tasks are already running; awaiting them in spawn order only fixes the order in which
    // their results are printed. Each `await` gives the task's output itself; had the task
    // panicked, the panic would be resumed right here, in the awaiting code.
    for task in tasks {
        let line = task.await;
        println!("{line}");
    }
    println!("three tasks sleeping 50 ms each finished after {} ms", started.elapsed().as_millis());

    // A bare `smol::spawn(..);` does the same as this `drop`: it cancels the task at once, and the
    // `#[must_use]` on `Task` warns about it. `let _ = smol::spawn(..)` cancels it too, but
    // silences that warning: only clippy's `let_underscore_future` flags that form.
    println!("Task dropped:  its work finished: {}", work_finished(drop).await);
    println!("Task detached: its work finished: {}", work_finished(Task::detach).await);
}

fn main() {
    smol::block_on(run());
}
