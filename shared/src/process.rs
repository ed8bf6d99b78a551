//! Starting an example as a child process, talking to it, and stopping it with a signal.
//!
//! The tests of servers and clients use this: start the example's binary (the crate's own build,
//! found as [`crate::harness`] finds it), wait for a server's `listening on <addr>` line, drive it,
//! send SIGINT, and check that it prints `shutdown complete` and exits 0. Every wait has a timeout,
//! and a child still running when its [`ExampleProcess`] is dropped is killed, so a broken example
//! fails its test instead of hanging it or outliving it.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::harness::{examples_bin_dir, find_binary};

/// Makes closing `stream` send a TCP reset (RST) instead of an orderly FIN, by setting SO_LINGER
/// to zero: how a test plays a client that aborts mid-transfer. (tokio's `TcpStream` has
/// `set_zero_linger`; std's and the smol family's sockets do not.)
pub fn reset_on_close(stream: &std::net::TcpStream) -> std::io::Result<()> {
    let linger = nix::libc::linger { l_onoff: 1, l_linger: 0 };
    nix::sys::socket::setsockopt(stream, nix::sys::socket::sockopt::Linger, &linger)
        .map_err(std::io::Error::from)
}

/// How long a server may take to print its `listening on` line.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// The path of the crate's own build of example `name`; `manifest_dir` is
/// `env!("CARGO_MANIFEST_DIR")` of the test's crate. Panics with advice if it was not built.
pub fn example_binary(manifest_dir: &str, name: &str) -> PathBuf {
    find_binary(Path::new(manifest_dir), &examples_bin_dir(), name)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A running example with its stdout read line by line and its stderr collected.
pub struct ExampleProcess {
    child: Child,
    stdout_lines: Receiver<String>,
    stdout_seen: Vec<String>,
    stderr: Option<thread::JoinHandle<String>>,
}

/// How an example ended.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    /// Every stdout line, including those already read with [`ExampleProcess::next_line`].
    pub stdout: Vec<String>,
    pub stderr: String,
}

impl ExampleProcess {
    /// Starts example `name` of the crate at `manifest_dir` with `args`.
    pub fn start(manifest_dir: &str, name: &str, args: &[&str]) -> Self {
        let mut command = Command::new(example_binary(manifest_dir, name));
        command.args(args);
        Self::spawn(command)
    }

    /// Starts a server example on `args` (the first is normally `127.0.0.1:0`) and waits for its
    /// first stdout line, `listening on <addr>`; returns the process and that address.
    pub fn start_server(manifest_dir: &str, name: &str, args: &[&str]) -> (Self, SocketAddr) {
        let mut command = Command::new(example_binary(manifest_dir, name));
        command.args(args);
        Self::spawn_server(command)
    }

    /// Like [`ExampleProcess::start_server`] for a command built by the caller (to add
    /// environment variables, or run the binary under `sh -c 'ulimit -n 64; exec "$0" "$@"'`).
    pub fn spawn_server(command: Command) -> (Self, SocketAddr) {
        let mut process = Self::spawn(command);
        let Some(first) = process.next_line(STARTUP_TIMEOUT) else {
            let finished = process.kill();
            panic!("the server printed no line within {STARTUP_TIMEOUT:?}: {finished:?}");
        };
        let addr = first
            .strip_prefix("listening on ")
            .and_then(|addr| addr.trim().parse().ok())
            .unwrap_or_else(|| panic!("first stdout line is not `listening on <addr>`: {first:?}"));
        (process, addr)
    }

    /// Starts `command` with stdin closed and both outputs captured.
    pub fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let (line_tx, stdout_lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let stderr = thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stderr.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        });
        ExampleProcess { child, stdout_lines, stdout_seen: Vec::new(), stderr: Some(stderr) }
    }

    /// The process id, e.g. to inspect `/proc/<pid>`.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The next stdout line, or `None` if none came within `timeout` or stdout was closed.
    pub fn next_line(&mut self, timeout: Duration) -> Option<String> {
        let line = self.stdout_lines.recv_timeout(timeout).ok()?;
        self.stdout_seen.push(line.clone());
        Some(line)
    }

    /// Reads stdout lines until one satisfies `wanted`, for at most `timeout` in all.
    pub fn wait_for_line(
        &mut self,
        timeout: Duration,
        wanted: impl Fn(&str) -> bool,
    ) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let line = self.next_line(left)?;
            if wanted(&line) {
                return Some(line);
            }
        }
    }

    /// Sends `signal` to the process.
    pub fn signal(&self, signal: Signal) {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).expect("pids fit in i32"));
        kill(pid, signal).unwrap_or_else(|e| panic!("cannot send {signal} to {pid}: {e}"));
    }

    /// Sends SIGINT (what Ctrl+C sends).
    pub fn interrupt(&self) {
        self.signal(Signal::SIGINT);
    }

    /// Waits up to `timeout` for the process to exit by itself; kills it and panics if it does not.
    pub fn wait(mut self, timeout: Duration) -> Finished {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return self.collect(),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
                _ => {
                    let finished = self.kill();
                    panic!("still running after {timeout:?}: killed. {finished:?}");
                }
            }
        }
    }

    /// Sends SIGINT and waits for the exit; panics unless the process prints `shutdown complete`
    /// and exits 0 within `timeout`, the server contract of docs/design.md.
    pub fn stop(self, timeout: Duration) -> Finished {
        self.interrupt();
        self.wait_for_shutdown(timeout)
    }

    /// Like [`ExampleProcess::stop`] for a server already sent its signal.
    pub fn wait_for_shutdown(self, timeout: Duration) -> Finished {
        let finished = self.wait(timeout);
        assert!(
            finished.status.success(),
            "after SIGINT the server exited with {}: {finished:?}",
            finished.status
        );
        assert!(
            finished.stdout.iter().any(|line| line == "shutdown complete"),
            "after SIGINT the server did not print `shutdown complete`: {finished:?}"
        );
        finished
    }

    /// Kills the process at once and collects what it printed.
    pub fn kill(mut self) -> Finished {
        let _ = self.child.kill();
        self.collect()
    }

    fn collect(&mut self) -> Finished {
        let status = self.child.wait().expect("the child can be waited for");
        // The pipe closes when the process exits; the reader thread then ends the channel.
        while let Ok(line) = self.stdout_lines.recv_timeout(Duration::from_secs(5)) {
            self.stdout_seen.push(line);
        }
        let stderr = self.stderr.take().and_then(|handle| handle.join().ok()).unwrap_or_default();
        Finished { status, stdout: std::mem::take(&mut self.stdout_seen), stderr }
    }
}

impl Drop for ExampleProcess {
    fn drop(&mut self) {
        // A test that panicked part-way must not leave its server running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn a_server_line_is_parsed_and_sigint_reaches_the_process() {
        let (mut server, addr) = ExampleProcess::spawn_server(sh(
            "trap 'echo shutdown complete; exit 0' INT; echo 'listening on 127.0.0.1:4242'; \
             echo ready; while :; do sleep 0.05; done",
        ));
        assert_eq!(addr, "127.0.0.1:4242".parse().unwrap());
        assert_eq!(server.next_line(Duration::from_secs(5)).as_deref(), Some("ready"));
        let finished = server.stop(Duration::from_secs(5));
        assert_eq!(finished.stdout, ["listening on 127.0.0.1:4242", "ready", "shutdown complete"]);
    }

    #[test]
    #[should_panic(expected = "did not print `shutdown complete`")]
    fn stop_requires_the_shutdown_line() {
        let (server, _) = ExampleProcess::spawn_server(sh(
            "trap 'exit 0' INT; echo 'listening on 127.0.0.1:1'; while :; do sleep 0.05; done",
        ));
        server.stop(Duration::from_secs(5));
    }

    #[test]
    #[should_panic(expected = "still running")]
    fn a_process_that_ignores_sigint_is_killed_and_reported() {
        let (server, _) = ExampleProcess::spawn_server(sh(
            "trap '' INT; echo 'listening on 127.0.0.1:1'; while :; do sleep 0.05; done",
        ));
        server.stop(Duration::from_millis(300));
    }
}
