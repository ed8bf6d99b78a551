//! Hello, smol: `smol::block_on` as the entry point, one timer, and output.
//!
//! smol has no attribute macro: `main` is an ordinary function that drives the program's future
//! with `smol::block_on`. The sleep is a `Timer`, a future that completes at a deadline; awaiting
//! it does not block the thread. Differences from tokio:
//! - no `#[tokio::main]` and no runtime object to build; `Timer::after(d)` instead of
//!   `tokio::time::sleep(d)`, and it yields the `Instant` it fired at.
//!
//! Guide: 指南 2.5.3.1 基础使用 (the async-std hello, in smol); 教程 快速开始.
//!
//! ```text
//! cargo run -p examples-smol --example hello
//! ```
//!
//! Prints `Hello, smol!`, then after about 100 ms `slept 100 ms`.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! ```

use std::time::{Duration, Instant};

use smol::Timer;

async fn run() {
    println!("Hello, smol!");
    let started = Instant::now();
    Timer::after(Duration::from_millis(100)).await;
    println!("slept {} ms", started.elapsed().as_millis());
}

fn main() {
    smol::block_on(run());
}
