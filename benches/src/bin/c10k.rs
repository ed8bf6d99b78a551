//! C10K load tool: can one executor thread hold ten thousand connections?
//!
//! ```text
//! cargo run --release -p benches --bin c10k -- --runtime tokio --connections 10000
//! c10k --runtime <tokio|smol|async-std> [--connections N] [--rounds K] [--message-bytes B] [--in-flight M]
//! ```
//!
//! The tool starts itself again as the **server** process (hidden subcommand `c10k serve --runtime R`)
//! and then acts as the **client**, so the server's memory and threads are its own and can be read
//! from `/proc/<pid>/status`:
//!
//! 1. The client raises its `RLIMIT_NOFILE` soft limit to the hard limit (N sockets plus a margin
//!    must fit under it, and N must fit in the ephemeral port range, or it refuses to start), then
//!    starts the server, which prints `listening on <addr>` (loopback, port 0) on stdout.
//! 2. It samples the idle server's RSS, opens N connections at most 64 connects at a time (the
//!    listen backlog bounds how many handshakes may wait for `accept`) and completes one echo round
//!    trip on each, so every connection is accepted and has its server task running.
//! 3. With all N open it samples the server's RSS and OS threads again, then runs K rounds: every
//!    connection echoes one B-byte message per round, at most M round trips in flight at once
//!    (tokio's semaphore is FIFO, so connections take turns round by round). Each echo is checked
//!    byte for byte; its time from first byte written to last byte read is one latency sample.
//! 4. It prints the summary, closes every connection, stops the server with SIGINT and checks
//!    that it exited 0. The exit status is 0 only if all N connections were held through every
//!    round with no error; 1 if not; 2 for bad arguments or a failed setup.
//!
//! The client is the same for every server runtime, a tokio multi-thread runtime (one task per
//! connection), so only the server differs between runs.
//!
//! # The server
//!
//! Each runtime runs the server on a single executor thread:
//! - **tokio**: `Builder::new_current_thread().enable_all()`; the accept loop and every connection
//!   task run on the main thread, which also polls the I/O driver. The listener comes from
//!   `TcpSocket::listen(4096)`.
//! - **smol**: a `LocalExecutor` driven by `smol::block_on(ex.run(..))` on the main thread. Its
//!   reactor (async-io) also starts an `async-io` helper thread, which polls the reactor when no
//!   blocked thread does; it runs no tasks.
//! - **async-std**: the global runtime with `ASYNC_STD_THREAD_COUNT=1` (the client sets it), so every
//!   task runs on one `async-std/runtime` thread; the main thread only waits in `block_on` for the
//!   accept loop, and async-io's `async-io` helper thread is there as for smol.
//!
//! For both, the listener comes from `std::net::TcpListener::bind`, whose backlog std fixes at 128
//! (neither runtime offers another); the client's 64 connects in flight stay below it. The kernel
//! caps any backlog at `net.core.somaxconn`.
//!
//! Per connection the server holds one task whose future owns the stream and a 256-byte buffer
//! (inline in the future, so on the heap with the task): it reads whatever has arrived into the
//! buffer and writes it back, until end of stream. Nothing else is allocated per connection by
//! this code; the rest of the RSS growth is the runtime's own bookkeeping (task header,
//! reactor registration). Socket buffers are kernel memory and do not show in RSS.
//!
//! Every server also has a `c10k-sigint` thread: SIGINT is blocked in all threads and read from a
//! `signalfd`, and this thread exits the process with status 0 when it arrives. It also exits
//! (status 1) if the client process disappears without stopping it, so a killed client never
//! leaves a server behind. The summary lists the server's threads by name as
//! `/proc/<pid>/task/*/comm` shows them (names are cut at 15 bytes), so "single thread" is shown
//! rather than claimed.

use std::fmt;
use std::io::{self, BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::str::FromStr;
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit, setrlimit};
use nix::sys::signal::{SigSet, Signal, kill};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::unistd::Pid;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::timeout;

const USAGE: &str = "\
usage: c10k --runtime <tokio|smol|async-std> [--connections N] [--rounds K] [--message-bytes B] [--in-flight M]
  --runtime         server runtime, on a single executor thread (required)
  --connections N   connections to open and hold at once (default 10000)
  --rounds K        echo round trips per connection once all are open (default 3)
  --message-bytes B size of each echoed message (default 32, at most 65536)
  --in-flight M     round trips in flight at once during the rounds (default 100)";

const DEFAULT_CONNECTIONS: usize = 10_000;
const DEFAULT_ROUNDS: usize = 3;
const DEFAULT_MESSAGE_BYTES: usize = 32;
const MAX_MESSAGE_BYTES: usize = 64 * 1024;
const DEFAULT_IN_FLIGHT: usize = 100;

/// Descriptors each process needs beyond one per connection (runtime, pipes, std streams).
const FD_MARGIN: u64 = 64;
/// Connects in flight at once: below std's listen backlog of 128, the smallest of the three.
const CONNECTS_IN_FLIGHT: usize = 64;
/// The backlog the tokio server asks for (the kernel caps it at `net.core.somaxconn`).
const TOKIO_BACKLOG: u32 = 4096;
/// The buffer each server connection task owns.
const ECHO_BUFFER_BYTES: usize = 256;
/// How long the server waits after a failed `accept` (usually EMFILE, which retrying at once does
/// not clear).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// Limit on one connect + check, or one round trip, before it counts as an error.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the client waits for the server to print its address.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the client waits for the server to exit after SIGINT.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the server's `c10k-sigint` thread looks for SIGINT and for its client.
const WATCH_INTERVAL: Duration = Duration::from_millis(100);
/// How many error messages the summary shows (all are counted).
const ERRORS_SHOWN: usize = 5;

fn main() -> ExitCode {
    let outcome = parse_args(std::env::args().skip(1)).and_then(|mode| match mode {
        Mode::Help => {
            println!("{USAGE}");
            Ok(true)
        }
        Mode::Serve(runtime) => serve(runtime).map(|()| true),
        Mode::Client(options) => run_client(&options),
    });
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("c10k: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The server runtimes this tool can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Runtime {
    Tokio,
    Smol,
    AsyncStd,
}

impl Runtime {
    fn name(self) -> &'static str {
        match self {
            Runtime::Tokio => "tokio",
            Runtime::Smol => "smol",
            Runtime::AsyncStd => "async-std",
        }
    }

    fn server_kind(self) -> &'static str {
        match self {
            Runtime::Tokio => "current-thread server",
            Runtime::Smol => "LocalExecutor server",
            Runtime::AsyncStd => "1-thread global runtime server",
        }
    }
}

impl FromStr for Runtime {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s {
            "tokio" => Ok(Runtime::Tokio),
            "smol" => Ok(Runtime::Smol),
            "async-std" => Ok(Runtime::AsyncStd),
            other => bail!("unknown runtime `{other}`: expected tokio, smol or async-std"),
        }
    }
}

/// The client's settings, from the command line.
#[derive(Debug)]
struct Options {
    runtime: Runtime,
    connections: usize,
    rounds: usize,
    message_bytes: usize,
    in_flight: usize,
}

/// What the command line asks for.
#[derive(Debug)]
enum Mode {
    Help,
    Serve(Runtime),
    Client(Options),
}

fn parse_args(args: impl IntoIterator<Item = String>) -> anyhow::Result<Mode> {
    let mut args = args.into_iter().peekable();
    let serving = args.next_if(|first| first == "serve").is_some();
    let mut runtime = None;
    let mut connections = DEFAULT_CONNECTIONS;
    let mut rounds = DEFAULT_ROUNDS;
    let mut message_bytes = DEFAULT_MESSAGE_BYTES;
    let mut in_flight = DEFAULT_IN_FLIGHT;
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(Mode::Help);
        }
        let value = match flag.as_str() {
            "--runtime" | "--connections" | "--rounds" | "--message-bytes" | "--in-flight" => args
                .next()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))?,
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        };
        let number = || {
            value
                .parse::<usize>()
                .with_context(|| format!("{flag} expects a whole number, got `{value}`"))
        };
        match flag.as_str() {
            "--runtime" => runtime = Some(value.parse()?),
            "--connections" => connections = number()?,
            "--rounds" => rounds = number()?,
            "--message-bytes" => message_bytes = number()?,
            _ => in_flight = number()?,
        }
    }
    let runtime = runtime.with_context(|| format!("--runtime is required\n{USAGE}"))?;
    if serving {
        return Ok(Mode::Serve(runtime));
    }
    if connections == 0 {
        bail!("--connections must be at least 1");
    }
    if !(1..=MAX_MESSAGE_BYTES).contains(&message_bytes) {
        bail!("--message-bytes must be between 1 and {MAX_MESSAGE_BYTES}, got {message_bytes}");
    }
    if in_flight == 0 {
        bail!("--in-flight must be at least 1");
    }
    Ok(Mode::Client(Options {
        runtime,
        connections,
        rounds,
        message_bytes,
        in_flight,
    }))
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit after checking that `needed` descriptors fit
/// under it (to `needed` if the hard limit is unlimited, which the kernel does not grant as is).
fn raise_fd_limit(needed: u64) -> anyhow::Result<()> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).context("reading RLIMIT_NOFILE")?;
    if needed > hard {
        bail!(
            "{needed} file descriptors are needed per process (connections + {FD_MARGIN}), but the \
             hard limit (ulimit -Hn) is {hard}: raise the limit or use fewer connections"
        );
    }
    let target = if hard == RLIM_INFINITY { needed } else { hard };
    if soft < target {
        setrlimit(Resource::RLIMIT_NOFILE, target, hard)
            .with_context(|| format!("raising the RLIMIT_NOFILE soft limit to {target}"))?;
    }
    Ok(())
}

/// Refuses more connections than the kernel has ephemeral ports for one destination address.
fn check_port_range(connections: usize) -> anyhow::Result<()> {
    const RANGE: &str = "/proc/sys/net/ipv4/ip_local_port_range";
    let Ok(range) = std::fs::read_to_string(RANGE) else {
        return Ok(()); // Not Linux-like /proc: the connects themselves will tell.
    };
    let bounds: Vec<usize> = range
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    if let [low, high] = bounds[..] {
        let ports = high.saturating_sub(low) + 1;
        if connections > ports {
            bail!(
                "{connections} connections to one address need {connections} ephemeral ports, but \
                 {RANGE} ({low}-{high}) has {ports}"
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Server side.
// ---------------------------------------------------------------------------------------------

/// The hidden `serve` subcommand: SIGINT handling first (before any other thread exists, so every
/// thread inherits the blocked mask), then the descriptor limit, then the runtime's server.
fn serve(runtime: Runtime) -> anyhow::Result<()> {
    watch_sigint_and_client().context("setting up SIGINT handling")?;
    raise_fd_limit(FD_MARGIN)?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let served = match runtime {
        Runtime::Tokio => server_tokio::serve(addr),
        Runtime::Smol => server_smol::serve(addr),
        Runtime::AsyncStd => server_async_std::serve(addr),
    };
    served.with_context(|| format!("{} server", runtime.name()))
}

/// Blocks SIGINT in this thread (and so in every thread started later) and starts the
/// `c10k-sigint` thread, which reads it from a `signalfd` and exits the process with status 0. The
/// same thread exits with status 1 when the parent process (the client) is gone.
fn watch_sigint_and_client() -> anyhow::Result<()> {
    let mut mask = SigSet::empty();
    mask.add(Signal::SIGINT);
    mask.thread_block()?;
    let signals = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
    let client = std::os::unix::process::parent_id();
    thread::Builder::new()
        .name("c10k-sigint".into())
        .spawn(move || {
            loop {
                match signals.read_signal() {
                    Ok(Some(_)) => std::process::exit(0),
                    Ok(None) => {}
                    Err(error) => {
                        eprintln!("c10k serve: reading the signalfd: {error}");
                        std::process::exit(1);
                    }
                }
                if std::os::unix::process::parent_id() != client {
                    eprintln!("c10k serve: the client process is gone, exiting");
                    std::process::exit(1);
                }
                thread::sleep(WATCH_INTERVAL);
            }
        })?;
    Ok(())
}

/// Tells the client where the server listens: the first line of the server's stdout.
fn announce(addr: SocketAddr) -> io::Result<()> {
    use std::io::Write;
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "listening on {addr}")?;
    stdout.flush()
}

/// Reports a failed `accept`; the caller then waits [`ACCEPT_BACKOFF`].
fn accept_failed(error: &io::Error) {
    eprintln!("c10k serve: accept failed: {error}; retrying in {ACCEPT_BACKOFF:?}");
}

/// Reports a connection that ended in an error. A reset is how a peer may close and is not one.
fn connection_failed(error: &io::Error) {
    if error.kind() != io::ErrorKind::ConnectionReset {
        eprintln!("c10k serve: connection failed: {error}");
    }
}

/// The tokio server: a current-thread runtime on the calling thread.
mod server_tokio {
    use std::io;
    use std::net::SocketAddr;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpSocket, TcpStream};

    use super::{ECHO_BUFFER_BYTES, TOKIO_BACKLOG};

    /// Listens on `addr` with a backlog of [`TOKIO_BACKLOG`], announces the bound address and
    /// echoes on every accepted connection, all on this thread; returns only on a setup error.
    pub fn serve(addr: SocketAddr) -> io::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let socket = TcpSocket::new_v4()?;
            socket.bind(addr)?;
            let listener = socket.listen(TOKIO_BACKLOG)?;
            super::announce(listener.local_addr()?)?;
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        tokio::spawn(echo(stream));
                    }
                    Err(error) => {
                        super::accept_failed(&error);
                        tokio::time::sleep(super::ACCEPT_BACKOFF).await;
                    }
                }
            }
        })
    }

    /// Writes back whatever arrives, until end of stream.
    async fn echo(mut stream: TcpStream) {
        let mut buf = [0u8; ECHO_BUFFER_BYTES];
        let result: io::Result<()> = async {
            stream.set_nodelay(true)?;
            loop {
                let n = stream.read(&mut buf).await?;
                if n == 0 {
                    return Ok(());
                }
                stream.write_all(&buf[..n]).await?;
            }
        }
        .await;
        if let Err(error) = result {
            super::connection_failed(&error);
        }
    }
}

/// The smol server: a `LocalExecutor` run by the calling thread.
mod server_smol {
    use std::io;
    use std::net::SocketAddr;

    use smol::LocalExecutor;
    use smol::io::{AsyncReadExt, AsyncWriteExt};
    use smol::net::{TcpListener, TcpStream};

    use super::ECHO_BUFFER_BYTES;

    /// Listens on `addr` (std's backlog), announces the bound address and echoes on every accepted
    /// connection, all tasks on this thread; returns only on a setup error.
    pub fn serve(addr: SocketAddr) -> io::Result<()> {
        let listener = TcpListener::try_from(std::net::TcpListener::bind(addr)?)?;
        super::announce(listener.local_addr()?)?;
        let executor = LocalExecutor::new();
        smol::block_on(executor.run(async {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => executor.spawn(echo(stream)).detach(),
                    Err(error) => {
                        super::accept_failed(&error);
                        smol::Timer::after(super::ACCEPT_BACKOFF).await;
                    }
                }
            }
        }))
    }

    /// Writes back whatever arrives, until end of stream.
    async fn echo(mut stream: TcpStream) {
        let mut buf = [0u8; ECHO_BUFFER_BYTES];
        let result: io::Result<()> = async {
            stream.set_nodelay(true)?;
            loop {
                let n = stream.read(&mut buf).await?;
                if n == 0 {
                    return Ok(());
                }
                stream.write_all(&buf[..n]).await?;
            }
        }
        .await;
        if let Err(error) = result {
            super::connection_failed(&error);
        }
    }
}

/// The async-std server: the global runtime, one thread when `ASYNC_STD_THREAD_COUNT=1`.
mod server_async_std {
    use std::io;
    use std::net::SocketAddr;

    use async_std::io::{ReadExt, WriteExt};
    use async_std::net::{TcpListener, TcpStream};
    use async_std::task;

    use super::ECHO_BUFFER_BYTES;

    /// Listens on `addr` (std's backlog), announces the bound address and runs the accept loop as
    /// a task, so it and every connection task run on the runtime's thread while this thread waits;
    /// returns only on a setup error.
    pub fn serve(addr: SocketAddr) -> io::Result<()> {
        let listener = TcpListener::from(std::net::TcpListener::bind(addr)?);
        super::announce(listener.local_addr()?)?;
        task::block_on(task::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        // Dropping the handle detaches the task.
                        task::spawn(echo(stream));
                    }
                    Err(error) => {
                        super::accept_failed(&error);
                        task::sleep(super::ACCEPT_BACKOFF).await;
                    }
                }
            }
        }))
    }

    /// Writes back whatever arrives, until end of stream.
    async fn echo(mut stream: TcpStream) {
        let mut buf = [0u8; ECHO_BUFFER_BYTES];
        let result: io::Result<()> = async {
            stream.set_nodelay(true)?;
            loop {
                let n = stream.read(&mut buf).await?;
                if n == 0 {
                    return Ok(());
                }
                stream.write_all(&buf[..n]).await?;
            }
        }
        .await;
        if let Err(error) = result {
            super::connection_failed(&error);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Client side.
// ---------------------------------------------------------------------------------------------

/// The server child process; killed (and reaped) on drop if still running, so an early return of
/// the client never leaves it behind.
struct ServerProcess {
    child: Child,
}

impl ServerProcess {
    /// Starts `c10k serve --runtime R` and returns it with the address it announced.
    fn start(runtime: Runtime) -> anyhow::Result<(Self, SocketAddr)> {
        let exe = std::env::current_exe().context("locating this executable")?;
        let mut command = Command::new(exe);
        command
            .args(["serve", "--runtime", runtime.name()])
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

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGINT and waits up to [`STOP_TIMEOUT`] for the exit status.
    fn stop(&mut self) -> anyhow::Result<ExitStatus> {
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

/// The server's resident memory and threads, from `/proc/<pid>`.
struct ServerSample {
    rss_kib: u64,
    /// Thread names in thread-id order.
    threads: Vec<String>,
}

impl ServerSample {
    fn take(pid: u32) -> anyhow::Result<Self> {
        let path = format!("/proc/{pid}/status");
        let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        let rss_kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().strip_suffix("kB"))
            .and_then(|kib| kib.trim().parse().ok())
            .with_context(|| format!("no VmRSS line in {path}"))?;
        let tasks = format!("/proc/{pid}/task");
        let mut threads = Vec::new();
        for entry in std::fs::read_dir(&tasks).with_context(|| format!("listing {tasks}"))? {
            let entry = entry?;
            let Some(tid) = entry
                .file_name()
                .to_str()
                .and_then(|t| t.parse::<u32>().ok())
            else {
                continue;
            };
            // A thread may exit between the listing and this read: skip it then.
            if let Ok(name) = std::fs::read_to_string(entry.path().join("comm")) {
                threads.push((tid, name.trim_end().to_owned()));
            }
        }
        threads.sort_unstable();
        Ok(ServerSample {
            rss_kib,
            threads: threads.into_iter().map(|(_, name)| name).collect(),
        })
    }
}

/// Errors of the client: all counted, the first few kept for the summary.
#[derive(Default)]
struct Errors {
    count: usize,
    first: Vec<String>,
}

impl Errors {
    fn record(&mut self, error: String) {
        self.count += 1;
        if self.first.len() < ERRORS_SHOWN {
            self.first.push(error);
        }
    }
}

/// The message connection `conn` sends in `round` (round 0 is the check after connecting); it
/// differs between connections and rounds, so a crossed or stale echo is caught.
fn message(conn: usize, round: usize, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (conn.wrapping_mul(31) ^ round.wrapping_mul(131)).wrapping_add(i) as u8)
        .collect()
}

/// Writes `out`, reads as many bytes into `back` and checks they are the same.
async fn round_trip(stream: &mut TcpStream, out: &[u8], back: &mut [u8]) -> io::Result<()> {
    stream.write_all(out).await?;
    stream.read_exact(back).await?;
    if back == out {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the echo differs from the message",
        ))
    }
}

/// Runs `operation` with [`IO_TIMEOUT`], folding the timeout into the error.
async fn timed<T>(operation: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    timeout(IO_TIMEOUT, operation).await.unwrap_or_else(|_| {
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("no answer within {IO_TIMEOUT:?}"),
        ))
    })
}

/// A connection open and checked, with its index (which picks its messages).
type Conn = (usize, TcpStream);

/// Opens `n` connections, [`CONNECTS_IN_FLIGHT`] at a time, each completing one checked echo.
async fn open_all(
    addr: SocketAddr,
    n: usize,
    message_bytes: usize,
    errors: &mut Errors,
) -> Vec<Conn> {
    let permits = Arc::new(Semaphore::new(CONNECTS_IN_FLIGHT));
    let mut tasks = JoinSet::new();
    for conn in 0..n {
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            timed(async {
                let mut stream = TcpStream::connect(addr).await?;
                stream.set_nodelay(true)?;
                let out = message(conn, 0, message_bytes);
                round_trip(&mut stream, &out, &mut vec![0; message_bytes]).await?;
                Ok((conn, stream))
            })
            .await
            .map_err(|error| format!("connection {conn}: connect and first echo: {error}"))
        });
    }
    let mut conns = Vec::with_capacity(n);
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(conn)) => conns.push(conn),
            Ok(Err(error)) => errors.record(error),
            Err(error) => errors.record(format!("a connect task failed: {error}")),
        }
    }
    conns
}

/// Runs `rounds` checked echoes on every connection, at most `in_flight` at once; returns the
/// connections that passed every round and one latency sample per successful round trip.
async fn echo_rounds(
    conns: Vec<Conn>,
    options: &Options,
    errors: &mut Errors,
) -> (Vec<Conn>, Vec<Duration>) {
    let permits = Arc::new(Semaphore::new(options.in_flight));
    let (rounds, message_bytes) = (options.rounds, options.message_bytes);
    let mut tasks = JoinSet::new();
    for (conn, mut stream) in conns {
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(rounds);
            let mut back = vec![0; message_bytes];
            for round in 1..=rounds {
                let out = message(conn, round, message_bytes);
                let _permit = permits
                    .acquire()
                    .await
                    .expect("the semaphore is never closed");
                let start = Instant::now();
                if let Err(error) = timed(round_trip(&mut stream, &out, &mut back)).await {
                    let error = format!("connection {conn}: round {round}: {error}");
                    return (None, latencies, Some(error));
                }
                latencies.push(start.elapsed());
            }
            (Some((conn, stream)), latencies, None)
        });
    }
    let mut held = Vec::with_capacity(tasks.len());
    let mut latencies = Vec::with_capacity(tasks.len() * rounds);
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((conn, samples, error)) => {
                held.extend(conn);
                latencies.extend(samples);
                if let Some(error) = error {
                    errors.record(error);
                }
            }
            Err(error) => errors.record(format!("an echo task failed: {error}")),
        }
    }
    (held, latencies)
}

/// The client: the whole measurement, then the summary. `Ok(true)` if every connection was held
/// with no error and the server exited 0 on SIGINT.
fn run_client(options: &Options) -> anyhow::Result<bool> {
    let n = options.connections;
    raise_fd_limit(n as u64 + FD_MARGIN)?;
    check_port_range(n)?;
    let (mut server, addr) = ServerProcess::start(options.runtime)?;

    // Let the server settle after printing its address, then take the idle baseline.
    thread::sleep(Duration::from_millis(200));
    let idle = ServerSample::take(server.pid())?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the client's tokio runtime")?;
    let mut errors = Errors::default();

    let started = Instant::now();
    let conns = runtime.block_on(open_all(addr, n, options.message_bytes, &mut errors));
    let connect_time = started.elapsed();
    let opened = conns.len();
    let loaded = ServerSample::take(server.pid())?;

    let (held, mut latencies) = runtime.block_on(echo_rounds(conns, options, &mut errors));
    let held_count = held.len();
    drop(held);
    drop(runtime);
    let stopped = server.stop();

    latencies.sort_unstable();
    let growth_kib = loaded.rss_kib.saturating_sub(idle.rss_kib);
    let per_connection_kib = growth_kib as f64 / opened.max(1) as f64;
    println!(
        "runtime: {} ({}), connections held: {held_count}/{n}, errors: {}",
        options.runtime.name(),
        options.runtime.server_kind(),
        errors.count,
    );
    println!(
        "connect: {opened} connections opened and checked in {} ({CONNECTS_IN_FLIGHT} connects in flight)",
        Micros(connect_time),
    );
    match (percentile(&latencies, 50), percentile(&latencies, 99)) {
        (Some(p50), Some(p99)) => println!(
            "round trips: {} ({} rounds, {}-byte messages, {} in flight), p50 {}, p99 {}",
            latencies.len(),
            options.rounds,
            options.message_bytes,
            options.in_flight,
            Micros(p50),
            Micros(p99),
        ),
        _ => println!("round trips: 0 ({} rounds)", options.rounds),
    }
    println!(
        "server RSS: {:.1} MiB idle -> {:.1} MiB with {opened} connections: {per_connection_kib:.1} KiB per connection (goal <= 4 KiB: {})",
        idle.rss_kib as f64 / 1024.0,
        loaded.rss_kib as f64 / 1024.0,
        if per_connection_kib <= 4.0 {
            "met"
        } else {
            "missed"
        },
    );
    println!(
        "server threads: {} [{}]",
        loaded.threads.len(),
        loaded.threads.join(", ")
    );
    let server_ok = match stopped {
        Ok(status) => {
            println!("server stopped by SIGINT: {status}");
            status.success()
        }
        Err(error) => {
            println!("server stop failed: {error:#}");
            false
        }
    };
    for error in &errors.first {
        eprintln!("error: {error}");
    }
    if errors.count > errors.first.len() {
        eprintln!("... and {} more errors", errors.count - errors.first.len());
    }
    Ok(held_count == n && errors.count == 0 && server_ok)
}

/// The nearest-rank `p`th percentile of sorted samples.
fn percentile(sorted: &[Duration], p: usize) -> Option<Duration> {
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// A duration shown in µs, ms or s, whichever reads best.
struct Micros(Duration);

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let micros = self.0.as_secs_f64() * 1e6;
        if micros < 1e3 {
            write!(f, "{micros:.0} µs")
        } else if micros < 1e6 {
            write!(f, "{:.1} ms", micros / 1e3)
        } else {
            write!(f, "{:.2} s", micros / 1e6)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> anyhow::Result<Mode> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn parses_client_and_serve_modes() {
        let Mode::Client(options) = parse(&["--runtime", "smol", "--connections", "7"]).unwrap()
        else {
            panic!("not the client mode");
        };
        assert_eq!(options.runtime, Runtime::Smol);
        assert_eq!(options.connections, 7);
        assert_eq!(options.rounds, DEFAULT_ROUNDS);
        assert_eq!(options.message_bytes, DEFAULT_MESSAGE_BYTES);
        assert!(matches!(
            parse(&["serve", "--runtime", "async-std"]).unwrap(),
            Mode::Serve(Runtime::AsyncStd)
        ));
    }

    #[test]
    fn refuses_bad_arguments_with_the_reason() {
        let cases: [(&[&str], &str); 6] = [
            (&["--runtime", "nope"], "unknown runtime `nope`"),
            (&["--connections", "5"], "--runtime is required"),
            (&["--runtime", "tokio", "--connections", "0"], "at least 1"),
            (&["--runtime", "tokio", "--rounds", "x"], "whole number"),
            (&["--runtime", "tokio", "--message-bytes", "0"], "between 1"),
            (
                &["--runtime", "tokio", "--bogus"],
                "unknown argument `--bogus`",
            ),
        ];
        for (args, expected) in cases {
            let error = parse(args).expect_err("must be refused").to_string();
            assert!(error.contains(expected), "{args:?}: {error}");
        }
    }

    #[test]
    fn messages_differ_per_connection_and_round() {
        assert_eq!(message(3, 1, 40).len(), 40);
        assert_ne!(message(3, 1, 8), message(4, 1, 8));
        assert_ne!(message(3, 1, 8), message(3, 2, 8));
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let samples: Vec<Duration> = (1..=200).map(Duration::from_micros).collect();
        assert_eq!(percentile(&samples, 50), Some(Duration::from_micros(100)));
        assert_eq!(percentile(&samples, 99), Some(Duration::from_micros(198)));
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(Micros(Duration::from_micros(85)).to_string(), "85 µs");
        assert_eq!(Micros(Duration::from_micros(1900)).to_string(), "1.9 ms");
    }
}
