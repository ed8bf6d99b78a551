//! Hello, tokio: the `#[tokio::main]` entry point, one timer, and output.
//!
//! `#[tokio::main]` builds a multi-thread runtime and runs `main`'s body on it with `block_on`;
//! everything async in the program happens inside that runtime. The sleep is a timer, not a
//! blocked thread: while it is pending the runtime is free to run other tasks.
//!
//! Guide: 指南 2.5.2.1 项目初始化 (基础应用); 教程 快速开始 (基本示例).
//! The guide sleeps for a whole second; 100 ms shows the same thing without the wait.
//!
//! ```text
//! cargo run -p examples-tokio --example hello
//! ```
//!
//! Prints `Hello, tokio!`, then after about 100 ms `slept 100 ms`.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! ```

use std::time::Duration;

use tokio::time::{Instant, sleep};

async fn run() {
    println!("Hello, tokio!");
    let started = Instant::now();
    sleep(Duration::from_millis(100)).await;
    println!("slept {} ms", started.elapsed().as_millis());
}

#[tokio::main]
async fn main() {
    run().await;
}
