//! `async fn` in traits: generic use, the `Send` bound that spawning needs, `dyn`, async closures.
//!
//! A trait may declare `async fn get(..)` (Rust 1.75), and generic code (`use_it<T: Store>`)
//! awaits it in place. But `tokio::spawn` needs a `Send + 'static` future, and a generic caller
//! cannot know that `T::get`'s future is `Send`: the trait never promised it. The fix declares
//! `fn get(..) -> impl Future<Output = ..> + Send`, still implemented with `async fn`, and checks
//! each impl once (the `trait-variant` crate's macro generates that Send variant). Neither trait
//! is dyn-compatible; one whose method returns a `BoxFuture` is. An async closure (1.85) taken as
//! `impl AsyncFnMut(u32)` returns futures that borrow its captures, as `FnMut(u32) -> Fut` cannot.
//!
//! Guide: beyond the guides (async fn in traits, and the Send bound spawning needs).
//!
//! ```text
//! cargo run -p examples-tokio --example async_traits
//! ```
//!
//! Prints both stores' answers for keys 1 to 3 four ways: generic, spawned, `dyn`, closure.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! futures = "0.3"
//! anyhow = "1"
//! ```

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::time::sleep;

/// The keys every part asks both stores for.
const KEYS: [u32; 3] = [1, 2, 3];

/// `async fn` in a trait. Each impl's future is its own unnamed type, and the trait promises
/// nothing about it beyond its output: in particular not that it is `Send`.
trait Store {
    async fn get(&self, key: u32) -> Option<String>;
}

/// Generic code that awaits the future where it is made needs no more than that.
async fn use_it<T: Store>(t: &T) -> Vec<Option<String>> {
    let mut values = Vec::new();
    for key in KEYS {
        values.push(t.get(key).await);
    }
    values
}

// Spawning it from generic code does not compile, even with `T: Send + Sync + 'static`: some impl
// might hold an `Rc` across an `.await`, and the compiler goes by what the trait promises.
//
//     async fn spawn_it<T: Store + Send + Sync + 'static>(t: Arc<T>) -> anyhow::Result<..> {
//         Ok(tokio::spawn(async move { t.get(1).await }).await?)
//     }
//
//     error: future cannot be sent between threads safely
//         tokio::spawn(async move { t.get(1).await })
//         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ future created by async block is not `Send`
//       = help: within `{async block@..}`, the trait `std::marker::Send` is not implemented
//               for `impl futures::Future<Output = Option<String>>`
//     help: `std::marker::Send` can be made part of the associated future's guarantees for all
//           implementations of `Store::get`

/// The fix: the same method with `+ Send` in the trait. Now each impl is checked for it (one whose
/// future held an `Rc` across an `.await` fails there: "future returned by `get` is not `Send`"),
/// and every caller may rely on it.
trait SendStore {
    fn get(&self, key: u32) -> impl Future<Output = Option<String>> + Send;
}

/// Generic and spawned: each key's `get` runs in its own task, maybe on another worker thread.
/// The `Arc` makes the task `'static`; `T: Send + Sync` makes the `Arc` itself `Send`.
async fn spawn_each<T>(t: Arc<T>) -> anyhow::Result<Vec<Option<String>>>
where
    T: SendStore + Send + Sync + 'static,
{
    let tasks: Vec<_> = KEYS
        .into_iter()
        .map(|key| {
            let t = Arc::clone(&t);
            tokio::spawn(async move { t.get(key).await })
        })
        .collect();
    let mut values = Vec::new();
    for task in tasks {
        values.push(task.await?);
    }
    Ok(values)
}

/// `dyn Store` and `dyn SendStore` do not compile: a vtable holds one function per method, with
/// one return type, and every impl's future is a different type ("error[E0038]: the trait `Store`
/// is not dyn compatible ... because method `get` is `async`"). A boxed future is one type, for an
/// allocation per call: `BoxFuture<'_, T>` is `Pin<Box<dyn Future<Output = T> + Send + '_>>`.
trait DynStore {
    fn get_boxed(&self, key: u32) -> BoxFuture<'_, Option<String>>;
}

/// Every `SendStore` is a `DynStore`: its future, boxed.
impl<T: SendStore> DynStore for T {
    fn get_boxed(&self, key: u32) -> BoxFuture<'_, Option<String>> {
        Box::pin(self.get(key))
    }
}

/// One function for every store, compiled once, called through the vtable.
async fn use_dyn(store: &dyn DynStore) -> Vec<Option<String>> {
    let mut values = Vec::new();
    for key in KEYS {
        values.push(store.get_boxed(key).await);
    }
    values
}

/// Calls `f` on each key in turn. With `AsyncFnMut`, the future of each call may borrow what the
/// closure captured, mutably even, while that call runs (`AsyncFn` for closures that only read).
async fn with_each(keys: &[u32], mut f: impl AsyncFnMut(u32)) {
    for &key in keys {
        f(key).await;
    }
}

// Before 1.85 the helper took `F: FnMut(u32) -> Fut, Fut: Future<Output = ()>`. `Fut` is one type,
// fixed outside the closure, so it cannot borrow from the closure that makes it; with that bound
// the closure in `collect_found`, written `|key| async { .. }`, fails:
//
//     error: captured variable cannot escape `FnMut` closure body
//
// and written `|key| async move { .. }`, it would take `found` away from the closure's next call:
//
//     error[E0507]: cannot move out of `found`, a captured variable in an `FnMut` closure

/// Collects what `store` has for `KEYS` into `found`, a local the async closure borrows mutably.
async fn collect_found<T: Store>(store: &T) -> Vec<String> {
    let mut found = Vec::new();
    with_each(&KEYS, async |key| {
        if let Some(value) = store.get(key).await {
            found.push(value);
        }
    })
    .await;
    found
}

/// Answers from a map in memory, at once: keys 1 and 3.
struct MemoryStore {
    entries: BTreeMap<u32, String>,
}

/// Answers after a delay, as a store across a network would: even keys only.
struct SlowStore {
    delay: Duration,
}

impl MemoryStore {
    fn new() -> Self {
        Self { entries: BTreeMap::from([(1, "one".to_owned()), (3, "three".to_owned())]) }
    }
}

impl SlowStore {
    fn new() -> Self {
        Self { delay: Duration::from_millis(10) }
    }
}

impl Store for MemoryStore {
    async fn get(&self, key: u32) -> Option<String> {
        self.entries.get(&key).cloned()
    }
}

impl Store for SlowStore {
    async fn get(&self, key: u32) -> Option<String> {
        sleep(self.delay).await;
        key.is_multiple_of(2).then(|| format!("slow-{key}"))
    }
}

/// `async fn` implements the `-> impl Future + Send` method as it is, when its future is `Send`.
impl SendStore for MemoryStore {
    async fn get(&self, key: u32) -> Option<String> {
        self.entries.get(&key).cloned()
    }
}

/// So does a plain `fn` returning an `async move` block, for work done before the future starts.
impl SendStore for SlowStore {
    fn get(&self, key: u32) -> impl Future<Output = Option<String>> + Send {
        let delay = self.delay;
        async move {
            sleep(delay).await;
            key.is_multiple_of(2).then(|| format!("slow-{key}"))
        }
    }
}

/// Prints one part's answers, both stores side by side.
fn show(how: &str, memory: impl Debug, slow: impl Debug) {
    println!("{how}:\n  MemoryStore: {memory:?}\n  SlowStore:   {slow:?}");
}

async fn run() -> anyhow::Result<()> {
    let (memory, slow) = (MemoryStore::new(), SlowStore::new());
    println!("keys: {KEYS:?}");
    show("use_it (generic, awaited in place)", use_it(&memory).await, use_it(&slow).await);

    let (memory, slow) = (Arc::new(memory), Arc::new(slow));
    let spawned = (spawn_each(Arc::clone(&memory)).await?, spawn_each(Arc::clone(&slow)).await?);
    show("spawn_each (generic, a tokio::spawn per key, T: SendStore)", spawned.0, spawned.1);

    let stores: [Box<dyn DynStore>; 2] = [Box::new(MemoryStore::new()), Box::new(SlowStore::new())];
    let answers = (use_dyn(stores[0].as_ref()).await, use_dyn(stores[1].as_ref()).await);
    show("use_dyn (Box<dyn DynStore>, get_boxed)", answers.0, answers.1);

    let found = (collect_found(&*memory).await, collect_found(&*slow).await);
    show("collect_found (an async closure pushing into a local it borrows)", found.0, found.1);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}
