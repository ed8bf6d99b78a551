//! `task::spawn_local`: `!Send` tasks sharing `Rc<RefCell<_>>` state on one thread.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/local_tasks.rs
//!
//! `task::spawn` needs a `Send` future, because the executor may run the task on any of its
//! threads; a future that holds an `Rc` is `!Send`. `task::spawn_local` (behind async-std's
//! `unstable` feature) takes such a future and puts it on the spawning thread's own executor,
//! which `task::block_on` drives. Three tasks share one `Rc<RefCell<u32>>`, take turns at each
//! `.await` and never leave the thread that spawned them; each `RefCell` borrow ends before the
//! `.await`, or the next task's `borrow_mut` would panic. Next to the smol twin:
//! - no executor value to create and `run`: `spawn_local` finds the calling thread's own, which
//!   `task::block_on` runs, as tokio's `spawn_local` does on a `LocalRuntime`.
//! - the same order of turns (the first saw 1, 4, 7): underneath is the same `async-executor`.
//!
//! Guide: beyond the guides (running !Send futures: Rc, RefCell, local executors).
//! ```text
//! cargo run -p examples-async-std --example local_tasks
//! ```
//! Prints the counts each task saw (interleaved), the final count, and that all ran on one thread.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] }
//! ```

use std::cell::RefCell;
use std::rc::Rc;
use std::thread::{self, ThreadId};

use async_std::task;

/// How many times each task bumps the shared count.
const TURNS: usize = 3;

/// Bumps the shared count `TURNS` times, letting the other tasks run after each bump; returns the
/// counts it saw and whether every turn ran on `home`, the thread that spawned it.
async fn take_turns(count: Rc<RefCell<u32>>, home: ThreadId) -> (Vec<u32>, bool) {
    let mut seen = Vec::new();
    let mut at_home = true;
    for _ in 0..TURNS {
        // Each borrow ends at its `;`. One held across the `.await` below would still be alive
        // when the next task calls `borrow_mut`, which would panic (clippy warns of it).
        *count.borrow_mut() += 1;
        seen.push(*count.borrow());
        at_home &= thread::current().id() == home;
        task::yield_now().await;
    }
    (seen, at_home)
}

/// Spawns three tasks sharing one count on this thread, awaits them all and prints what they saw.
/// The tasks make progress only while this thread is in `task::block_on`.
async fn run() {
    let home = thread::current().id();
    let count = Rc::new(RefCell::new(0));
    let mut tasks = Vec::new();
    for name in ["a", "b", "c"] {
        // `task::spawn(take_turns(..))` would not compile, as another thread could run it:
        //     error: future cannot be sent between threads safely
        //     help: ... the trait `std::marker::Send` is not implemented for `Rc<RefCell<u32>>`
        tasks.push((name, task::spawn_local(take_turns(Rc::clone(&count), home))));
    }
    let mut all_at_home = true;
    for (name, task) in tasks {
        let (seen, at_home) = task.await;
        println!("  task {name} saw the count at {seen:?}");
        all_at_home &= at_home;
    }
    println!("  final count: {}, all on one thread: {all_at_home}", count.borrow());
}

fn main() {
    println!("spawn_local:");
    task::block_on(run());
}
