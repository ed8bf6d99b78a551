//! Panics in tasks: smol catches them at the task boundary and re-raises them in whoever awaits.
//!
//! A panic in a spawned task unwinds only that task; the other tasks and the thread go on. Awaiting
//! its `Task` *resumes* the panic in the awaiter, so `FutureExt::catch_unwind` goes around that
//! `.await` and gives the payload back (`&'static str` for `panic!("literal")`, `String` for a
//! formatted one). A detached task's payload is dropped with the task. The default hook prints
//! each panic to stderr once; none of this holds under `panic = "abort"`. Differences from tokio:
//! - no `JoinError`: catching is the awaiter's job; a `Task` is `UnwindSafe`, so `catch_unwind`
//!   needs no `AssertUnwindSafe`.
//! - no `JoinSet`: the set is a `FuturesUnordered` of such catching awaits.
//!
//! Guide: 指南 2.5.6.2 panic 处理; its `catch_unwind` is unused: here it wraps the `.await`.
//!
//! ```text
//! cargo run -p examples-smol --example panic_handling
//! ```
//!
//! Prints three tasks' outcomes (one value, two panics with their messages), the results of five
//! tasks of which one panicked, that a detached task's panic was dropped, and that `main` went on.
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

/// Awaits `task`, turning the panic it would re-raise here into an `Err` describing it. The
/// executor caught the panic (async-executor spawns with async-task's `propagate_panic(true)`)
/// and kept it as the task's result; `Task::poll` resumes it with `resume_unwind`, which does not
/// call the panic hook again. A bare `task.await` would carry it into `block_on` and end `main`.
async fn join<T>(task: Task<T>) -> Result<T, String> {
    task.catch_unwind().await.map_err(|payload| format!("panicked: {}", panic_message(&*payload)))
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
