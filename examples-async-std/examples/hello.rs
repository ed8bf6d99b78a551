//! Hello, async-std: `task::block_on` as the entry point, one sleep, and output.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/hello.rs
//!
//! `task::block_on` starts async-std's global runtime on first use and drives `run` to the end. The
//! guide's `#[async_std::main]` does the same, but needs the `attributes` feature; a plain `main`
//! keeps the dependency list to one line. Next to the smol twin:
//! - `task::sleep(d)` gives `()`, where smol's `Timer::after(d)` gives the `Instant` it fired at.
//!
//! Guide: 指南 2.5.3.1 基础使用 (基础应用); it sleeps a whole second, and 100 ms shows the same.
//! ```text
//! cargo run -p examples-async-std --example hello
//! ```
//! Prints `Hello, async-std!`, then after about 100 ms `slept 100 ms`.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! ```

use std::time::{Duration, Instant};

use async_std::task;

async fn run() {
    println!("Hello, async-std!");
    let started = Instant::now();
    task::sleep(Duration::from_millis(100)).await;
    println!("slept {} ms", started.elapsed().as_millis());
}

fn main() {
    task::block_on(run());
}
