//! `LocalExecutor`: `!Send` tasks sharing `Rc<RefCell<_>>` state on one thread.
//!
//! `smol::spawn` needs a `Send` future, because the global executor may run the task on any of its
//! threads; a future that holds an `Rc` is `!Send`. A `LocalExecutor` takes such a future and runs
//! it only inside `executor.run(..)`, on the thread that awaits that, here under `smol::block_on`.
//! Three tasks share one `Rc<RefCell<u32>>`, take turns at each `.await` and never leave the thread
//! that spawned them; each `RefCell` borrow ends before the `.await`, or the next task's
//! `borrow_mut` would panic. Differences from tokio:
//! - the executor is a value: `executor.spawn(..)`, not a free `spawn_local` that finds a context.
//! - its tasks run only while `executor.run(..)` is awaited, like a `LocalSet`'s in `run_until`;
//!   smol has no `LocalRuntime`, whose `block_on` drives them itself.
//! - yielded tasks resume in the order they yielded: the first saw 1, 4, 7 (tokio's: 1, 6, 7).
//!
//! Guide: beyond the guides (running !Send futures: Rc, RefCell, local executors).
//!
//! ```text
//! cargo run -p examples-smol --example local_tasks
//! ```
//!
//! Prints the counts each task saw (interleaved), the final count, and that all ran on one thread.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! ```

use std::cell::RefCell;
use std::rc::Rc;
use std::thread::{self, ThreadId};

use smol::LocalExecutor;
use smol::future::yield_now;

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
        yield_now().await;
    }
    (seen, at_home)
}

/// Spawns three tasks sharing one count on this thread, awaits them all and prints what they saw.
/// The tasks make progress only while `executor.run(..)` is awaited.
async fn run(executor: &LocalExecutor<'_>) {
    let home = thread::current().id();
    let count = Rc::new(RefCell::new(0));
    let mut tasks = Vec::new();
    for name in ["a", "b", "c"] {
        // `smol::spawn(take_turns(..))` would not compile, as another thread could run it:
        //     error: future cannot be sent between threads safely
        //     help: ... the trait `std::marker::Send` is not implemented for `Rc<RefCell<u32>>`
        tasks.push((name, executor.spawn(take_turns(Rc::clone(&count), home))));
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
    println!("LocalExecutor:");
    let executor = LocalExecutor::new();
    smol::block_on(executor.run(run(&executor)));
}
