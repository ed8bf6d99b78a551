//! `smol::spawn`: tasks that own their data, run concurrently, and hand results back through `Task`s.
//!
//! A spawned task may outlive the function that spawned it, so its future must be `'static`: it
//! cannot borrow the caller's locals, and `async move` gives it its own copy of everything it uses.
//! `spawn` returns at once; the task runs alongside the caller, and awaiting its `Task` gives the
//! task's output. The `Task` is more than a handle, though: it owns the task, and dropping it
//! cancels the task, so a task meant to run on unwatched must be `.detach()`ed.
//!
//! Guide: 指南 2.5.2.2 任务调度 (spawn); 教程 核心概念 (任务和线程).
//! The guides `unwrap()` the `JoinHandle`'s result; a smol `Task` yields the output itself, with no error to unwrap.
//!
//! Differences from tokio: awaiting a `Task<T>` gives `T`, not `Result<T, JoinError>`, so there is
//! no `?` on it. Dropping a `Task` cancels the task, where dropping a tokio `JoinHandle` lets it run
//! on; `.detach()` is smol's way to let it run on (both are shown). The tasks run on smol's global
//! executor, which has one thread unless `SMOL_THREADS` says otherwise, not one per core.
//!
//! ```text
//! cargo run -p examples-smol --example spawn
//! ```
//!
//! Prints each task's result in spawn order, then that the three 50 ms tasks finished together after
//! about 50 ms, not 150; then that a dropped `Task` never finished its work and a detached one did.
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
    println!(
        "three tasks sleeping 50 ms each finished after {} ms",
        started.elapsed().as_millis()
    );

    // `let _ = smol::spawn(..)` or an ignored `Task` does the same as this `drop`: it cancels the
    // task at once (the `#[must_use]` warning on `Task` is there to catch it).
    println!(
        "Task dropped:  its work finished: {}",
        work_finished(drop).await
    );
    println!(
        "Task detached: its work finished: {}",
        work_finished(Task::detach).await
    );
}

fn main() {
    smol::block_on(run());
}
