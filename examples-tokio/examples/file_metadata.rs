//! File metadata with `tokio::fs`: size, kind, symlinks, modification time and the read-only flag.
//!
//! `fs::metadata` follows symbolic links; `fs::symlink_metadata` describes the link itself, the
//! only way to tell that a path is one. A modification time has the file system's resolution and
//! clock, so it is compared with now, not read exactly. The read-only flag comes from the
//! permission bits and says nothing about who may write (root can, on Unix).
//!
//! Guide: 指南 2.5.5.1 文件 I/O (文件元数据); see README, Errata.
//!
//! ```text
//! cargo run -p examples-tokio --example file_metadata
//! cargo run -p examples-tokio --example file_metadata -- /some/existing/dir
//! ```
//!
//! Prints size and kind of a file, a directory and a symlink to it, that the file was modified
//! within seconds of now, the read-only flag before and after setting it, and that a missing path
//! does not exist. Unix only (it creates a symlink); a directory argument gets a fresh subdirectory
//! for the files, removed at the end.
//!
//! ```toml
//! [dependencies]
//! tokio = { version = "1", features = ["fs", "macros", "rt-multi-thread"] }
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::fs::Metadata;
use std::path::Path;
use std::time::{Duration, SystemTime};

use tokio::fs;

/// How close to now the modification time of a file written a moment ago must be.
const RECENT: Duration = Duration::from_secs(5);

fn kind(metadata: &Metadata) -> &'static str {
    let file_type = metadata.file_type();
    if file_type.is_symlink() {
        "symlink"
    } else if file_type.is_dir() {
        "directory"
    } else if file_type.is_file() {
        "file"
    } else {
        "other"
    }
}

async fn run(dir: &Path) -> anyhow::Result<()> {
    let file = dir.join("data.txt");
    fs::write(&file, "twelve bytes").await?;
    let subdir = dir.join("subdir");
    fs::create_dir(&subdir).await?;
    let link = dir.join("link-to-data");
    fs::symlink("data.txt", &link).await?;

    let metadata = fs::metadata(&file).await?;
    println!(
        "data.txt: {} bytes, is_file {}, is_dir {}",
        metadata.len(),
        metadata.is_file(),
        metadata.is_dir()
    );
    let metadata = fs::metadata(&subdir).await?;
    println!("subdir: is_file {}, is_dir {}", metadata.is_file(), metadata.is_dir());

    // The same path seen through the link and as the link.
    let followed = fs::metadata(&link).await?;
    let itself = fs::symlink_metadata(&link).await?;
    let target = fs::read_link(&link).await?;
    println!(
        "link-to-data: metadata says {} of {} bytes; symlink_metadata says {} to {}",
        kind(&followed),
        followed.len(),
        kind(&itself),
        target.display()
    );

    // File systems store times with their own resolution, and the file's clock and
    // `SystemTime::now()` need not agree to the nanosecond: compare the distance, in either
    // direction, with a tolerance.
    let modified = fs::metadata(&file).await?.modified()?;
    let now = SystemTime::now();
    let distance = now.duration_since(modified).unwrap_or_else(|in_future| in_future.duration());
    println!("data.txt modified within {} s of now: {}", RECENT.as_secs(), distance <= RECENT);

    // `readonly()` reflects the write permission bits; `set_permissions` changes them.
    let mut permissions = fs::metadata(&file).await?.permissions();
    println!("data.txt readonly: {}", permissions.readonly());
    permissions.set_readonly(true);
    fs::set_permissions(&file, permissions).await?;
    let permissions = fs::metadata(&file).await?.permissions();
    println!("data.txt readonly after set_readonly(true): {}", permissions.readonly());

    // `try_exists` separates "not there" (Ok(false)) from "cannot tell" (an error, e.g. no
    // permission to look), which `Path::exists` would fold into `false`.
    let exists = fs::try_exists(dir.join("missing.txt")).await?;
    println!("missing.txt exists: {exists}");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A fresh directory that is ours alone: inside the one given as the first argument, or in the
    // system's temporary directory. Its removal at the end takes only what this program created.
    // (Creating and removing one small directory is quick enough to do synchronously here.)
    let dir = match std::env::args_os().nth(1) {
        Some(parent) => tempfile::tempdir_in(parent)?,
        None => tempfile::tempdir()?,
    };
    run(dir.path()).await?;
    dir.close()?;
    Ok(())
}
