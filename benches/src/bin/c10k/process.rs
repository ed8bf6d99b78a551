//! The server child process, as the client starts, watches and stops it.

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::args::{Runtime, Variant};

/// How long the client waits for the server to print its address.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the client waits for the server to exit after SIGINT.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// The server child process; killed (and reaped) on drop if still running, so an early return of
/// the client never leaves it behind.
pub struct ServerProcess {
    child: Child,
}

impl ServerProcess {
    /// Starts `c10k serve --runtime R --server V` and returns it with the address it announced.
    pub fn start(runtime: Runtime, variant: Variant) -> anyhow::Result<(Self, SocketAddr)> {
        let exe = std::env::current_exe().context("locating this executable")?;
        let mut command = Command::new(exe);
        command
            .args(["serve", "--runtime", runtime.name(), "--server", variant.name()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if runtime == Runtime::AsyncStd {
            command.env("ASYNC_STD_THREAD_COUNT", "1");
        }
        let mut child = command.spawn().context("starting the server process")?;
        let stdout = child.stdout.take().expect("stdout was piped");
        let server = ServerProcess { child };

        // Read the announcement on a thread, so a silent server cannot block the client forever;
        // the same thread then drains the pipe.
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            let mut line = String::new();
            let read = stdout.read_line(&mut line).map(|_| line);
            let _ = tx.send(read);
            let _ = io::copy(&mut stdout, &mut io::sink());
        });
        let line = rx
            .recv_timeout(STARTUP_TIMEOUT)
            .map_err(|_| {
                anyhow::anyhow!("the server did not print its address within {STARTUP_TIMEOUT:?}")
            })?
            .context("reading the server's address")?;
        let line = line.trim();
        if line.is_empty() {
            bail!("the server exited before printing its address (see its error above)");
        }
        let addr = line
            .strip_prefix("listening on ")
            .and_then(|addr| addr.parse().ok())
            .with_context(|| format!("the server printed `{line}`, not `listening on <addr>`"))?;
        Ok((server, addr))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGINT and waits up to [`STOP_TIMEOUT`] for the exit status.
    pub fn stop(&mut self) -> anyhow::Result<ExitStatus> {
        let pid = Pid::from_raw(i32::try_from(self.pid()).expect("Linux pids fit in an i32"));
        kill(pid, Signal::SIGINT).context("sending SIGINT to the server")?;
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().context("waiting for the server")? {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                bail!("the server did not exit within {STOP_TIMEOUT:?} of SIGINT");
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
