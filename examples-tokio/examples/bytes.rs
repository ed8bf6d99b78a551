//! `bytes`: which operations share one buffer and which copy, checked by pointer, not by claim.
//!
//! `Bytes` is a reference-counted view into a buffer: cloning, slicing and splitting make new views
//! of the same memory, so a frame can be handed to many tasks for the cost of a counter increment.
//! Getting data *into* a `BytesMut` (`put`, `extend_from_slice`) is a copy, and so are
//! `copy_from_slice` and `to_vec` on the way out; `freeze`, `Bytes::from(Vec)` and, when no other
//! handle is left, `try_into_mut` move ownership without copying. Each line below compares the
//! addresses of the bytes (`as_ptr`), so every `shares:` is measured.
//!
//! Guide: 指南 2.5.7.2 零拷贝; see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example bytes
//! ```
//!
//! Prints one `shares: true/false` line per operation: `put`, `copy_from_slice` and `to_vec` copy;
//! `freeze`, `clone`, `slice` (also in a task), `split_to`, `split_off`, `Bytes::from(Vec)` and
//! `try_into_mut` share; `is_unique` turns true once the other handles are dropped.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! bytes = "1"
//! anyhow = "1"
//! ```

use bytes::{BufMut, Bytes, BytesMut};

/// Where `part` starts inside `whole`'s memory, or `None` if its bytes live elsewhere.
fn offset_in(whole: &[u8], part: &[u8]) -> Option<usize> {
    let (whole, part) = (whole.as_ptr_range(), part.as_ptr_range());
    (whole.start <= part.start && part.end <= whole.end)
        .then(|| part.start as usize - whole.start as usize)
}

fn report(operation: &str, whole: &[u8], part: &[u8]) {
    match offset_in(whole, part) {
        Some(offset) => println!("{operation}: shares: true (offset {offset})"),
        None => println!("{operation}: shares: false"),
    }
}

async fn run() -> anyhow::Result<()> {
    let source = b"hello, world";
    let mut buf = BytesMut::with_capacity(64);
    buf.put(&source[..7]);
    buf.extend_from_slice(&source[7..]);
    report("BytesMut::put + extend_from_slice", source, &buf);
    let home = buf.as_ptr();

    let frozen: Bytes = buf.freeze();
    println!("freeze: shares: {}", frozen.as_ptr() == home);
    let clone = frozen.clone();
    report("clone", &frozen, &clone);
    let word = frozen.slice(7..12);
    report(&format!("slice(7..12) {word:?}"), &frozen, &word);
    let mut rest = frozen.clone();
    let head = rest.split_to(5);
    report(&format!("split_to(5) {head:?}"), &frozen, &head);
    let tail = rest.split_off(2);
    report(&format!("split_off(2) {tail:?}"), &frozen, &tail);

    // `Bytes` is `Send + 'static`: a task gets its own handle and returns a view, no copy.
    let for_task = frozen.clone();
    let from_task = tokio::spawn(async move { for_task.slice(0..5) }).await?;
    report(&format!("slice made in a task {from_task:?}"), &frozen, &from_task);

    // The buffer is freed when the last handle goes; until then it is shared, not owned.
    println!("is_unique with 6 other handles alive: {}", frozen.is_unique());
    drop((clone, word, rest, head, tail, from_task));
    println!("is_unique after dropping them: {}", frozen.is_unique());
    match frozen.try_into_mut() {
        Ok(mutable) => println!("try_into_mut: shares: {}", mutable.as_ptr() == home),
        Err(_) => println!("try_into_mut: another handle is alive"),
    }

    let vec = b"from a Vec".to_vec();
    let vec_home = vec.as_ptr();
    let owned = Bytes::from(vec);
    println!("Bytes::from(Vec): shares: {}", owned.as_ptr() == vec_home);
    let copied = Bytes::copy_from_slice(&owned);
    report("Bytes::copy_from_slice", &owned, &copied);
    let vec_copy: Vec<u8> = owned.to_vec();
    report("to_vec", &owned, &vec_copy);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
