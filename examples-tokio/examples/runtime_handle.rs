//! `Handle`: reaching a running tokio runtime from a plain thread, and joining that thread.
//!
//! Code outside the runtime (a callback from a C library, a thread you started yourself) has no
//! runtime of its own: `Handle::try_current()` fails there, and `tokio::spawn` would panic. Give
//! it a `Handle`, taken with `Handle::current()` inside the runtime, and it can spawn onto the
//! runtime, block on a future with `Handle::block_on` (fine on a plain thread, never on a runtime
//! thread), or `enter()` the runtime so that the implicit lookups work. The thread is then joined,
//! through `spawn_blocking` so that waiting for it does not block a runtime worker.
//!
//! Guide: 教程 运行时管理 (运行时句柄); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example runtime_handle
//! ```
//!
//! Prints whether each thread sees a runtime, the results the plain thread got through the handle,
//! and `plain thread joined`.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! anyhow = "1"
//! ```

use std::thread;
use std::time::Duration;

use tokio::runtime::Handle;

async fn run() -> anyhow::Result<()> {
    println!("runtime task sees a runtime: {}", Handle::try_current().is_ok());
    let handle = Handle::current();

    let plain = thread::spawn(move || -> anyhow::Result<()> {
        println!("plain thread sees a runtime: {}", Handle::try_current().is_ok());

        // Block this (non-runtime) thread until a future finishes on the runtime's drivers.
        let answer = handle.block_on(async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            6 * 7
        });
        println!("plain thread: handle.block_on returned {answer}");

        // Spawn onto the runtime's workers; the JoinHandle is awaited here with block_on too.
        let task = handle.spawn(async { thread::current().name().map(str::to_owned) });
        let worker = handle.block_on(task)?;
        println!("plain thread: a spawned task ran on {worker:?}");

        // `enter` makes this thread's "current runtime" the handle's, so APIs that look it up
        // implicitly (`tokio::spawn`, `Handle::current`) work here while the guard lives.
        let _guard = handle.enter();
        println!("plain thread inside enter(): sees a runtime: {}", Handle::try_current().is_ok());
        Ok(())
    });

    // `JoinHandle::join` blocks; run it on the blocking pool rather than on this runtime thread.
    tokio::task::spawn_blocking(move || plain.join())
        .await?
        .map_err(|_| anyhow::anyhow!("the plain thread panicked"))??;
    println!("plain thread joined");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
