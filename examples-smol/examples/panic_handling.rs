//! Panics in tasks: smol catches them at the task boundary and re-raises them in whoever awaits.
//!
//! A panic inside a spawned task unwinds only that task's poll: the executor catches it (every
//! `async-executor` task is built with `propagate_panic(true)`), destroys the task's future and
//! keeps the panic as the task's result, so the other tasks and the executor thread go on. Awaiting
//! the `Task` then *resumes* that panic in the awaiter (`std::panic::resume_unwind` in
//! `async-task`'s `Task::poll`): a bare `task.await` would carry it into `block_on` and end the
//! program. To observe it instead, await the task under `FutureExt::catch_unwind`, which yields
//! `Err(payload)`; the payload is a `&'static str` for `panic!("literal")` and a `String` for a
//! formatted message. The default panic hook still writes each panic message to stderr when it
//! happens, on the executor's thread (`std::panic::set_hook` changes that; `resume_unwind` does not
//! call the hook again); only stdout is checked here. None of this applies under
//! `panic = "abort"`, where a panic ends the process.
//!
//! Guide: 指南 2.5.6.2 panic 处理.
//! The guide imports `catch_unwind` without using it and discards the message; in smol `catch_unwind` is what the awaiter needs, and here the payload is read back and other tasks are shown to finish.
//!
//! Differences from tokio: no `JoinError`: awaiting a `Task` gives its output or re-raises its
//! panic, so catching is the awaiter's job (`catch_unwind` on the `Task`, which `async-task`
//! declares `UnwindSafe`, so no `AssertUnwindSafe` is needed). No `JoinSet`: the set is a
//! `FuturesUnordered` of such catching awaits. A *detached* task that panics has no awaiter: the
//! process does not abort and the panic surfaces nowhere, its stored payload is dropped with the
//! task (as a tokio task's is when its `JoinHandle` was dropped), leaving only the hook's stderr
//! line; the example checks that its future is destroyed and that the executor thread still runs
//! tasks afterwards.
//!
//! ```text
//! cargo run -p examples-smol --example panic_handling
//! ```
//!
//! Prints each of three spawned tasks' outcomes (one value, two panics with their messages), then
//! the results of a set of five tasks of which one panicked, then that a detached task's panic was
//! dropped while the executor went on, and that the program went on.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! futures = { version = "0.3", default-features = false, features = ["alloc"] }
//! ```

use std::any::Any;
use std::thread;
use std::time::Duration;

use futures::stream::FuturesUnordered;
use smol::future::FutureExt;
use smol::stream::StreamExt;
use smol::{Task, Timer};

/// The text of a panic payload: `panic!` makes a `&'static str` or a `String`.
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&'static str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "(a non-string panic payload)"
    }
}

/// Awaits `task`, turning the panic it would re-raise here into an `Err` describing it.
async fn join<T>(task: Task<T>) -> Result<T, String> {
    task.catch_unwind()
        .await
        .map_err(|payload| format!("panicked: {}", panic_message(&*payload)))
}

async fn parse_order(id: u32, input: &'static str) -> u32 {
    Timer::after(Duration::from_millis(10)).await;
    match input.parse() {
        Ok(quantity) => quantity,
        Err(e) => panic!("order {id}: cannot parse {input:?}: {e}"),
    }
}

async fn run() {
    let tasks = vec![
        smol::spawn(parse_order(1, "3")),
        smol::spawn(async { panic!("static message") }),
        smol::spawn(parse_order(3, "three")),
    ];
    // Joined in spawn order, so the output is the same whichever task finished first.
    for (i, task) in tasks.into_iter().enumerate() {
        match join(task).await {
            Ok(quantity) => println!("task {}: returned {quantity}", i + 1),
            Err(e) => println!("task {}: {e}", i + 1),
        }
    }

    // smol's JoinSet: a set of catching awaits yields a member's panic and keeps yielding the
    // others. The tasks start running at `spawn`, not when the set is first polled.
    let mut set: FuturesUnordered<_> = [(10, "1"), (11, "2"), (12, "x"), (13, "4"), (14, "5")]
        .into_iter()
        .map(|(id, input)| join(smol::spawn(parse_order(id, input))))
        .collect();
    let (mut returned, mut failed) = (Vec::new(), Vec::new());
    while let Some(joined) = set.next().await {
        match joined {
            Ok(quantity) => returned.push(quantity),
            Err(e) => failed.push(e),
        }
    }
    // Tasks finish in any order; sort so the output does not depend on it.
    returned.sort_unstable();
    println!("join set: {} returned {returned:?}", returned.len());
    println!("join set: {} {}", failed.len(), failed.join(", "));

    // A detached task has no awaiter to re-raise its panic in: the executor catches it as for any
    // task, and drops it with the rest of the task, since no `Task` is left to want it.
    let (alive, future_destroyed) = smol::channel::bounded::<()>(1);
    smol::spawn(async move {
        let _alive = alive;
        Timer::after(Duration::from_millis(10)).await;
        panic!("detached: nobody awaits this task");
    })
    .detach();
    // Nothing is ever sent: `recv` returns `Err` once the panicked future is destroyed and the
    // channel's only sender with it.
    let _ = future_destroyed.recv().await;
    // The global executor runs on one thread (`SMOL_THREADS` unset); the panic did not end it.
    let thread = smol::spawn(async { thread::current().name().map(str::to_owned) }).await;
    println!(
        "detached task: panicked, the panic was dropped, and thread {} still runs tasks",
        thread.as_deref().unwrap_or("unnamed")
    );
    println!("main goes on after {} panicked tasks", 3 + failed.len());
}

fn main() {
    smol::block_on(run());
}
