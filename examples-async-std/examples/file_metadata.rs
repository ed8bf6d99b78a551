//! File metadata with `async_std::fs`: size, kind, symlinks, modification time, the read-only flag.
//! Legacy: discontinued (RUSTSEC-2025-0052); smol twin: examples-smol/examples/file_metadata.rs
//!
//! `fs::metadata` follows symbolic links; `fs::symlink_metadata` describes the link itself, the
//! only way to tell that a path is one. A modification time is worth comparing with now, not
//! reading exactly. The read-only flag comes from the permission bits and says nothing about who
//! may write (root can write a read-only file on Unix). Next to the smol twin:
//! - no `try_exists` either: the helper below keeps every error but `NotFound`, where async-std's
//!   own `Path::exists().await` folds them all into `false` (the last line below).
//!
//! Guide: 指南 2.5.5.1 文件 I/O (文件元数据); what the guide gets wrong: README, Errata.
//! ```text
//! cargo run -p examples-async-std --example file_metadata
//! cargo run -p examples-async-std --example file_metadata -- /some/existing/dir
//! ```
//! Size and kind of a file, a directory and a symlink, a recent mtime, the read-only flag before
//! and after setting it, and a path under a file: `false` to `Path::exists`, an error to
//! `try_exists`.
//!
//! ```toml
//! [dependencies]
//! async-std = "1"
//! tempfile = "3"
//! anyhow = "1"
//! ```

use std::fs::Metadata;
use std::io::ErrorKind;
use std::path::Path;
use std::time::{Duration, SystemTime};

use async_std::fs;
// Unix only: the example creates a symlink.
use async_std::os::unix::fs::symlink;
use async_std::task;

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

/// `tokio::fs::try_exists`, which async-std lacks: separates "not there" (`Ok(false)`) from
/// "cannot tell" (an error, e.g. no permission to look), which `Path::exists` would fold into
/// `false`. Like `try_exists`, it follows symlinks: a dangling link does not exist.
async fn try_exists(path: &Path) -> std::io::Result<bool> {
    match fs::metadata(path).await {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

async fn run(dir: &Path) -> anyhow::Result<()> {
    let file = dir.join("data.txt");
    fs::write(&file, "twelve bytes").await?;
    let subdir = dir.join("subdir");
    fs::create_dir(&subdir).await?;
    let link = dir.join("link-to-data");
    symlink("data.txt", &link).await?;

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
    // `async_std::fs` takes anything that is `AsRef<async_std::path::Path>` (std's paths are) and
    // returns async-std's own `PathBuf`, as here.
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

    let exists = try_exists(&dir.join("missing.txt")).await?;
    println!("missing.txt exists: {exists}");
    let exists = try_exists(&file).await?;
    println!("data.txt exists: {exists}");

    // A path that cannot be looked up at all (a file used as a directory): `Path::exists` says
    // `false` as if it were merely missing; `try_exists` says what went wrong.
    let inside = file.join("inside");
    let said = async_std::path::Path::new(&inside).exists().await;
    match try_exists(&inside).await {
        Ok(exists) => println!("data.txt/inside: Path::exists {said}, try_exists {exists}?!"),
        Err(e) => {
            println!("data.txt/inside: Path::exists {said}, try_exists fails with {:?}", e.kind())
        }
    }
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
