//! The client: opens the connections, runs the echo rounds on a tokio multi-thread runtime,
//! samples the server and prints the summary.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::timeout;

use crate::args::Options;
use crate::limits::{FD_MARGIN, check_port_range, raise_fd_limit};
use crate::process::ServerProcess;
use crate::procfs::ServerSample;

/// Connects in flight at once: below std's listen backlog of 128, the smallest of the three.
const CONNECTS_IN_FLIGHT: usize = 64;
/// Limit on one connect + check, or one round trip, before it counts as an error.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// How many error messages the summary shows (all are counted).
const ERRORS_SHOWN: usize = 5;

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
        Err(io::Error::new(io::ErrorKind::InvalidData, "the echo differs from the message"))
    }
}

/// Runs `operation` with [`IO_TIMEOUT`], folding the timeout into the error.
async fn timed<T>(operation: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    timeout(IO_TIMEOUT, operation).await.unwrap_or_else(|_| {
        Err(io::Error::new(io::ErrorKind::TimedOut, format!("no answer within {IO_TIMEOUT:?}")))
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
            let _permit = permits.acquire_owned().await.expect("the semaphore is never closed");
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
                let _permit = permits.acquire().await.expect("the semaphore is never closed");
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
pub fn run_client(options: &Options) -> anyhow::Result<bool> {
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
        if per_connection_kib <= 4.0 { "met" } else { "missed" },
    );
    println!("server threads: {} [{}]", loaded.threads.len(), loaded.threads.join(", "));
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
