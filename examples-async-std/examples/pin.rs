//! `Pin` and `Unpin` at work: why `&mut fut` needs `pin!`, and how `Box::pin` makes a future movable.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/pin.rs`.
//!
//! An `async` block or `async fn` compiles to a state machine that may hold references into
//! itself (a local borrowed across an `.await`). Moving it after the first poll would leave those
//! references pointing at the old place, so such futures are `!Unpin`, and polling one requires a
//! `Pin`: a promise that it will not move again. `pin!` pins it on the stack (it cannot be moved
//! out afterwards); `Box::pin` pins it on the heap, and the `Pin<Box<_>>` itself is `Unpin`, free
//! to move into a `Vec` or another task while the future inside stays put.
//!
//! Guide: 指南 2.5.2.3 Future 和 Poll (Pin 和 Unpin).
//! The guide boxes a future and awaits it at once, which shows neither `Pin` nor `Unpin` doing
//! anything; here one pinned future is polled across loop iterations and boxed futures are moved.
//!
//! Differences from tokio: no `select!`: `a.race(b)` polls both and returns the first to finish
//! (`a` wins a tie), dropping the other, so the loop body races a borrow of the pinned operation
//! against the next tick. `stream::interval` first fires one period after it is created, where
//! tokio's `interval` fires at once: 2 ticks here before the operation ends at 120 ms, against 3 in
//! the tokio twin. (Each tick is timed from when the previous one was taken, not on a fixed
//! schedule, so on a busy machine the second tick can slip past 120 ms, and only 1 is counted.)
//! `race` and `stream::interval` need `features = ["unstable"]`.
//!
//! ```text
//! cargo run -p examples-async-std --example pin
//! ```
//!
//! Prints which futures are `Unpin`, a long operation that makes progress while ticks interrupt it
//! (it is started once, not restarted), and the results of boxed futures moved through a `Vec`.
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

/// Holds a reference to its own local across an `.await`: the reason such futures are `!Unpin`.
async fn sum_after(delay: Duration) -> u64 {
    let numbers = [1, 2, 3, 4];
    let first_two = &numbers[..2]; // a borrow of this future's own state...
    task::sleep(delay).await; // ...alive across a suspension point
    first_two.iter().sum::<u64>() + numbers[2..].iter().sum::<u64>()
}

async fn run() {
    let fut = sum_after(Duration::from_millis(10));
    println!("async fn future is Unpin: {}", is_unpin!(fut));
    let boxed = Box::pin(fut);
    println!("Pin<Box<that future>> is Unpin: {}", is_unpin!(boxed));
    println!("boxed future's result: {}", boxed.await);

    // One operation, many loop iterations. `&mut op` is a future only if `op: Unpin`; `pin!`
    // provides that, so each `race` polls the *same* operation instead of starting a new one, and
    // dropping the losing borrow at the end of an iteration leaves the operation where it is.
    let started = Instant::now();
    let mut op = pin!(sum_after(Duration::from_millis(120)));
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
    let mut queue: Vec<Pin<Box<dyn Future<Output = u64> + Send>>> = vec![
        Box::pin(sum_after(Duration::from_millis(5))),
        Box::pin(async { 7 }),
    ];
    queue.reverse(); // moves the boxes; the futures inside stay where they were pinned
    for fut in queue {
        println!("moved boxed future's result: {}", fut.await);
    }
}

fn main() {
    task::block_on(run());
}
