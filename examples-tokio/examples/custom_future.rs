//! A hand-written `Future` that stores its waker and is woken by a real event, not a busy loop.
//!
//! `poll` must never block. When the value is not ready it returns `Pending`, but only after
//! arranging for *someone* to call the waker when it becomes ready: that call is what tells the
//! executor to poll again. A future that calls `cx.waker().wake_by_ref()` itself and returns
//! `Pending` asks to be polled again at once: a spin loop that burns a core until the value is
//! ready. Here both are timed on the same 50 ms wait and their polls counted.
//!
//! Guide: 指南 2.5.2.3 Future 和 Poll (自定义 Future); 教程 核心概念 (异步函数和 Future); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example custom_future
//! ```
//!
//! Prints the poll count of each future: thousands for the self-waking one, exactly 2 for the
//! waker-driven one.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_millis(50);

/// What the producer and the future share: the result once there is one, and the waker to call.
#[derive(Default)]
struct Shared {
    value: Option<u32>,
    waker: Option<Waker>,
}

/// Completes with the value a background thread produces after [`WAIT`].
struct ThreadResult {
    shared: Arc<Mutex<Shared>>,
    polls: u32,
}

impl ThreadResult {
    fn start() -> Self {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let producer = Arc::clone(&shared);
        thread::spawn(move || {
            thread::sleep(WAIT);
            let waker = {
                let mut state = producer.lock().expect("no code panics while holding this lock");
                state.value = Some(42);
                state.waker.take()
            };
            // Wake outside the lock: the woken task may be polled on another thread at once.
            if let Some(waker) = waker {
                waker.wake();
            }
        });
        ThreadResult { shared, polls: 0 }
    }
}

impl Future for ThreadResult {
    type Output = (u32, u32);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls += 1;
        let polls = self.polls;
        let mut state = self.shared.lock().expect("no code panics while holding this lock");
        match state.value {
            Some(value) => Poll::Ready((value, polls)),
            None => {
                // Store the *current* waker: a waker points at a task (work-stealing does not make
                // it stale), but this future may since have been moved into another task, or be
                // polled by a combinator (`FuturesUnordered`, `join_all`) that passes its own
                // waker. Only the latest one is sure to reach whoever polls it next.
                match &mut state.waker {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    slot => *slot = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
}

/// The guides' pattern: ready after a deadline, but it asks to be polled again immediately.
struct BusyDeadline {
    deadline: Instant,
    polls: u32,
}

impl Future for BusyDeadline {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        self.polls += 1;
        if Instant::now() >= self.deadline {
            Poll::Ready(self.polls)
        } else {
            cx.waker().wake_by_ref(); // "poll me again right away": a spin loop
            Poll::Pending
        }
    }
}

async fn run() {
    let busy_polls = BusyDeadline { deadline: Instant::now() + WAIT, polls: 0 }.await;
    println!("self-waking future: ready after {WAIT:?}, polled {busy_polls} times");

    let (value, polls) = ThreadResult::start().await;
    println!("waker-driven future: got {value} after {WAIT:?}, polled {polls} times");
}

#[tokio::main]
async fn main() {
    run().await;
}
