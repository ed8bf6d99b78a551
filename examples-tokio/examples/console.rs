//! tokio-console: watch a running program's tasks (polls, wakes, busy and idle time) live.
//!
//! Tokio emits task, timer and wakeup data as `tracing` events only with its `tracing` feature
//! *and* `--cfg tokio_unstable`; `console-subscriber` serves them over gRPC to the `tokio-console`
//! TUI. So the console code and `task::Builder::name` (the names the console shows) compile only
//! under that cfg; a producer sending every 10 ms to an idle consumer runs either way.
//!
//! Guide: 指南 2.5.8.2 Tracing (Tokio Console); see README, Errata.
//! ```text
//! cargo run -p examples-tokio --example console
//! RUSTFLAGS="--cfg tokio_unstable" CONSOLE_RUN_SECS=60 \
//!     cargo run -p examples-tokio --example console
//! cargo install --locked tokio-console
//! tokio-console http://127.0.0.1:6669
//! ```
//! The plain build says how to turn the console on, then `producer sent 30, consumer received 30`
//! after about 300 ms; the other prints its address (`TOKIO_CONSOLE_BIND` sets it) and, with
//! `CONSOLE_RUN_SECS=60`, runs long enough to attach `tokio-console`.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "sync", "time", "tracing"] }
//! console-subscriber = "0.5"
//! anyhow = "1"
//! ```

use std::future::Future;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, interval};

const PERIOD: Duration = Duration::from_millis(10);

/// 300 ms by default, so the test is quick; `CONSOLE_RUN_SECS` gives a human time to attach.
fn run_time() -> anyhow::Result<Duration> {
    match std::env::var("CONSOLE_RUN_SECS") {
        Ok(secs) => Ok(Duration::try_from_secs_f64(secs.parse()?)?),
        Err(_) => Ok(Duration::from_millis(300)),
    }
}

#[cfg(tokio_unstable)]
fn start_console() -> anyhow::Result<()> {
    let addr: std::net::SocketAddr =
        std::env::var("TOKIO_CONSOLE_BIND").as_deref().unwrap_or("127.0.0.1:6669").parse()?;
    // Serves from its own thread and runtime, and also installs a `RUST_LOG` (default: error)
    // logger. If the address is taken, that thread panics (on stderr) and the program runs on.
    console_subscriber::ConsoleLayer::builder().server_addr(addr).init();
    println!("tokio-console: server starting on {addr}; attach with `tokio-console http://{addr}`");
    Ok(())
}

#[cfg(not(tokio_unstable))]
fn start_console() -> anyhow::Result<()> {
    println!(
        "tokio-console: off; run with RUSTFLAGS=\"--cfg tokio_unstable\" cargo run -p examples-tokio --example console"
    );
    Ok(())
}

/// The name is what tokio-console lists the task as; naming needs the unstable task builder.
#[cfg(tokio_unstable)]
fn spawn_named<F>(name: &str, task: F) -> std::io::Result<JoinHandle<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::task::Builder::new().name(name).spawn(task)
}

#[cfg(not(tokio_unstable))]
fn spawn_named<F>(_name: &str, task: F) -> std::io::Result<JoinHandle<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Ok(tokio::spawn(task))
}

async fn run() -> anyhow::Result<()> {
    start_console()?;
    let values = u32::try_from(run_time()?.as_millis() / PERIOD.as_millis())?;

    let started = Instant::now();
    let (tx, mut rx) = mpsc::channel::<u32>(8);
    let producer = spawn_named("producer", async move {
        let mut ticks = interval(PERIOD);
        for value in 0..values {
            ticks.tick().await;
            // Fails only if the consumer is gone; then there is no one left to send to.
            if tx.send(value).await.is_err() {
                return value;
            }
        }
        values
    })?;
    let consumer = spawn_named("consumer", async move {
        let mut received = 0u32;
        // `None` once the producer has finished and dropped its sender.
        while rx.recv().await.is_some() {
            received += 1;
        }
        received
    })?;
    let (sent, received) = (producer.await?, consumer.await?);

    println!("producer sent {sent}, consumer received {received}");
    println!("done after {} ms", started.elapsed().as_millis());
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
