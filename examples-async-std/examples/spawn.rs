//! `task::spawn`: tasks that own their data, run concurrently, and return results by `JoinHandle`.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/spawn.rs
//!
//! A spawned task may outlive the function that spawned it, so its future must be `'static`: it
//! cannot borrow the caller's locals, and `async move` gives it its own copy of what it uses.
//! `spawn` returns at once; the task runs alongside the caller, and awaiting its `JoinHandle` gives
//! the task's output itself, with no `JoinError` to unwrap. Next to the smol twin:
//! - dropping a `JoinHandle` detaches the task, which runs on, unwatched, to its end (as in tokio),
//!   where dropping a smol `Task` cancels it; here stopping one takes `handle.cancel().await`,
//!   which returns `None` when the task was stopped before it finished.
//!
//! Guide: 指南 2.5.2.2 (spawn), 2.5.3.2 (spawn 任务); 教程 核心概念 (任务和线程); they `unwrap` tokio's result.
//! ```text
//! cargo run -p examples-async-std --example spawn
//! ```
//! Prints each task's result in spawn order, then that the three 50 ms tasks finished together
//! after about 50 ms, not 150; then that a dropped `JoinHandle` still saw its work finish, and a
//! cancelled one did not (`cancel()` returned `None`).
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! ```

use std::time::{Duration, Instant};

use async_std::channel::{self, Receiver};
use async_std::task::{self, JoinHandle};

/// Spawns 50 ms of work and returns its handle, with a receiver that says whether the work got to
/// the end.
fn spawn_work() -> (JoinHandle<()>, Receiver<()>) {
    let (done, finished) = channel::bounded::<()>(1);
    let handle = task::spawn(async move {
        task::sleep(Duration::from_millis(50)).await;
        // Fails only if `finished` is gone, and it is kept until the answer is in.
        let _ = done.send(()).await;
    });
    // The future owns `done`: if the task is cancelled, the future is dropped, `done` with it, and
    // the channel closes with nothing sent, so `recv` returns `Err`.
    (handle, finished)
}

async fn run() {
    let batches = vec![vec![1, 2, 3], vec![10, 20], vec![7]];
    let started = Instant::now();

    let mut handles = Vec::new();
    for (id, batch) in batches.into_iter().enumerate() {
        // `move` hands this batch to the task; borrowing `batches` instead would not compile,
        // because nothing guarantees the task finishes before `run` returns.
        handles.push(task::spawn(async move {
            task::sleep(Duration::from_millis(50)).await;
            let sum: u32 = batch.iter().sum();
            format!("task {id}: sum of {batch:?} = {sum}")
        }));
    }

    // The tasks are already running; awaiting the handles in spawn order only fixes the order in
    // which their results are printed. Each `await` gives the task's output itself; had the task
    // panicked, the panic would be resumed right here, in the awaiting code.
    for handle in handles {
        let line = handle.await;
        println!("{line}");
    }
    println!("three tasks sleeping 50 ms each finished after {} ms", started.elapsed().as_millis());

    // `let _ = task::spawn(..)` does the same as this `drop`: the task is detached and runs on.
    let (handle, finished) = spawn_work();
    drop(handle);
    println!("JoinHandle dropped:   its work finished: {}", finished.recv().await.is_ok());

    let (handle, finished) = spawn_work();
    let output = handle.cancel().await;
    println!(
        "JoinHandle cancelled: its work finished: {} (cancel() returned {output:?})",
        finished.recv().await.is_ok()
    );
}

fn main() {
    task::block_on(run());
}
