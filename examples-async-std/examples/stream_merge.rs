//! `SelectAll`: several keyed streams merged into one, and one key removed while the rest run on.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/stream_merge.rs
//!
//! A `SelectAll` (from `select_all`, or filled by `push`) polls its streams together and is itself
//! a stream of their items; each stream here maps its items to `(key, item)`. A stream that ends
//! leaves the set by itself, inside `next()`, and `len()` shrinks; once the set is empty, `next()`
//! returns `None`. No `keys()` says who left, so each stream chains an `Ended` item as its last; no
//! `remove(&key)`: each stream is `abortable`, and `abort()` ends it at its next poll, so the set
//! drops it (filtering out removed keys would keep polling it). Next to the smol twin:
//! - only the timer: `stream::interval` (async-std's `unstable` feature) re-arms a period after
//!   each tick taken, so ticks drift a few ms (smol's keep a schedule); counts and order stay.
//!
//! Guide: beyond the guides (merging keyed streams, and removing one while running).
//! ```text
//! cargo run -p examples-async-std --example stream_merge
//! ```
//! Prints, in this order: `a` ended by itself (len() 3 -> 2), `b` removed after 8 items and ended
//! (-> 1), `c` ended by itself (-> 0), `next()` returned `None`; then the counts a=3 b=8 c=3.
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `stream::interval`
//! futures = { version = "0.3", default-features = false, features = ["alloc"] }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::future;
use std::time::Duration;

use async_std::stream::interval;
use async_std::task;
use futures::stream::{self, AbortHandle, BoxStream, SelectAll, StreamExt};

type Key = &'static str;

/// One source: its key, how often it yields, and after how many items it ends by itself (`None`:
/// never; it runs until removed).
struct Source {
    key: Key,
    period: Duration,
    ends_after: Option<usize>,
}

/// `a` ends at about 45 ms, `b` is removed at about 160 ms, `c` ends at about 300 ms: far enough
/// apart that the events always come in this order, on a loaded machine too.
const SOURCES: [Source; 3] = [
    Source { key: "a", period: Duration::from_millis(15), ends_after: Some(3) },
    Source { key: "b", period: Duration::from_millis(20), ends_after: None },
    Source { key: "c", period: Duration::from_millis(100), ends_after: Some(3) },
];
/// The key removed while it runs, once it has yielded this many items.
const REMOVED: Key = "b";
const REMOVE_AFTER: usize = 8;

/// What the merged stream yields for a key: one item of its stream, or the news that it ended.
enum Event {
    Item(usize),
    Ended,
}

/// A `SelectAll` holds one stream type: the finite and the endless one, boxed alike.
type Events = BoxStream<'static, (Key, Event)>;

/// One source as a member of the set: its items carry its key, an `Ended` follows the last one,
/// and the handle's `abort()` ends it early (the `Ended` still follows).
fn keyed(source: &Source) -> (Events, AbortHandle) {
    let key = source.key;
    let (ticks, handle) = stream::abortable(ticks(source));
    let items = ticks.map(move |n| (key, Event::Item(n)));
    let events = items.chain(stream::once(future::ready((key, Event::Ended))));
    (events.boxed(), handle)
}

/// Merges the sources, removes `REMOVED` while it runs, and prints what leaves the set, and how;
/// returns how many items each key yielded.
async fn merge() -> BTreeMap<Key, usize> {
    let mut set = SelectAll::new();
    let mut handles: HashMap<Key, AbortHandle> = HashMap::new();
    for source in &SOURCES {
        let (events, handle) = keyed(source);
        set.push(events);
        handles.insert(source.key, handle);
    }
    println!("len() = {}", set.len());
    let mut counts: BTreeMap<Key, usize> = SOURCES.iter().map(|source| (source.key, 0)).collect();
    let mut len = set.len();
    while let Some((key, event)) = set.next().await {
        match event {
            Event::Item(n) => {
                *counts.entry(key).or_default() += 1;
                if key == REMOVED && n == REMOVE_AFTER {
                    // Ends at its next poll, before any further item: the set then drops it.
                    handles[key].abort();
                    println!("{key}: removed after {n} items; abort() ends it at its next poll");
                }
            }
            Event::Ended => {
                let how = if handles[key].is_aborted() { "as removed" } else { "by itself" };
                println!("{key}: ended {how} after {} items, and leaves the set", counts[key]);
            }
        }
        // `len()` shrinks on the poll after an `Ended`, when the stream returns `None`.
        report_len(&mut len, set.len());
    }
    report_len(&mut len, set.len());
    println!("next() returned None: the set is empty");
    counts
}

/// Items 1, 2, 3, ... one every `period` (each a period after the last was taken), the first a
/// period from now; as many as `ends_after` says.
fn ticks(source: &Source) -> BoxStream<'static, usize> {
    let mut n = 0;
    let numbered = interval(source.period).map(move |_| {
        n += 1;
        n
    });
    match source.ends_after {
        Some(items) => numbered.take(items).boxed(),
        None => numbered.boxed(),
    }
}

/// Prints `len()` whenever it differs from the last one printed.
fn report_len(last: &mut usize, len: usize) {
    if len != *last {
        println!("len() = {len}");
        *last = len;
    }
}

fn describe(source: &Source) -> String {
    let until = match source.ends_after {
        Some(items) => format!("{items} items"),
        None => "until removed".to_owned(),
    };
    format!("{} (every {} ms, {until})", source.key, source.period.as_millis())
}

fn main() {
    let sources: Vec<String> = SOURCES.iter().map(describe).collect();
    println!("merging {}", sources.join(", "));
    let counts = task::block_on(merge());
    let counts: Vec<String> = counts.iter().map(|(key, count)| format!("{key}={count}")).collect();
    println!("counts: {}", counts.join(" "));
}
