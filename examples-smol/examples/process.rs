//! Child processes with `smol::process::Command`: output, piped stdin, failures and timeouts.
//!
//! `output()` runs a command to the end and collects its status, stdout and stderr. Feeding a
//! child's stdin needs two things: drop stdin when done, or the child waits for more forever; and
//! read its stdout *while* writing, or a child like `cat` blocks on its full stdout pipe, stops
//! reading, and the parent's writes block too: a deadlock, shown here and caught by a timeout. A
//! non-zero exit is a status to check, a missing program a `NotFound` error, and a child that runs
//! too long is killed *and waited for*; `kill_on_drop(true)` covers early returns. Next to tokio:
//! - `Child::kill` only sends SIGKILL (tokio's `kill().await` also waits): wait with `status()`.
//!
//! Guide: 教程 进程和信号 (进程管理); what the guide gets wrong: README, Errata.
//!
//! ```text
//! cargo run -p examples-smol --example process
//! ```
//!
//! Prints `echo`'s output, three lines sorted by `sort`, a 4 MiB write to `cat` stuck, then the
//! same data through `cat` read concurrently, a non-zero exit, a missing program's `NotFound`, and
//! `sleep 10` killed after 100 ms. Unix only (`echo`, `sort`, `cat`, `sh`, `sleep`).
//!
//! ```toml
//! [dependencies]
//! smol = "2"
//! anyhow = "1"
//! ```

use std::future::Future;
use std::io::ErrorKind;
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use anyhow::Context;
use smol::Timer;
use smol::future::{self, FutureExt};
use smol::io::AsyncWriteExt;
use smol::process::{Command, Stdio};

/// Far more than the pipes between parent and `cat` can hold.
const BIG: usize = 4 * 1024 * 1024;
const STUCK_AFTER: Duration = Duration::from_millis(200);
const TOO_LONG: Duration = Duration::from_millis(100);

/// `fut`'s output, or `None` if `limit` passes first (and `fut` is dropped): tokio's `timeout`,
/// made of a `Timer` and `or`.
async fn timeout<T>(limit: Duration, fut: impl Future<Output = T>) -> Option<T> {
    async { Some(fut.await) }
        .or(async {
            Timer::after(limit).await;
            None
        })
        .await
}

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
    let ((), output) = future::try_zip(feed, child.output()).await?;
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
        Some(written) => {
            written?;
            println!("cat, all writes first: the write finished (pipes larger than expected)");
        }
        None => println!(
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
    // `copy` reads through a small buffer. futures-lite's `read_to_end` would zero the whole spare
    // capacity of `echoed` again each time the pipe is empty: 4 MiB, dozens of times over.
    let drain = smol::io::copy(&mut stdout, &mut echoed);
    // Still bounded: a child that stops reading for another reason must not hang us either.
    timeout(STUCK_AFTER * 10, future::try_zip(feed, drain))
        .await
        .context("cat got stuck even when read concurrently")??;
    let status = child.status().await?;
    anyhow::ensure!(status.success(), "cat failed: {status}");
    anyhow::ensure!(echoed == data, "cat echoed different bytes");
    Ok(echoed.len())
}

async fn run() -> anyhow::Result<()> {
    // 1. Run to the end and collect everything.
    let output = Command::new("echo").arg("hello from a child").output().await?;
    println!("echo: {}, stdout {:?}", output.status, String::from_utf8_lossy(&output.stdout));

    // 2. Piped stdin: a little, and a lot.
    println!("sort: {:?}", sort("cherry\napple\nbanana\n").await?);
    let data: Vec<u8> = (0..BIG).map(|i| b'a' + (i % 26) as u8).collect();
    write_then_read(&data).await?;
    let echoed = write_and_read(&data).await?;
    println!("cat, writing and reading concurrently: {echoed} bytes back, identical");

    // 3. Failures: a non-zero exit is a status to check; a missing program is an error.
    let output =
        Command::new("sh").args(["-c", "echo 'no such table' >&2; exit 3"]).output().await?;
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
        Some(status) => status?,
        None => {
            // `kill` sends SIGKILL and returns; `status` waits for the exit, which reaps the child
            // (unwaited, it stays a zombie until async-process reaps it in the background).
            child.kill()?;
            child.status().await?
        }
    };
    let how = match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => status.to_string(),
    };
    println!("sleep 10: stopped after {} ms, {how}", started.elapsed().as_millis());
    Ok(())
}

fn main() -> anyhow::Result<()> {
    smol::block_on(run())
}
