//! `async_std::future::timeout`: a deadline on any future, its nested `Result`, cancel by drop.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/timeout.rs
//!
//! `timeout(limit, fut)` resolves to `Ok(output)` if `fut` finishes first and to
//! `Err(TimeoutError)` once the limit passes. When `fut` itself returns a `Result`, the layers stay
//! apart: `Ok(Ok(_))` is success, `Ok(Err(_))` the operation's own error in time, `Err(_)` too
//! slow. A timed-out future is dropped at the deadline, which is how cancellation works in async
//! Rust: its remaining work never happens and its destructors run. Next to the smol twin:
//! - smol has no `timeout` and races a `Timer` with `or`; here `TimeoutError` prints `future has
//!   timed out`, and `TimeoutFuture` polls the operation before its timer, so one ready at the
//!   deadline still wins, as with smol's `or` and tokio's `timeout`.
//!
//! Guide: 指南 2.5.2.6 定时器 (timeout), 2.5.4.3; 教程 定时器和延迟 (超时控制); 2.5.4.3 misses `sleep`.
//! ```text
//! cargo run -p examples-async-std --example timeout
//! ```
//! Prints one line per outcome (`Ok(Ok)`, `Ok(Err)`, `Err(TimeoutError)`) with its elapsed time;
//! the slow operation is reported dropped at about 100 ms, before the timeout itself is printed.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! ```

use std::time::{Duration, Instant};

use async_std::future::timeout;
use async_std::task;

const DEADLINE: Duration = Duration::from_millis(100);

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
    task::sleep(delay).await;
    probe.finished = true;
    if found { Ok("data") } else { Err("not found") }
}

async fn attempt(label: &str, delay: Duration, found: bool) {
    println!("{label}: {} ms operation, {} ms deadline", delay.as_millis(), DEADLINE.as_millis());
    let started = Instant::now();
    // The function needs no `unstable` feature (the method `FutureExt::timeout` does). For I/O,
    // `async_std::io::timeout` folds the two layers into one `io::Result`, kind `TimedOut`.
    let outcome = timeout(DEADLINE, fetch(delay, found)).await;
    // `fetch` lived inside the `TimeoutFuture`, which the `.await` has already dropped; on `Err`
    // that drop cancelled it, so the probe has printed before the outcome below.
    let ms = started.elapsed().as_millis();
    match outcome {
        Ok(Ok(data)) => println!("  Ok(Ok({data:?})) after {ms} ms"),
        Ok(Err(e)) => println!("  Ok(Err({e:?})): the operation failed in time, after {ms} ms"),
        Err(e) => println!("  Err(TimeoutError): {e}, after {ms} ms"),
    }
}

async fn run() {
    attempt("fast", Duration::from_millis(20), true).await;
    attempt("failing", Duration::from_millis(20), false).await;
    attempt("slow", Duration::from_millis(500), true).await;
}

fn main() {
    task::block_on(run());
}
