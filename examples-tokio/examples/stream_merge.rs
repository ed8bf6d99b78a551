//! `StreamMap`: several keyed streams merged into one, and one key removed while the rest run on.
//!
//! A `StreamMap` holds streams under keys and is itself a stream of `(key, item)`: each `next()`
//! yields an item of whichever stream has one. `remove(&key)` takes that key's stream out at once
//! and hands it back (dropped here, it is never polled again). A stream that ends leaves the map by
//! itself, silently, inside `next()`: its key is no longer in `keys()`. Once the map is empty,
//! `next()` returns `None`. The streams share one type, so different ones are boxed.
//!
//! Guide: beyond the guides (merging keyed streams, and removing one while running).
//!
//! ```text
//! cargo run -p examples-tokio --example stream_merge
//! ```
//!
//! Prints, in this order: `a` finished by itself (len() 3 -> 2), `b` removed after 8 items (-> 1),
//! `c` finished by itself (-> 0), `next()` returned `None`; then the counts a=3 b=8 c=3.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! tokio-stream = { version = "0.1", features = ["time"] }
//! ```

use std::collections::BTreeMap;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::{Instant, interval_at};
use tokio_stream::wrappers::IntervalStream;
use tokio_stream::{Stream, StreamExt, StreamMap};

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

/// A `StreamMap` holds one stream type: the finite and the endless one, boxed alike.
type Ticks = Pin<Box<dyn Stream<Item = usize> + Send>>;

/// Merges the sources under their keys, removes `REMOVED` while it runs, and prints what leaves the
/// map, and how; returns how many items each key yielded.
async fn merge() -> BTreeMap<Key, usize> {
    let mut map = StreamMap::new();
    for source in &SOURCES {
        map.insert(source.key, ticks(source));
    }
    println!("len() = {}", map.len());
    let mut counts: BTreeMap<Key, usize> = SOURCES.iter().map(|source| (source.key, 0)).collect();
    // The keys whose streams may still end by themselves; `ended` looks for them in `keys()`.
    let mut watched: Vec<Key> = map.keys().copied().collect();
    let mut len = map.len();
    while let Some((key, n)) = map.next().await {
        *counts.entry(key).or_default() += 1;
        ended(&mut watched, &map, &counts);
        if key == REMOVED && n == REMOVE_AFTER {
            // Out of the map at once: the next `next()` cannot yield another of its items.
            let stream = map.remove(&key);
            watched.retain(|&watched_key| watched_key != key);
            let got = if stream.is_some() { "Some(its stream)" } else { "None" };
            println!("{key}: removed after {n} items; remove() returned {got}, dropped here");
        }
        report_len(&mut len, map.len());
    }
    // The last stream to end emptied the map, and so `next()` returned `None`.
    ended(&mut watched, &map, &counts);
    report_len(&mut len, map.len());
    println!("next() returned None: the map is empty");
    counts
}

/// Reports the watched keys whose streams have ended: the map dropped them inside `next()`.
fn ended(watched: &mut Vec<Key>, map: &StreamMap<Key, Ticks>, counts: &BTreeMap<Key, usize>) {
    for key in watched.extract_if(.., |key| !map.contains_key(key)) {
        println!("{key}: finished by itself after {} items, and left the map", counts[key]);
    }
}

/// Items 1, 2, 3, ... one every `period` on a fixed schedule, the first a period from now; as
/// many as `ends_after` says.
fn ticks(source: &Source) -> Ticks {
    let mut n = 0;
    let start = Instant::now() + source.period;
    let numbered = IntervalStream::new(interval_at(start, source.period)).map(move |_| {
        n += 1;
        n
    });
    match source.ends_after {
        Some(items) => Box::pin(numbered.take(items)),
        None => Box::pin(numbered),
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

#[tokio::main]
async fn main() {
    let sources: Vec<String> = SOURCES.iter().map(describe).collect();
    println!("merging {}", sources.join(", "));
    let counts = merge().await;
    let counts: Vec<String> = counts.iter().map(|(key, count)| format!("{key}={count}")).collect();
    println!("counts: {}", counts.join(" "));
}
