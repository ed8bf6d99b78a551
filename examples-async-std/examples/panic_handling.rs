//! Panics in tasks: caught at the task boundary and raised again in whoever awaits the task.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/panic_handling.rs
//!
//! A panic in a spawned task unwinds only that task; the other tasks and the thread go on. A
//! `JoinHandle` has no error to report it with: awaiting it panics again, in the awaiter, with the
//! same payload, so `futures::FutureExt::catch_unwind` goes around that `.await` and gives the
//! payload back (`&'static str` for `panic!("literal")`, `String` for a formatted one). A detached
//! task's payload is dropped with its output. The default hook prints each panic to stderr once;
//! none of this holds under `panic = "abort"`. Next to the smol twin:
//! - the same machinery: async-executor spawns with async-task's `propagate_panic(true)`, and
//!   `JoinHandle` is `UnwindSafe` like smol's `Task`, so no `AssertUnwindSafe` is needed.
//!
//! Guide: 指南 2.5.6.2 panic 处理; its `catch_unwind` is unused: here it wraps the `.await`.
//! ```text
//! cargo run -p examples-async-std --example panic_handling
//! ```
//! Prints three tasks' outcomes (one value, two panics with their messages), the results of five
//! tasks of which one panicked, that a detached task's panic was dropped, and that `main` went on.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! futures = "0.3"
//! ```

use std::any::Any;
use std::time::Duration;

use async_std::channel::{self, Sender};
use async_std::task::{self, JoinHandle};
use futures::FutureExt;
use futures::stream::{FuturesUnordered, StreamExt};

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

/// Awaits `handle`, catching the panic that awaiting a panicked task re-raises here.
async fn join_catching<T>(handle: JoinHandle<T>) -> Result<T, String> {
    handle.catch_unwind().await.map_err(|payload| format!("panicked: {}", panic_message(&*payload)))
}

async fn parse_order(id: u32, input: &'static str) -> u32 {
    task::sleep(Duration::from_millis(10)).await;
    match input.parse() {
        Ok(quantity) => quantity,
        Err(e) => panic!("order {id}: cannot parse {input:?}: {e}"),
    }
}

/// A panic payload that closes a channel when it is dropped, so `run` can see what the executor
/// does with the panic of a task nobody awaits.
struct ReportsDrop {
    _dropped: Sender<()>,
}

async fn run() {
    let handles = vec![
        task::spawn(parse_order(1, "3")),
        task::spawn(async { panic!("static message") }),
        task::spawn(parse_order(3, "three")),
    ];
    // Joined in spawn order, so the output is the same whichever task finished first.
    for (i, handle) in handles.into_iter().enumerate() {
        match join_catching(handle).await {
            Ok(quantity) => println!("task {}: returned {quantity}", i + 1),
            Err(e) => println!("task {}: {e}", i + 1),
        }
    }

    // The stand-in for tokio's `JoinSet`: each member's outcome as it ends, panics included.
    let mut set: FuturesUnordered<_> = [(10, "1"), (11, "2"), (12, "x"), (13, "4"), (14, "5")]
        .into_iter()
        .map(|(id, input)| join_catching(task::spawn(parse_order(id, input))))
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
    println!("FuturesUnordered: {} returned {returned:?}", returned.len());
    println!("FuturesUnordered: {} {}", failed.len(), failed.join(", "));

    // A detached task (its handle dropped at once) that panics. `recv` fails once the only sender,
    // inside the payload, is dropped: that is, once the executor has disposed of the panic.
    let (dropped_tx, dropped_rx) = channel::bounded::<()>(1);
    task::spawn(async move { std::panic::panic_any(ReportsDrop { _dropped: dropped_tx }) });
    if dropped_rx.recv().await.is_err() {
        println!("detached task: panicked, and the executor dropped the payload");
    }
    let after = task::spawn(parse_order(20, "7")).await;
    println!("a task spawned afterwards returned {after}");
    println!("main goes on after {} panicked tasks", 3 + failed.len());
}

fn main() {
    task::block_on(run());
}
