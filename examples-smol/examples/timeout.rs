//! A timeout in smol: race the operation against a `Timer`, its nested `Result`, cancel by drop.
//!
//! smol has no `timeout` function; the idiom is a race. `timeout` below runs the operation and a
//! `Timer::after(limit)` with `FutureExt::or`: `Ok(output)` if the operation finishes first,
//! `Err(Elapsed)` once the timer fires. When the operation itself returns a `Result`, the layers
//! stay apart: `Ok(Ok(_))` is success, `Ok(Err(_))` the operation's own error in time, `Err(_)` too
//! slow. A timed-out future is dropped at the deadline, which is how cancellation works in async
//! Rust: its remaining work never happens and its destructors run. Differences from tokio:
//! - no `tokio::time::timeout` nor `Elapsed`: `op.or(timer)`, and the error type is yours.
//! - `or` polls the operation first, so one ready at the deadline still wins, as with tokio.
//!
//! Guide: 指南 2.5.2.6 定时器 (timeout), 2.5.4.3; 教程 定时器和延迟 (超时控制); 2.5.4.3 misses `sleep`.
//!
//! ```text
//! cargo run -p examples-smol --example timeout
//! ```
//!
//! Prints one line per outcome (`Ok(Ok)`, `Ok(Err)`, `Err(Elapsed)`) with its elapsed time; the
//! slow operation is reported dropped at about 100 ms, before the timeout itself is printed.
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! ```

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use smol::Timer;
use smol::future::FutureExt;

const DEADLINE: Duration = Duration::from_millis(100);

/// The timer won the race. smol has no error type for this, so the program defines its own,
/// which prints as tokio's does.
#[derive(Debug)]
struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// Runs `fut` for at most `limit`: smol's spelling of `tokio::time::timeout`.
async fn timeout<T>(limit: Duration, fut: impl Future<Output = T>) -> Result<T, Elapsed> {
    // Both sides of `or` must have the same output, hence the two small async blocks. (`race`
    // would pick at random between them when both are ready.) When the
    // timer side wins, `or` returns and is dropped, and `fut` inside it with it.
    async { Ok(fut.await) }
        .or(async {
            Timer::after(limit).await;
            Err(Elapsed)
        })
        .await
}

/// Reports, when dropped, that the operation holding it never reached its end.
struct CancelProbe {
    started: Instant,
    finished: bool,
}

impl Drop for CancelProbe {
    fn drop(&mut self) {
        if !self.finished {
            println!(
                "  fetch dropped unfinished after {} ms (cancelled)",
                self.started.elapsed().as_millis()
            );
        }
    }
}

/// Stands in for a request that answers after `delay`, or fails with its own error.
async fn fetch(delay: Duration, found: bool) -> Result<&'static str, &'static str> {
    let mut probe = CancelProbe { started: Instant::now(), finished: false };
    Timer::after(delay).await;
    probe.finished = true;
    if found { Ok("data") } else { Err("not found") }
}

async fn attempt(label: &str, delay: Duration, found: bool) {
    println!("{label}: {} ms operation, {} ms deadline", delay.as_millis(), DEADLINE.as_millis());
    let started = Instant::now();
    let outcome = timeout(DEADLINE, fetch(delay, found)).await;
    // `fetch` lived inside the `or` future, which `timeout` has already dropped; on `Err` that drop
    // cancelled it, so the probe has printed before the outcome below.
    let ms = started.elapsed().as_millis();
    match outcome {
        Ok(Ok(data)) => println!("  Ok(Ok({data:?})) after {ms} ms"),
        Ok(Err(e)) => println!("  Ok(Err({e:?})): the operation failed in time, after {ms} ms"),
        Err(elapsed) => println!("  Err(Elapsed): {elapsed}, after {ms} ms"),
    }
}

async fn run() {
    attempt("fast", Duration::from_millis(20), true).await;
    attempt("failing", Duration::from_millis(20), false).await;
    attempt("slow", Duration::from_millis(500), true).await;
}

fn main() {
    smol::block_on(run());
}
