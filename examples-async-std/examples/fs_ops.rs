//! File-system operations with `async_std::fs`: append, nested directories, list, rename, remove.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/fs_ops.rs
//!
//! `OpenOptions::append(true)` makes every write land at the end, where `write(true)` starts at 0
//! and overwrites. `create_dir_all` creates every missing parent and succeeds if the directory
//! exists. `read_dir` returns entries in the file system's order, so a listing is sorted first.
//! `remove_dir` refuses a non-empty directory; `remove_dir_all` does not. Next to the smol twin:
//! - `read_dir`'s `Stream` is read with `next` and `?` (no `try_next`); `DirEntry::path` is an
//!   `async_std::path::PathBuf`;
//! - an unflushed append still lands, from the `File`'s blocking destructor (see `file_io`).
//!
//! Guide: 教程 文件操作 (异步文件操作); what the guide gets wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example fs_ops
//! cargo run -p examples-async-std --example fs_ops -- /some/existing/dir
//! ```
//! The log after two appends and after a plain write, the sorted tree after `create_dir_all` and a
//! rename, `remove_dir` refusing, and the tree after the removals.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::io::ErrorKind;
use std::path::Path;

use async_std::fs::{self, OpenOptions};
use async_std::io::WriteExt;
use async_std::path::PathBuf;
use async_std::stream::StreamExt;
use async_std::task;

/// Appends one line to `path`, creating the file if needed.
async fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    let mut log = OpenOptions::new().create(true).append(true).open(path).await?;
    log.write_all(format!("{line}\n").as_bytes()).await?;
    // Without this, dropping the `File` writes the line from its destructor, blocking this
    // thread until it is done, and an error in that write is never seen.
    log.flush().await
}

/// Every path under `root`, relative to it, sorted; directories end in `/`.
async fn tree(root: &Path) -> std::io::Result<Vec<String>> {
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = vec![PathBuf::from(root)];
    while let Some(dir) = pending.pop() {
        let mut entries = fs::read_dir(&dir).await?;
        while let Some(entry) = entries.next().await {
            let entry = entry?;
            let path = entry.path();
            let relative = path.strip_prefix(root).unwrap_or(&path).display();
            // `file_type` does not follow symlinks, so a link to a directory is not descended.
            if entry.file_type().await?.is_dir() {
                found.push(format!("{relative}/"));
                pending.push(path);
            } else {
                found.push(relative.to_string());
            }
        }
    }
    // `read_dir` order is unspecified: sort so the listing is the same on every system.
    found.sort();
    Ok(found)
}

async fn run(dir: &Path) -> anyhow::Result<()> {
    let log = dir.join("log.txt");
    append_line(&log, "first entry").await?;
    append_line(&log, "second entry").await?;
    println!("log.txt after two appends: {:?}", fs::read_to_string(&log).await?);

    // Without `append`, a write starts at offset 0 and overwrites what is there.
    let mut overwrite = OpenOptions::new().write(true).open(&log).await?;
    overwrite.write_all(b"FIRST").await?;
    overwrite.flush().await?;
    drop(overwrite);
    println!("log.txt after a write without append: {:?}", fs::read_to_string(&log).await?);

    // Twice on purpose: the second call finds everything in place and succeeds.
    let nested = dir.join("nested/directories/deeper");
    fs::create_dir_all(&nested).await?;
    fs::create_dir_all(&nested).await?;
    fs::write(nested.join("a.txt"), "a").await?;
    fs::write(dir.join("nested/b.txt"), "b").await?;
    println!("tree: {:?}", tree(dir).await?);

    fs::rename(&log, dir.join("log.old")).await?;
    println!("after rename log.txt -> log.old: {:?}", tree(dir).await?);

    match fs::remove_dir(dir.join("nested")).await {
        Ok(()) => println!("remove_dir nested/: removed (unexpected, it is not empty)"),
        Err(e) if e.kind() == ErrorKind::DirectoryNotEmpty => {
            println!("remove_dir nested/: {:?}, as expected", e.kind());
        }
        Err(e) => return Err(e.into()),
    }

    fs::remove_file(dir.join("log.old")).await?;
    fs::remove_dir_all(dir.join("nested")).await?;
    println!("after remove_file and remove_dir_all: {:?}", tree(dir).await?);
    Ok(())
}

fn main() -> anyhow::Result<()> {
    // A fresh directory that is ours alone: inside the one given as the first argument, or in the
    // system's temporary directory. Its removal at the end takes only what this program created.
    // (Creating and removing one small directory is quick enough to do synchronously here.)
    let dir = match std::env::args_os().nth(1) {
        Some(parent) => tempfile::tempdir_in(parent)?,
        None => tempfile::tempdir()?,
    };
    task::block_on(run(dir.path()))?;
    dir.close()?;
    Ok(())
}
