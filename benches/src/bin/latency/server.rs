//! The server processes: the three example binaries (built in release and copied, since they
//! share one name in `target/release/examples`) and the tool's own thread-per-connection std
//! server; how they are started, stopped with SIGINT and reaped on every exit path.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use nix::sys::signal::{SigSet, Signal, kill};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

use crate::args::Server;

/// How long a server may take to print `listening on <addr>`.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a server may take to exit after SIGINT (the examples' grace period is 2 s).
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// The examples close a connection idle this long; far above any gap between two points.
const IDLE_TIMEOUT_MS: &str = "600000";
/// What the std server prints, then exits with [`THREAD_LIMIT_STATUS`], when a thread cannot be
/// created.
pub const THREAD_LIMIT_PREFIX: &str = "stopped at ";
const THREAD_LIMIT_STATUS: i32 = 3;

/// The pids of the servers (and builds) running now, for the Ctrl-C handler.
static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn register(pid: u32) {
    CHILDREN.lock().unwrap_or_else(|e| e.into_inner()).push(pid);
}

fn unregister(pid: u32) {
    CHILDREN.lock().unwrap_or_else(|e| e.into_inner()).retain(|&p| p != pid);
}

fn nix_pid(pid: u32) -> Pid {
    Pid::from_raw(i32::try_from(pid).expect("Linux pids fit in an i32"))
}

/// On SIGINT or SIGTERM to the tool: SIGINT to every child, reap them (SIGKILL after
/// [`STOP_TIMEOUT`]), exit 130. Runs on the client's runtime for the whole run.
pub async fn stop_children_on_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) =
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    else {
        eprintln!("latency: cannot catch SIGINT/SIGTERM; servers may outlive a Ctrl-C");
        return;
    };
    let (interrupted, terminated) =
        (std::pin::pin!(interrupt.recv()), std::pin::pin!(terminate.recv()));
    futures::future::select(interrupted, terminated).await;
    eprintln!("latency: interrupted, stopping the servers");
    let children = CHILDREN.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for &pid in &children {
        let _ = kill(nix_pid(pid), Signal::SIGINT);
    }
    let deadline = Instant::now() + STOP_TIMEOUT;
    for &pid in &children {
        let reaped = waitpid(nix_pid(pid), Some(WaitPidFlag::WNOHANG));
        let mut running = matches!(reaped, Ok(s) if s.pid().is_none());
        while running {
            if Instant::now() >= deadline {
                let _ = kill(nix_pid(pid), Signal::SIGKILL);
                let _ = waitpid(nix_pid(pid), None);
                break;
            }
            thread::sleep(Duration::from_millis(10));
            let reaped = waitpid(nix_pid(pid), Some(WaitPidFlag::WNOHANG));
            running = matches!(reaped, Ok(s) if s.pid().is_none());
        }
    }
    std::process::exit(130);
}

/// Builds the three examples in release, one at a time, and copies each binary to `bin_dir`
/// right after its build; for `std`, copies this executable there (a rebuild of the tool during a
/// long run must not take the std server away). Returns the copies by server.
pub fn prepare_binaries(
    servers: &[Server],
    bin_dir: &Path,
) -> anyhow::Result<BTreeMap<Server, PathBuf>> {
    std::fs::create_dir_all(bin_dir).with_context(|| format!("creating {}", bin_dir.display()))?;
    let mut built = BTreeMap::new();
    if servers.contains(&Server::Std) {
        let exe = std::env::current_exe().context("locating this executable")?;
        let copy = bin_dir.join("latency-serve-std");
        copy_binary(&exe, &copy)?;
        built.insert(Server::Std, copy);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    for &server in servers.iter().filter(|&&s| s != Server::Std) {
        let package = format!("examples-{}", server.name());
        eprintln!("latency: building {package}'s tcp_echo_server (release)");
        let mut child = Command::new(&cargo)
            .args(["build", "--release", "-p", &package, "--example", "tcp_echo_server"])
            .args(["--message-format", "json-render-diagnostics"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting cargo (set $CARGO or put cargo on PATH)")?;
        register(child.id());
        let mut messages = String::new();
        let read = child.stdout.take().expect("piped").read_to_string(&mut messages);
        let status = child.wait();
        unregister(child.id());
        read.context("reading cargo's messages")?;
        if !status.context("waiting for cargo")?.success() {
            bail!("cargo build of {package}'s tcp_echo_server failed");
        }
        let executable = messages
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|m| {
                m["reason"] == "compiler-artifact" && m["target"]["name"] == "tcp_echo_server"
            })
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .with_context(|| format!("cargo named no tcp_echo_server executable for {package}"))?;
        let copy = bin_dir.join(format!("tcp_echo_server-{}", server.name()));
        copy_binary(&executable, &copy)?;
        built.insert(server, copy);
    }
    Ok(built)
}

/// Copies `from` to a temporary name beside `to`, then renames it: overwriting a binary that
/// another run is executing would fail (ETXTBSY), replacing it does not.
fn copy_binary(from: &Path, to: &Path) -> anyhow::Result<()> {
    let partial = to.with_extension(format!("partial-{}", std::process::id()));
    std::fs::copy(from, &partial)
        .with_context(|| format!("copying {} to {}", from.display(), partial.display()))?;
    std::fs::rename(&partial, to)
        .with_context(|| format!("renaming {} to {}", partial.display(), to.display()))
}

/// A running server process; on drop it is stopped with SIGINT (SIGKILL if it does not exit in
/// time) and reaped, so no early return leaves it behind.
pub struct ServerProcess {
    child: Child,
    /// Lines it printed after `listening on`.
    said: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts `server` (from `binary`, see [`prepare_binaries`]) on `127.0.0.1:0` for up to
    /// `connections` connections, its stderr appended to `log`; returns it with the address it
    /// announced.
    pub fn start(
        server: Server,
        binary: &Path,
        connections: usize,
        log: &Path,
    ) -> anyhow::Result<(Self, SocketAddr)> {
        let mut command = Command::new(binary);
        if server == Server::Std {
            command.arg("serve-std");
        } else {
            command.args(["127.0.0.1:0", "--idle-timeout-ms", IDLE_TIMEOUT_MS]);
            command.args(["--max-connections", &(connections + 16).to_string()]);
        }
        let log = File::options()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("opening {}", log.display()))?;
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(log);
        let mut child =
            command.spawn().with_context(|| format!("starting the {} server", server.name()))?;
        register(child.id());
        let stdout = child.stdout.take().expect("stdout was piped");
        let said = Arc::new(Mutex::new(Vec::new()));
        let process = ServerProcess { child, said: Arc::clone(&said) };

        // The first line on a thread, so a silent server cannot block the tool; the same thread
        // keeps the later lines (the std server's thread-limit report).
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next().transpose());
            for line in lines.map_while(Result::ok) {
                said.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
        });
        let line = rx
            .recv_timeout(STARTUP_TIMEOUT)
            .map_err(|_| anyhow::anyhow!("no address within {STARTUP_TIMEOUT:?}"))?
            .context("reading the server's address")?
            .context("the server exited before printing its address (see its log)")?;
        let addr = line
            .strip_prefix("listening on ")
            .and_then(|addr| addr.parse().ok())
            .with_context(|| format!("the server printed `{line}`, not `listening on <addr>`"))?;
        Ok((process, addr))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The std server's report that it could not create a thread, if it made one.
    pub fn thread_limit(&self) -> Option<String> {
        let said = self.said.lock().unwrap_or_else(|e| e.into_inner());
        said.iter().find(|line| line.starts_with(THREAD_LIMIT_PREFIX)).cloned()
    }

    /// Sends SIGINT and waits up to [`STOP_TIMEOUT`] for the exit status (then SIGKILL).
    pub fn stop(mut self) -> anyhow::Result<ExitStatus> {
        self.stop_mut()
    }

    fn stop_mut(&mut self) -> anyhow::Result<ExitStatus> {
        if let Some(status) = self.child.try_wait()? {
            unregister(self.pid());
            return Ok(status);
        }
        let sent = kill(nix_pid(self.pid()), Signal::SIGINT);
        let deadline = Instant::now() + STOP_TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().context("waiting for the server")? {
                break Ok(status);
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break Err(anyhow::anyhow!("no exit within {STOP_TIMEOUT:?} of SIGINT: killed"));
            }
            thread::sleep(Duration::from_millis(10));
        };
        unregister(self.pid());
        sent.context("sending SIGINT to the server")?;
        status
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.stop_mut();
        }
    }
}

/// The hidden `serve-std` subcommand: a thread per connection on `std::net` (std's default 2 MiB
/// stack), each echoing through an 8 KiB buffer as the examples do, until end of stream. Exits 0
/// on SIGINT, 1 when the tool is gone; when a thread cannot be created it prints
/// `stopped at N threads: <error>` and exits 3.
pub fn serve_std() -> anyhow::Result<()> {
    // SIGINT blocked before any thread exists, so every thread inherits the mask; one thread
    // reads it from a signalfd.
    let mut mask = SigSet::empty();
    mask.add(Signal::SIGINT);
    mask.thread_block()?;
    let signals = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
    let tool = std::os::unix::process::parent_id();
    thread::Builder::new().name("sigint".into()).spawn(move || {
        loop {
            match signals.read_signal() {
                Ok(Some(_)) => std::process::exit(0),
                Ok(None) => {}
                Err(error) => {
                    eprintln!("serve-std: reading the signalfd: {error}");
                    std::process::exit(1);
                }
            }
            if std::os::unix::process::parent_id() != tool {
                eprintln!("serve-std: the tool is gone, exiting");
                std::process::exit(1);
            }
            thread::sleep(Duration::from_millis(50));
        }
    })?;

    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    let mut stdout = io::stdout();
    writeln!(stdout, "listening on {}", listener.local_addr()?)?;
    stdout.flush()?;
    let open = Arc::new(AtomicUsize::new(0));
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(error) => {
                eprintln!("serve-std: accept failed: {error}; retrying in 100 ms");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let guard = Open::new(&open);
        if let Err(error) = thread::Builder::new().spawn(move || echo(stream, guard)) {
            // main + sigint + one per open connection.
            let threads = open.load(Ordering::SeqCst) + 2;
            writeln!(stdout, "{THREAD_LIMIT_PREFIX}{threads} threads: {error}")?;
            stdout.flush()?;
            std::process::exit(THREAD_LIMIT_STATUS);
        }
    }
}

/// Counts an open connection while it lives.
struct Open(Arc<AtomicUsize>);

impl Open {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Open(Arc::clone(count))
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Writes back whatever arrives until end of stream, then closes. Nagle's algorithm stays on, as
/// in the examples.
fn echo(mut stream: TcpStream, _open: Open) {
    let mut buffer = vec![0u8; 8 * 1024];
    let result = (|| -> io::Result<()> {
        loop {
            let n = stream.read(&mut buffer)?;
            if n == 0 {
                return stream.shutdown(std::net::Shutdown::Write);
            }
            stream.write_all(&buffer[..n])?;
        }
    })();
    if let Err(error) = result
        && error.kind() != io::ErrorKind::ConnectionReset
    {
        eprintln!("serve-std: connection failed: {error}");
    }
}
