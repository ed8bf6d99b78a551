//! `Pin` and `Unpin` at work: why `&mut fut` needs `pin!`, and how `Box::pin` lets futures move.
//!
//! An `async` block or `async fn` compiles to a state machine that may hold references into itself
//! (a local borrowed across an `.await`), so the compiler makes every such future `!Unpin`, whether
//! or not it borrows itself, and polling it requires a `Pin`: a promise that it will not move
//! again. `pin!` pins it on the stack (it cannot be moved out afterwards); `Box::pin` pins it on
//! the heap, and the `Pin<Box<_>>` itself is `Unpin`, free to move into a `Vec` or another task
//! while the future inside stays put.
//!
//! Guide: 指南 2.5.2.3 Future 和 Poll (Pin 和 Unpin); it awaits its boxed future at once, showing none.
//!
//! ```text
//! cargo run -p examples-tokio --example pin
//! ```
//!
//! Prints which futures are `Unpin`, a long operation that makes progress while ticks interrupt it
//! (it is started once, not restarted), and the results of boxed futures moved through a `Vec`.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! ```

use std::future::Future;
use std::marker::PhantomData;
use std::pin::{Pin, pin};
use std::time::Duration;

use tokio::time::{Instant, interval, sleep};

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
    sleep(delay).await; // ...alive across a suspension point
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
    // provides that, so each `select!` polls the *same* operation instead of starting a new one.
    let started = Instant::now();
    let mut op = pin!(sum_after(Duration::from_millis(120)));
    let mut ticker = interval(Duration::from_millis(50));
    let mut ticks = 0;
    let total = loop {
        tokio::select! {
            total = &mut op => break total,
            _ = ticker.tick() => ticks += 1,
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

#[tokio::main]
async fn main() {
    run().await;
}
