//! `Weak` back pointers: an `Arc` cycle is never freed; a weak link from child to parent breaks it.
//!
//! `Arc` frees its value when the last strong reference goes. A parent that holds its children in
//! `Arc`s, and children that hold their parent in an `Arc`, keep each other's counts at 1 forever
//! once the outside handles are gone: a silent leak, common in long-lived async services where
//! tasks, registries and callbacks all hold `Arc` clones. The owning direction (parent to child)
//! stays strong; the back pointer becomes a `Weak`, which `upgrade()`s while the parent lives and
//! does not keep it alive. Every node counts its own drop here, so a leak is a number.
//!
//! Guide: 教程 故障排除 3 内存泄漏; see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example weak_refs
//! ```
//!
//! Prints that 0 of 2 nodes were freed with strong links both ways, 2 of 2 with a weak back link,
//! and that the guide's weak `next` already points at a freed node.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["macros", "rt"] }
//! anyhow = "1"
//! ```

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, Weak};

static DROPPED: AtomicUsize = AtomicUsize::new(0);

/// Counts its own drop, and so that of the node holding it.
struct DropCounter;

impl Drop for DropCounter {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Relaxed);
    }
}

/// How a child refers to its parent: the one thing that differs between the leak and the fix.
enum ParentLink {
    Root,
    Strong(Arc<Node>),
    Weak(Weak<Node>),
}

/// A tree node: it owns its children (strong `Arc`s) and links back to its parent.
struct Node {
    parent: ParentLink,
    children: Mutex<Vec<Arc<Node>>>,
    _counter: DropCounter,
}

impl Node {
    fn new(parent: ParentLink) -> Arc<Node> {
        let children = Mutex::default();
        Arc::new(Node { parent, children, _counter: DropCounter })
    }

    /// A new child of `parent`, added to its children.
    fn add_child(parent: &Arc<Node>, weak_back_link: bool) -> Arc<Node> {
        let child = Node::new(if weak_back_link {
            ParentLink::Weak(Arc::downgrade(parent))
        } else {
            ParentLink::Strong(parent.clone())
        });
        // Poisoning needs a panic while the lock is held, and a `push` of an `Arc` cannot panic.
        let mut children = parent.children.lock().expect("never poisoned");
        children.push(child.clone());
        child
    }

    fn parent(&self) -> Option<Arc<Node>> {
        match &self.parent {
            ParentLink::Root => None,
            ParentLink::Strong(parent) => Some(parent.clone()),
            // A strong reference for as long as the caller needs it, or `None` once it is gone.
            ParentLink::Weak(parent) => parent.upgrade(),
        }
    }
}

/// The guide's list node, with its weak forward pointer.
struct ListNode {
    value: i32,
    next: Option<Weak<ListNode>>,
}

async fn run() -> anyhow::Result<()> {
    for (label, weak_back_link) in [("strong both ways:", false), ("weak back link:  ", true)] {
        let parent = Node::new(ParentLink::Root);
        let child = Node::add_child(&parent, weak_back_link);
        // A task working with the child holds a clone, dropped when the task ends.
        let task_child = child.clone();
        let found = tokio::spawn(async move { task_child.parent().is_some() }).await?;
        println!("{label} a task found the parent through the child: {found}");

        let before = DROPPED.load(Relaxed);
        let (watch_parent, watch_child) = (Arc::downgrade(&parent), Arc::downgrade(&child));
        drop((parent, child));
        println!(
            "{label} handles dropped: {} of 2 nodes freed, strong counts left: parent {}, child {}",
            DROPPED.load(Relaxed) - before,
            watch_parent.strong_count(),
            watch_child.strong_count()
        );
    }

    // The guide's way round: the only strong reference to node 2 is the local `second`.
    let head = {
        let second = Arc::new(ListNode { value: 2, next: None });
        ListNode { value: 1, next: Some(Arc::downgrade(&second)) }
    };
    let next = head.next.and_then(|next| next.upgrade()).map(|node| node.value);
    println!(
        "guide's weak next:  list {} -> {next:?}: node 2 was freed as soon as it was built",
        head.value
    );
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    run().await
}
