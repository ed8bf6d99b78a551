//! `async_std::future::timeout`: a deadline on any future, its nested `Result`, and cancellation by drop.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/timeout.rs`.
//!
//! `timeout(limit, fut)` resolves to `Ok(output)` if `fut` finishes first and to
//! `Err(TimeoutError)` once the limit passes. When `fut` itself returns a `Result`, the two layers
//! stay apart: `Ok(Ok(_))` is success, `Ok(Err(_))` is the operation's own error in time,
//! `Err(TimeoutError)` means it was too slow. A timed-out future is not left running: it is dropped
//! at the deadline, which is how cancellation works in async Rust, so its remaining work never
//! happens and its destructors run.
//!
//! Guide: 指南 2.5.2.6 定时器 (timeout), 2.5.4.3 超时处理; 教程 定时器和延迟 (超时控制).
//! The guide's 2.5.4.3 snippet calls `sleep` without importing it; this also shows that the slow future is dropped at the deadline, in ms instead of seconds.
//!
//! Differences from tokio: the error is `async_std::future::TimeoutError` (it prints `future has
//! timed out`) where tokio has `Elapsed` (`deadline has elapsed`); smol has no `timeout` at all and
//! races a `Timer` instead. Like tokio's, `TimeoutFuture::poll` polls the operation before its
//! timer, so an operation that is ready when the deadline passes still wins. The method form
//! `FutureExt::timeout` needs the `unstable` feature; the function used here does not. For I/O,
//! `async_std::io::timeout` takes a future of `io::Result<T>` and folds the two layers into one
//! `io::Result<T>`, the timeout becoming an error of kind `TimedOut`.
//!
//! ```text
//! cargo run -p examples-async-std --example timeout
//! ```
//!
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
    let mut probe = CancelProbe {
        started: Instant::now(),
        finished: false,
    };
    task::sleep(delay).await;
    probe.finished = true;
    if found { Ok("data") } else { Err("not found") }
}

async fn attempt(label: &str, delay: Duration, found: bool) {
    println!(
        "{label}: {} ms operation, {} ms deadline",
        delay.as_millis(),
        DEADLINE.as_millis()
    );
    let started = Instant::now();
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
