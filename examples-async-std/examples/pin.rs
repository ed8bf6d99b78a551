//! `Pin` and `Unpin` at work: why `&mut fut` needs `pin!`, and how `Box::pin` lets futures move.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/pin.rs
//!
//! An `async` block or `async fn` compiles to a state machine that may hold references into itself
//! (a local borrowed across an `.await`), so the compiler makes every such future `!Unpin`, whether
//! or not it borrows itself, and polling it requires a `Pin`: a promise that it will not move
//! again. `pin!` pins it on the stack; `Box::pin` pins it on the heap, and the `Pin<Box<_>>` itself
//! is `Unpin`, free to move into a `Vec` or another task. Next to the smol twin:
//! - `a.race(b)` (smol: `future::or`) polls `a` first and drops the loser, so the loop races a
//!   borrow of the pinned operation against the next tick; it needs the `unstable` feature;
//! - `stream::interval` ticks a period from the last tick taken, not on smol's fixed schedule.
//!
//! Guide: 指南 2.5.2.3 Future 和 Poll (Pin 和 Unpin); it awaits its boxed future at once, showing none.
//! ```text
//! cargo run -p examples-async-std --example pin
//! ```
//! Prints which futures are `Unpin` (no `async` one is), a long operation that progresses while
//! ticks interrupt it (started once, not restarted), and boxed futures moved through a `Vec`.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # for `race` and `stream::interval`
//! ```

use std::future::Future;
use std::marker::PhantomData;
use std::pin::{Pin, pin};
use std::time::{Duration, Instant};

use async_std::prelude::FutureExt;
use async_std::stream::{self, StreamExt};
use async_std::task;

/// Reports whether `T` is `Unpin`, decided by the compiler at the call site ("autoref
/// specialisation"): the first trait's method is picked when `T: Unpin`, otherwise the second's.
struct Probe<T>(PhantomData<T>);
fn probe<T>(_: &T) -> Probe<T> {
    Probe(PhantomData)
}
trait UnpinYes {
    fn is_unpin(&self) -> bool {
        true
    }
}
impl<T: Unpin> UnpinYes for Probe<T> {}
trait UnpinNo {
    fn is_unpin(&self) -> bool {
        false
    }
}
impl<T> UnpinNo for &Probe<T> {}
macro_rules! is_unpin {
    ($value:expr) => {
        (&probe(&$value)).is_unpin()
    };
}

/// Holds a reference to its own local across an `.await`: why the compiler makes every `async`
/// future `!Unpin`, since it does not check whether a given one really borrows itself.
async fn sum_after(delay: Duration) -> u64 {
    let numbers = [1, 2, 3, 4];
    let first_two = &numbers[..2]; // a borrow of this future's own state...
    task::sleep(delay).await; // ...alive across a suspension point
    first_two.iter().sum::<u64>() + numbers[2..].iter().sum::<u64>()
}

async fn run() {
    let fut = sum_after(Duration::from_millis(10));
    println!("async fn future is Unpin: {}", is_unpin!(fut));
    // No locals, no borrows, and still `!Unpin`: every `async` block and `async fn` future is.
    let plain = async { 7 };
    println!("async block that borrows nothing is Unpin: {}", is_unpin!(plain));
    let boxed = Box::pin(fut);
    println!("Pin<Box<that future>> is Unpin: {}", is_unpin!(boxed));
    println!("boxed future's result: {}", boxed.await);

    // One operation, many loop iterations. `&mut op` is a future only if `op: Unpin`; `pin!`
    // provides that, so each `race` polls the *same* operation instead of starting a new one, and
    // dropping the losing borrow at the end of an iteration leaves the operation where it is.
    let started = Instant::now();
    let mut op = pin!(sum_after(Duration::from_millis(120)));
    // The first tick comes a period after this (tokio's comes at once: 3 ticks there, 2 here),
    // and each later one a period after the last was taken, so on a busy machine the second can
    // slip past 120 ms and only 1 is counted.
    let mut ticker = stream::interval(Duration::from_millis(50));
    let mut ticks = 0;
    let total = loop {
        let finished = async { Some((&mut op).await) }
            .race(async {
                ticker.next().await;
                None
            })
            .await;
        match finished {
            Some(total) => break total,
            None => ticks += 1,
        }
    };
    println!(
        "pinned operation finished with {total} after {} ms and {ticks} ticks, started once",
        started.elapsed().as_millis()
    );

    // Boxed and pinned, futures of different types share one type and can be moved around freely.
    let mut queue: Vec<Pin<Box<dyn Future<Output = u64> + Send>>> =
        vec![Box::pin(sum_after(Duration::from_millis(5))), Box::pin(async { 7 })];
    queue.reverse(); // moves the boxes; the futures inside stay where they were pinned
    for fut in queue {
        println!("moved boxed future's result: {}", fut.await);
    }
}

fn main() {
    task::block_on(run());
}
