//! Child processes with `async_std::process::Command`: output, piped stdin, failures and timeouts.
//!
//! async-std is discontinued upstream (RUSTSEC-2025-0052); new code should use smol, whose twin is
//! `examples-smol/examples/process.rs`.
//!
//! `output()` runs a command to the end and collects its status, stdout and stderr. Feeding a
//! child through its stdin needs two things: close stdin when done (drop it), or the child waits
//! for more input forever; and read its stdout *while* writing. A pipe holds little (64 KiB by
//! default on Linux): a child like `cat` that writes as it reads blocks once nobody empties its stdout,
//! stops reading its stdin, and a parent that writes everything before reading blocks too. That
//! deadlock is shown here, caught by a timeout. A non-zero exit is a normal `ExitStatus` to check,
//! a missing program is an `io::Error` of kind `NotFound`, and a child that runs too long is
//! killed *and waited for*, so it does not linger as a zombie; `kill_on_drop(true)` covers the
//! paths that return early with `?`.
//!
//! Guide: 教程 进程和信号 (进程管理).
//! The tutorial writes all of stdin before reading any stdout (a deadlock once the data outgrows
//! the pipes), skips silently if stdin is not piped, and sets no time limit nor `kill_on_drop` (a
//! `Child` dropped by an early `?` keeps running); this reads and writes concurrently, kills what
//! runs too long, and adds the failure cases.
//!
//! Differences from tokio: `async_std::process` exists only with async-std's `unstable` feature,
//! and is the `async-process` crate re-exported, the very types of `smol::process`. `Child::kill`
//! is not async and only sends SIGKILL, where tokio's `kill().await` also waits for the exit: here
//! the wait is a separate `status().await` (tokio's `wait`), without which the child stays a
//! zombie until it is reaped in the background. `output()` on a `Child` takes it by value and
//! reads stdout and stderr while waiting, like tokio's `wait_with_output`. `future::timeout` is
//! tokio's `timeout`, its error a `TimeoutError`; `FutureExt::try_join` (also `unstable`) is
//! `try_join!` for two futures.
//!
//! ```text
//! cargo run -p examples-async-std --example process
//! ```
//!
//! Prints `echo`'s status and output, three lines sorted by `sort`, a 4 MiB write to `cat`
//! detected as stuck and then the same data through `cat` read concurrently, a non-zero exit, a
//! missing program's `NotFound`, and `sleep 10` killed after 100 ms. Unix only (`echo`, `sort`,
//! `cat`, `sh`, `sleep`).
//!
//! ```toml
//! [dependencies]
//! async-std = { version = "1", features = ["unstable"] } # `process`, `FutureExt::try_join`
//! anyhow = "1"
//! ```

use std::io::ErrorKind;
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use anyhow::Context;
use async_std::future::timeout;
use async_std::io::{self, WriteExt};
use async_std::prelude::FutureExt;
use async_std::process::{Command, Stdio};
use async_std::task;

/// Far more than the pipes between parent and `cat` can hold.
const BIG: usize = 4 * 1024 * 1024;
const STUCK_AFTER: Duration = Duration::from_millis(200);
const TOO_LONG: Duration = Duration::from_millis(100);

/// Sends `input` to `sort` and returns its output, writing and reading at the same time.
async fn sort(input: &str) -> anyhow::Result<String> {
    let mut child = Command::new("sort")
        // `sort`'s order depends on the locale; the C locale sorts by bytes everywhere.
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = child.stdin.take().context("stdin is piped")?;
    let feed = async move {
        stdin.write_all(input.as_bytes()).await?;
        // Dropping stdin closes the pipe: the child sees end of input.
        drop(stdin);
        std::io::Result::Ok(())
    };
    // `output` reads stdout (and stderr) while `feed` writes.
    let ((), output) = feed.try_join(child.output()).await?;
    anyhow::ensure!(output.status.success(), "sort failed: {}", output.status);
    Ok(String::from_utf8(output.stdout)?)
}

/// The guide's order, all writes first: with this much data, the write never finishes.
async fn write_then_read(data: &[u8]) -> anyhow::Result<()> {
    let mut child = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = child.stdin.take().context("stdin is piped")?;
    match timeout(STUCK_AFTER, stdin.write_all(data)).await {
        Ok(written) => {
            written?;
            println!("cat, all writes first: the write finished (pipes larger than expected)");
        }
        Err(_timed_out) => println!(
            "cat, all writes first: still writing after {} ms: both pipes are full, a deadlock",
            STUCK_AFTER.as_millis()
        ),
    }
    drop(stdin);
    // Kill the stuck child, then reap it: `kill` only sends the signal.
    child.kill()?;
    child.status().await?;
    Ok(())
}

/// The fix: write and read concurrently.
async fn write_and_read(data: &[u8]) -> anyhow::Result<usize> {
    let mut child = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = child.stdin.take().context("stdin is piped")?;
    let mut stdout = child.stdout.take().context("stdout is piped")?;
    let feed = async move {
        stdin.write_all(data).await?;
        drop(stdin);
        std::io::Result::Ok(())
    };
    let mut echoed = Vec::with_capacity(data.len());
    // `copy` reads through a small buffer. async-std's `read_to_end` would zero the whole spare
    // capacity of `echoed` again each time the pipe is empty: 4 MiB, dozens of times over.
    let drain = io::copy(&mut stdout, &mut echoed);
    // Still bounded: a child that stops reading for another reason must not hang us either.
    timeout(STUCK_AFTER * 10, feed.try_join(drain))
        .await
        .context("cat got stuck even when read concurrently")??;
    let status = child.status().await?;
    anyhow::ensure!(status.success(), "cat failed: {status}");
    anyhow::ensure!(echoed == data, "cat echoed different bytes");
    Ok(echoed.len())
}

async fn run() -> anyhow::Result<()> {
    // 1. Run to the end and collect everything.
    let output = Command::new("echo")
        .arg("hello from a child")
        .output()
        .await?;
    println!(
        "echo: {}, stdout {:?}",
        output.status,
        String::from_utf8_lossy(&output.stdout)
    );

    // 2. Piped stdin: a little, and a lot.
    println!("sort: {:?}", sort("cherry\napple\nbanana\n").await?);
    let data: Vec<u8> = (0..BIG).map(|i| b'a' + (i % 26) as u8).collect();
    write_then_read(&data).await?;
    let echoed = write_and_read(&data).await?;
    println!("cat, writing and reading concurrently: {echoed} bytes back, identical");

    // 3. Failures: a non-zero exit is a status to check; a missing program is an error.
    let output = Command::new("sh")
        .args(["-c", "echo 'no such table' >&2; exit 3"])
        .output()
        .await?;
    println!(
        "sh: success {}, exit code {:?}, stderr {:?}",
        output.status.success(),
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    match Command::new("no-such-program-here").output().await {
        Ok(output) => println!("no-such-program-here: ran?! {}", output.status),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            println!("no-such-program-here: {:?} (handled)", e.kind());
        }
        Err(e) => return Err(e.into()),
    }

    // 4. A time limit: kill what runs too long, and wait for it so no zombie is left.
    let started = Instant::now();
    let mut child = Command::new("sleep").arg("10").kill_on_drop(true).spawn()?;
    let status = match timeout(TOO_LONG, child.status()).await {
        Ok(status) => status?,
        Err(_timed_out) => {
            // `kill` sends SIGKILL and returns; `status` waits for the exit, which reaps the child.
            child.kill()?;
            child.status().await?
        }
    };
    let how = match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => status.to_string(),
    };
    println!(
        "sleep 10: stopped after {} ms, {how}",
        started.elapsed().as_millis()
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    task::block_on(run())
}
