//! Panics in tasks: tokio catches them at the task boundary and hands them to whoever joins.
//!
//! A panic inside a spawned task unwinds only that task: the runtime catches it, the other tasks
//! and the program go on, and the task's `JoinHandle` (or its `JoinSet`) yields a `JoinError` whose
//! `is_panic()` is true. `into_panic()` returns the payload, a `&'static str` for
//! `panic!("literal")` and a `String` for a formatted message; `std::panic::resume_unwind` would
//! re-raise it where a panic should stay fatal. The default panic hook still writes each panic
//! message to stderr when it happens (`std::panic::set_hook` changes that); only stdout is checked
//! here. None of this applies under `panic = "abort"`, where a panic ends the process.
//!
//! Guide: 指南 2.5.6.2 panic 处理; see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example panic_handling
//! ```
//!
//! Prints each of three spawned tasks' outcomes (one value, two panics with their messages), then
//! the results of a `JoinSet` of five tasks of which one panicked, and that the program went on.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! ```

use std::any::Any;
use std::time::Duration;

use tokio::task::{JoinError, JoinSet};
use tokio::time::sleep;

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

/// What a failed join means: a panic (with its message) or a cancellation.
fn describe(error: JoinError) -> String {
    if error.is_panic() {
        format!("panicked: {}", panic_message(&*error.into_panic()))
    } else {
        "was cancelled".to_owned()
    }
}

async fn parse_order(id: u32, input: &'static str) -> u32 {
    sleep(Duration::from_millis(10)).await;
    match input.parse() {
        Ok(quantity) => quantity,
        Err(e) => panic!("order {id}: cannot parse {input:?}: {e}"),
    }
}

async fn run() {
    let handles = vec![
        tokio::spawn(parse_order(1, "3")),
        tokio::spawn(async { panic!("static message") }),
        tokio::spawn(parse_order(3, "three")),
    ];
    // Joined in spawn order, so the output is the same whichever task finished first.
    for (i, handle) in handles.into_iter().enumerate() {
        match handle.await {
            Ok(quantity) => println!("task {}: returned {quantity}", i + 1),
            Err(e) => println!("task {}: {}", i + 1, describe(e)),
        }
    }

    // A JoinSet reports a member's panic from `join_next` and keeps yielding the others.
    let mut set = JoinSet::new();
    for (id, input) in [(10, "1"), (11, "2"), (12, "x"), (13, "4"), (14, "5")] {
        set.spawn(parse_order(id, input));
    }
    let (mut returned, mut failed) = (Vec::new(), Vec::new());
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(quantity) => returned.push(quantity),
            Err(e) => failed.push(describe(e)),
        }
    }
    // Tasks finish in any order; sort so the output does not depend on it.
    returned.sort_unstable();
    println!("join set: {} returned {returned:?}", returned.len());
    println!("join set: {} {}", failed.len(), failed.join(", "));
    println!("main goes on after {} panicked tasks", 2 + failed.len());
}

#[tokio::main]
async fn main() {
    run().await;
}
