//! The zero-cost claim: a hand-written `Future` state machine and the equivalent `async fn`.
//!
//! The guide says async code costs about what a hand-written state machine does (零成本抽象，
//! 接近手写状态机). This module writes one small computation twice so the claim can be measured:
//!
//! - [`ChecksumMachine`]: an `enum` of states implementing [`Future`] by hand. Every field is a
//!   plain integer, so it is `Unpin`, needs no drop glue and never allocates.
//! - [`checksum_async`]: the same loop as an `async fn`; the compiler turns it into its own state
//!   machine (states "unresumed", "suspended at the `.await`", "returned" and "panicked").
//!
//! Both run `n` steps; each step awaits the same leaf, [`YieldOnce`], which is `Pending` once
//! (after waking its own task) and then `Ready`, so both machines really suspend and resume `n`
//! times, and each step folds the leaf's value into a checksum, so the optimizer cannot delete the
//! work.
//! [`checksum_sync`] is the plain loop both must agree with.
//!
//! [`block_on_noop`] polls a future to completion with [`Waker::noop`]: no runtime, no scheduler,
//! so the benchmark (`benches/benches/state_machine.rs`) compares the two state machines alone.
//!
//! Where the two differ (as compiled by Rust 1.95 for x86-64; read [`sizes`] for your compiler):
//!
//! - Size: 40 bytes by hand, 56 for the `async fn`. The hand-written enum keeps its `Done` state in
//!   the spare values of the leaf's `bool`; the compiler's future has a separate state byte for its
//!   four states, and keeps the argument `n` in its own slot next to the loop's copy of it
//!   (rust-lang/rust#62958).
//! - Code per resume: the hand-written `poll` branches on its state; the generated one jumps
//!   through a table on its state byte, stores both that byte and the leaf's flag at each
//!   suspension, and carries the `Range` iterator of the `for` loop: about 10 % more instructions
//!   per step, and a cleanup path that marks the future "panicked" if a `poll` unwinds. On the
//!   reference machine (AMD Zen 3) the time gap is larger than that, and it is the indirect jump:
//!   built with jump tables off (`-C llvm-args=-min-jump-table-entries=64`) it shrinks to under
//!   10 %.
//! - Pinning: an `async fn` future is never `Unpin` (in general it may borrow from itself across an
//!   `.await`), so it must be pinned (`pin!` or `Box::pin`) before it is polled; the hand-written
//!   one can be polled through `Pin::new(&mut future)`.

use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker, ready};

/// The checksum's starting value (the 64-bit FNV offset basis; any non-zero constant would do).
const SEED: u64 = 0xcbf2_9ce4_8422_2325;

/// One checksum step: cheap, order-dependent, and opaque enough that the loop cannot be folded
/// away.
fn mix(acc: u64, value: u64) -> u64 {
    (acc.rotate_left(5) ^ value).wrapping_mul(0x517c_c1b7_2722_0a95)
}

/// The leaf both state machines await at each step: `Pending` once, after waking its own task (as a
/// runtime's `yield_now` does), then `Ready(value)`.
#[derive(Debug)]
pub struct YieldOnce {
    value: u64,
    yielded: bool,
}

impl YieldOnce {
    /// A leaf that yields once, then returns `value`.
    pub fn new(value: u64) -> Self {
        Self { value, yielded: false }
    }
}

impl Future for YieldOnce {
    type Output = u64;

    // `#[inline]`: a poll this small should be inlinable from other crates, as `std`'s leaves are.
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        if self.yielded {
            Poll::Ready(self.value)
        } else {
            self.yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// The reference result: the same `n`-step checksum as a plain loop, without any future.
pub fn checksum_sync(n: u64) -> u64 {
    (0..n).fold(SEED, mix)
}

/// The `async fn` version: `n` steps, each awaiting a [`YieldOnce`] and mixing its value in.
pub async fn checksum_async(n: u64) -> u64 {
    let mut acc = SEED;
    for i in 0..n {
        acc = mix(acc, YieldOnce::new(i).await);
    }
    acc
}

/// The hand-written version of [`checksum_async`]: the state machine a programmer would write for
/// the same loop, with no boxing and no allocation.
#[derive(Debug)]
pub struct ChecksumMachine {
    state: State,
}

/// The states of [`ChecksumMachine`].
#[derive(Debug)]
enum State {
    /// At step `i` of `n`, awaiting `leaf`, with the checksum of steps `0..i` in `acc`.
    Step { i: u64, n: u64, acc: u64, leaf: YieldOnce },
    /// The output was returned; polling again is the caller's bug.
    Done,
}

impl ChecksumMachine {
    /// A machine that computes the `n`-step checksum when polled to completion.
    pub fn new(n: u64) -> Self {
        Self { state: State::Step { i: 0, n, acc: SEED, leaf: YieldOnce::new(0) } }
    }
}

impl Future for ChecksumMachine {
    type Output = u64;

    // `#[inline]` gives the hand-written `poll` what the compiler gives an `async fn` body: the
    // chance to be inlined into the caller's crate (a coroutine is instantiated where it is used,
    // a plain non-generic function is not). Without it the bench compares crate boundaries.
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        // Every field is `Unpin`, so the machine is too: a plain `&mut`, no pin projection.
        let state = &mut self.get_mut().state;
        loop {
            match state {
                State::Step { i, n, acc, leaf } => {
                    if *i == *n {
                        let output = *acc;
                        *state = State::Done;
                        return Poll::Ready(output);
                    }
                    let value = ready!(Pin::new(&mut *leaf).poll(cx));
                    *acc = mix(*acc, value);
                    *i += 1;
                    *leaf = YieldOnce::new(*i);
                }
                State::Done => panic!("`ChecksumMachine` polled after completion"),
            }
        }
    }
}

/// Polls `future` to completion on the current thread with [`Waker::noop`], re-polling at once
/// after every `Pending`; returns the output and how many polls it took.
///
/// Two things keep it honest as a stand-in for a runtime, minus the scheduler: the waker is hidden
/// from the optimizer (no runtime's waker is a known no-op, and once it is inlined away a
/// hand-written machine collapses into a plain loop), and each poll is one out-of-line call, as a
/// runtime's poll of a task is, so the optimizer cannot fuse this loop with the state machine's.
///
/// Only for futures that make progress every time they are polled, like the two here: a future
/// waiting for another thread or for I/O would make this spin.
pub fn block_on_noop<F: Future>(future: F) -> (F::Output, u64) {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(black_box(Waker::noop()));
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(output) = poll_once(future.as_mut(), &mut cx) {
            return (output, polls);
        }
    }
}

/// One poll, never inlined into [`block_on_noop`]'s loop: the future's `poll` is inlined here.
#[inline(never)]
fn poll_once<F: Future>(future: Pin<&mut F>, cx: &mut Context<'_>) -> Poll<F::Output> {
    future.poll(cx)
}

/// `size_of` the hand-written future and of the `async fn` future, in that order.
///
/// A future's size is fixed by its type, not by `n`: it holds what lives across a suspension
/// point, not anything per step.
pub fn sizes() -> (usize, usize) {
    (size_of_val(&ChecksumMachine::new(0)), size_of_val(&checksum_async(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZES: [u64; 6] = [0, 1, 2, 3, 10, 1000];

    #[test]
    fn both_machines_compute_the_plain_loops_checksum() {
        for n in SIZES {
            let expected = checksum_sync(n);
            assert_eq!(block_on_noop(ChecksumMachine::new(n)).0, expected, "n = {n}");
            assert_eq!(block_on_noop(checksum_async(n)).0, expected, "n = {n}");
        }
        // The checksum depends on every step, so equal results are not an accident of a constant.
        assert_ne!(checksum_sync(10), checksum_sync(11));
        assert_ne!(checksum_sync(0), checksum_sync(1));
    }

    #[test]
    fn both_machines_suspend_once_per_step() {
        for n in SIZES {
            // n suspensions, then the poll that completes.
            assert_eq!(block_on_noop(ChecksumMachine::new(n)).1, n + 1, "n = {n}");
            assert_eq!(block_on_noop(checksum_async(n)).1, n + 1, "n = {n}");
        }
    }

    #[test]
    fn the_leaf_wakes_its_task_before_returning_pending() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::task::Wake;

        struct CountWakes(AtomicUsize);
        impl Wake for CountWakes {
            fn wake(self: Arc<Self>) {
                self.wake_by_ref();
            }
            fn wake_by_ref(self: &Arc<Self>) {
                self.0.fetch_add(1, Ordering::Relaxed);
            }
        }

        let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        let mut machine = ChecksumMachine::new(3);
        let mut polls = 0;
        let output = loop {
            polls += 1;
            // `Unpin`: polled through `Pin::new`, no pinning macro or box needed.
            if let Poll::Ready(output) = Pin::new(&mut machine).poll(&mut cx) {
                break output;
            }
            assert_eq!(wakes.0.load(Ordering::Relaxed), polls, "woken before each Pending");
        };
        assert_eq!((output, polls), (checksum_sync(3), 4));
    }

    #[test]
    fn sizes_are_reported_and_independent_of_n() {
        let (hand_written, async_fn) = sizes();
        assert!(hand_written > 0 && async_fn > 0);
        // Both hold at least the step, the bound and the checksum across the suspension.
        assert!(hand_written >= 3 * size_of::<u64>(), "{hand_written}");
        assert!(async_fn >= 3 * size_of::<u64>(), "{async_fn}");
        assert_eq!(size_of_val(&ChecksumMachine::new(1_000_000)), hand_written);
        assert_eq!(size_of_val(&checksum_async(1_000_000)), async_fn);
        assert_eq!(size_of::<ChecksumMachine>(), hand_written);
    }

    #[test]
    fn the_hand_written_machine_is_unpin_and_owns_no_heap_memory() {
        fn assert_unpin<T: Unpin>() {}
        assert_unpin::<ChecksumMachine>();
        // No drop glue: it owns nothing to free (no `Box`, `Vec`, `Arc`...), so it cannot allocate
        // anything it would keep; and `poll` only writes its own integer fields.
        assert!(!std::mem::needs_drop::<ChecksumMachine>());
    }

    #[test]
    #[should_panic(expected = "polled after completion")]
    fn the_hand_written_machine_panics_when_polled_after_completion() {
        let mut machine = ChecksumMachine::new(0);
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(Pin::new(&mut machine).poll(&mut cx), Poll::Ready(checksum_sync(0)));
        let _ = Pin::new(&mut machine).poll(&mut cx);
    }
}
