//! `LocalSet` and `LocalRuntime`: `!Send` tasks sharing `Rc<RefCell<_>>` state on one thread.
//!
//! `tokio::spawn` needs a `Send` future, because a worker thread may steal the task; a future that
//! holds an `Rc` is `!Send`. `task::spawn_local` takes such a future and keeps it on the thread
//! that drives it: inside a `LocalSet` (`run_until`, on any runtime), or on a `LocalRuntime`
//! (stable since tokio 1.51), which needs no `LocalSet`. Three tasks share one `Rc<RefCell<u32>>`,
//! take turns at each `.await` and never leave the thread that spawned them; each `RefCell` borrow
//! ends before the `.await`, or the next task's `borrow_mut` would panic.
//!
//! Guide: beyond the guides (running !Send futures: Rc, RefCell, local executors).
//!
//! ```text
//! cargo run -p examples-tokio --example local_tasks
//! ```
//!
//! Prints, once under a `LocalSet` and once on a `LocalRuntime`, the counts each task saw (they
//! interleave: 1, 6, 7 for the first), the final count, and that all ran on one thread.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1.51", features = ["rt"] }
//! anyhow = "1"
//! ```

use std::cell::RefCell;
use std::rc::Rc;
use std::thread::{self, ThreadId};

use tokio::runtime::{Builder, LocalRuntime};
use tokio::task::{self, LocalSet};

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
        // The runtime wakes the yielded tasks newest first: the second round runs c, b, a.
        task::yield_now().await;
    }
    (seen, at_home)
}

/// Spawns three tasks sharing one count on this thread, awaits them all and prints what they saw.
/// `spawn_local` panics unless it is called inside a `LocalSet` or on a `LocalRuntime`.
async fn run() -> anyhow::Result<()> {
    let home = thread::current().id();
    let count = Rc::new(RefCell::new(0));
    let mut tasks = Vec::new();
    for name in ["a", "b", "c"] {
        // `tokio::spawn(take_turns(..))` would not compile, as a worker thread could steal it:
        //     error: future cannot be sent between threads safely
        //     help: ... the trait `Send` is not implemented for `Rc<RefCell<u32>>`
        tasks.push((name, task::spawn_local(take_turns(Rc::clone(&count), home))));
    }
    let mut all_at_home = true;
    for (name, task) in tasks {
        let (seen, at_home) = task.await?;
        println!("  task {name} saw the count at {seen:?}");
        all_at_home &= at_home;
    }
    println!("  final count: {}, all on one thread: {all_at_home}", count.borrow());
    Ok(())
}

fn main() -> anyhow::Result<()> {
    // A `LocalSet` runs its tasks while `run_until` is awaited, on whichever runtime awaits it.
    println!("LocalSet:");
    let runtime = Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(LocalSet::new().run_until(run()))?;

    // A `LocalRuntime` is a current-thread runtime whose `spawn_local` needs no `LocalSet`.
    println!("LocalRuntime:");
    LocalRuntime::new()?.block_on(run())
}
