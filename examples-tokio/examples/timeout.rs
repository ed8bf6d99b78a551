//! `tokio::time::timeout`: a deadline on any future, its nested `Result`, and cancellation by drop.
//!
//! `timeout(limit, fut)` resolves to `Ok(output)` if `fut` finishes first and to `Err(Elapsed)`
//! once the limit passes. When `fut` itself returns a `Result`, the two layers stay apart:
//! `Ok(Ok(_))` is success, `Ok(Err(_))` is the operation's own error in time, `Err(Elapsed)` means
//! it was too slow. A timed-out future is not left running: it is dropped at the deadline, which
//! is how cancellation works in async Rust, so its remaining work never happens and its
//! destructors run.
//!
//! Guide: 指南 2.5.2.6 定时器 (timeout), 2.5.4.3 超时处理; 教程 定时器和延迟 (超时控制); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example timeout
//! ```
//!
//! Prints one line per outcome (`Ok(Ok)`, `Ok(Err)`, `Err(Elapsed)`) with its elapsed time; the
//! slow operation is reported dropped at about 100 ms, before the timeout itself is printed.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! ```

use std::time::Duration;

use tokio::time::{Instant, sleep, timeout};

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
    sleep(delay).await;
    probe.finished = true;
    if found { Ok("data") } else { Err("not found") }
}

async fn attempt(label: &str, delay: Duration, found: bool) {
    println!("{label}: {} ms operation, {} ms deadline", delay.as_millis(), DEADLINE.as_millis());
    let started = Instant::now();
    let outcome = timeout(DEADLINE, fetch(delay, found)).await;
    // `fetch` lived inside the `Timeout` future, which the `.await` has already dropped; on `Err`
    // that drop cancelled it, so the probe has printed before the outcome below.
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

#[tokio::main]
async fn main() {
    run().await;
}
