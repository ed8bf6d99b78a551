//! C10K load tool: can one executor thread hold ten thousand connections?
//!
//! ```text
//! cargo run --release -p benches --bin c10k -- --runtime tokio --connections 10000
//! cargo run --release -p benches --bin c10k -- --runtime smol --server readiness \
//!     --connections 19500 --pace-ms 1000 --duration-s 10
//! c10k --runtime <tokio|smol|async-std> [--server buffered|readiness] [--connections N]
//!      [--rounds K] [--in-flight M] [--pace-ms P [--duration-s D]] [--message-bytes B] [--out DIR]
//! ```
//!
//! Defaults: `--server buffered`, 10,000 connections, 3 closed-loop rounds with 100 in flight,
//! 32-byte messages; `--pace-ms P` replaces the rounds by the paced load, for `--duration-s 10`;
//! `--out` is `$CARGO_TARGET_DIR/bench-results`, else the workspace's `target/bench-results`.
//!
//! The tool starts itself again as the **server** process (hidden subcommand `c10k serve --runtime R`)
//! and then acts as the **client**, so the server's memory and threads are its own and can be read
//! from `/proc/<pid>/status`:
//!
//! 1. The client raises its `RLIMIT_NOFILE` soft limit to the hard limit and prints both. Client
//!    and server each need N sockets plus 64; if that does not fit under the limit, or N does not
//!    fit in the ephemeral port range, it refuses (status 2) with the numbers. Then it starts the
//!    server, which prints `listening on <addr>` (loopback, port 0) on stdout.
//! 2. It samples the idle server's RSS, opens N connections at most 64 connects at a time (the
//!    listen backlog bounds how many handshakes may wait for `accept`) and completes one echo round
//!    trip on each, so every connection is accepted and has its server task running.
//!    Idle and again with all N open it also reads `/proc/net/sockstat` (TCP sockets in use and
//!    the pages charged to TCP buffers: system-wide, so client and server sockets both count).
//! 3. With all N open it samples the server's RSS and OS threads again, then runs the load. Rounds:
//!    every connection echoes one B-byte message per round, at most M round trips in flight at
//!    once (tokio's semaphore is FIFO, so connections take turns round by round); a sample is the
//!    time from first byte written to last byte read. Paced: every connection echoes one message
//!    every P ms for D s, connection i's due times offset by i × P / N so the load is spread
//!    evenly; a `c10k-pacer` thread releases each message at its due time (`thread::sleep`, as
//!    tokio's timer would round every due time up by up to 1 ms), and a sample runs from the due
//!    time, so a message delayed behind a slow echo counts its wait. Every echo is checked byte
//!    for byte.
//! 4. It prints the summary, closes every connection, stops the server with SIGINT and checks
//!    that it exited 0, then writes `c10k-<runtime>-<server>.json` into `--out` and regenerates
//!    `c10k.md` there from every such file (see `report`). The exit status is 0 only if all N
//!    connections were held through the whole load with no error; 1 if not; 2 for bad arguments
//!    or a failed setup.
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
//! Per connection the `buffered` server holds one task whose future owns the stream and a 256-byte
//! buffer (inline in the future, so on the heap with the task): it reads whatever has arrived into
//! the buffer and writes it back, until end of stream. The `readiness` server (tokio and smol;
//! async-std has no readiness API and is refused) holds only the stream: it waits for readiness,
//! then reads into one buffer per thread and writes back at once. Nothing else is allocated per
//! connection by this code; the rest of the RSS growth is the runtime's own bookkeeping (task
//! header, reactor registration). Socket buffers are kernel memory and do not show in RSS.
//!
//! Every server also has a `c10k-sigint` thread: SIGINT is blocked in all threads and read from a
//! `signalfd`, and this thread exits the process with status 0 when it arrives. It also exits
//! (status 1) if the client process disappears without stopping it, so a killed client never
//! leaves a server behind. The summary lists the server's threads by name as
//! `/proc/<pid>/task/*/comm` shows them (names are cut at 15 bytes), so "single thread" is shown
//! rather than claimed.

mod args;
mod client;
mod limits;
mod process;
mod procfs;
mod report;
mod server;

use std::process::ExitCode;

use crate::args::{Mode, parse_args};

fn main() -> ExitCode {
    // A usage error: clap's message on stderr, status 2; `--help`: the help on stdout, status 0.
    let mode = parse_args(std::env::args_os().skip(1)).unwrap_or_else(|error| error.exit());
    let outcome = match mode {
        Mode::Serve(runtime, variant) => server::serve(runtime, variant).map(|()| true),
        Mode::Client(options) => client::run_client(&options),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("c10k: {error:#}");
            ExitCode::from(2)
        }
    }
}
