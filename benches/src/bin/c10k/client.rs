//! The client: opens the connections, runs the load (closed-loop rounds or paced) on a tokio
//! multi-thread runtime, samples the server and the kernel, prints the summary and writes the
//! files for the report.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::timeout;

use nix::sys::resource::RLIM_INFINITY;

use crate::args::{Load, Options, Variant};
use crate::limits::{check_fd_limit, check_port_range, fds_needed, raise_fd_limit};
use crate::process::ServerProcess;
use crate::procfs::{Machine, ServerSample, Sockstat};
use crate::report::{self, LoadRecord, Percentiles, Record, RssRecord, show_bytes, show_us};

/// Connects in flight at once: below std's listen backlog of 128, the smallest of the three.
const CONNECTS_IN_FLIGHT: usize = 64;
/// Limit on one connect + check, or one round trip, before it counts as an error.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long after the pacer starts the first message is due.
const PACED_LEAD: Duration = Duration::from_millis(200);
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
    (rounds, in_flight): (usize, usize),
    message_bytes: usize,
    errors: &mut Errors,
) -> (Vec<Conn>, Vec<Duration>) {
    let permits = Arc::new(Semaphore::new(in_flight));
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

/// What the paced load measured: per echo, the time from its due time and the round trip alone.
#[derive(Default)]
struct Paced {
    from_due: Vec<Duration>,
    round_trip: Vec<Duration>,
}

/// Runs `messages` checked echoes on every connection, the `k`th of connection `i` (of `n`) due at
/// `start + i × pace / n + k × pace`: every connection sends once per `pace`, and the due times
/// are spread evenly over it. A connection still waiting for an echo when its next message is due
/// sends that one as soon as it can, and it counts from its own due time. Returns the connections
/// that passed every message and the samples.
async fn paced_load(
    conns: Vec<Conn>,
    (pace, messages): (Duration, usize),
    message_bytes: usize,
    errors: &mut Errors,
) -> (Vec<Conn>, Paced) {
    let mut tasks = JoinSet::new();
    let mut releases = Vec::with_capacity(conns.len());
    for (conn, mut stream) in conns {
        let (release, mut due_times) = mpsc::unbounded_channel::<Instant>();
        releases.push(release);
        tasks.spawn(async move {
            let mut samples = Paced {
                from_due: Vec::with_capacity(messages),
                round_trip: Vec::with_capacity(messages),
            };
            let mut back = vec![0; message_bytes];
            let mut k = 0;
            while let Some(due) = due_times.recv().await {
                k += 1;
                let out = message(conn, k, message_bytes);
                let sent = Instant::now();
                if let Err(error) = timed(round_trip(&mut stream, &out, &mut back)).await {
                    let error = format!("connection {conn}: message {k}: {error}");
                    return (None, samples, Some(error));
                }
                let done = Instant::now();
                samples.from_due.push(done.saturating_duration_since(due));
                samples.round_trip.push(done - sent);
            }
            (Some((conn, stream)), samples, None)
        });
    }
    let pacer = thread::Builder::new()
        .name("c10k-pacer".into())
        .spawn(move || release_on_schedule(&releases, pace, messages))
        .expect("starting the pacer thread");
    let mut held = Vec::with_capacity(tasks.len());
    let mut all = Paced::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((conn, samples, error)) => {
                held.extend(conn);
                all.from_due.extend(samples.from_due);
                all.round_trip.extend(samples.round_trip);
                if let Some(error) = error {
                    errors.record(error);
                }
            }
            Err(error) => errors.record(format!("a paced task failed: {error}")),
        }
    }
    pacer.join().expect("the pacer thread does not panic");
    (held, all)
}

/// The pacer: sends each connection its due times, each at that time, then closes the channels.
/// It is a thread of its own sleeping with `thread::sleep` (microsecond resolution), since tokio's
/// timer has 1 ms granularity and rounds up, which would add up to 1 ms to every sample.
fn release_on_schedule(
    releases: &[mpsc::UnboundedSender<Instant>],
    pace: Duration,
    messages: usize,
) {
    let n = releases.len().max(1) as u128;
    let start = Instant::now() + PACED_LEAD;
    for k in 0..messages {
        for (index, release) in releases.iter().enumerate() {
            let offset = Duration::from_nanos((pace.as_nanos() * index as u128 / n) as u64);
            let due = start + pace * k as u32 + offset;
            let now = Instant::now();
            if due > now {
                thread::sleep(due - now);
            }
            // A connection that failed has dropped its receiver: nothing to release.
            let _ = release.send(due);
        }
    }
}

/// The client: the whole measurement, then the summary and the files for the report. `Ok(true)`
/// if every connection was held with no error and the server exited 0 on SIGINT.
pub fn run_client(options: &Options) -> anyhow::Result<bool> {
    let n = options.connections;
    let limit = raise_fd_limit()?;
    check_fd_limit(n, &limit)?;
    check_port_range(n)?;
    let machine = Machine::read();
    let (mut server, addr) = ServerProcess::start(options.runtime, options.variant)?;
    println!(
        "descriptors: RLIMIT_NOFILE soft {} / hard {} (soft raised to the {}); {n} connections \
         need {} in the client and as many in the server",
        limit.soft,
        show_limit(limit.hard),
        limit.bound_by,
        fds_needed(n),
    );

    // Let the server settle after printing its address, then take the idle baseline.
    thread::sleep(Duration::from_millis(200));
    let idle = ServerSample::take(server.pid())?;
    let sockstat_idle = Sockstat::take()?;

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
    let sockstat_loaded = Sockstat::take()?;

    let bytes = options.message_bytes;
    let (held, load) = match options.load {
        Load::Rounds { rounds, in_flight } => {
            let (held, mut latencies) =
                runtime.block_on(echo_rounds(conns, (rounds, in_flight), bytes, &mut errors));
            let load = LoadRecord {
                kind: "rounds".to_owned(),
                pace_ms: None,
                duration_s: None,
                in_flight: Some(in_flight),
                messages_per_connection: rounds,
                message_bytes: bytes,
                messages: latencies.len(),
                latency: percentiles(&mut latencies),
                round_trip: None,
            };
            (held, load)
        }
        Load::Paced { pace, duration } => {
            let messages = (duration.as_nanos() / pace.as_nanos()) as usize;
            let (held, mut samples) =
                runtime.block_on(paced_load(conns, (pace, messages), bytes, &mut errors));
            let load = LoadRecord {
                kind: "paced".to_owned(),
                pace_ms: Some(pace.as_millis() as u64),
                duration_s: Some(duration.as_secs_f64()),
                in_flight: None,
                messages_per_connection: messages,
                message_bytes: bytes,
                messages: samples.from_due.len(),
                latency: percentiles(&mut samples.from_due),
                round_trip: percentiles(&mut samples.round_trip),
            };
            (held, load)
        }
    };
    let held_count = held.len();
    drop(held);
    drop(runtime);
    let stopped = server.stop();

    let growth_kib = loaded.rss_kib.saturating_sub(idle.rss_kib);
    let per_connection_bytes = growth_kib as f64 * 1024.0 / opened.max(1) as f64;
    println!(
        "runtime: {} ({}), connections held: {held_count}/{n}, errors: {}",
        options.runtime.name(),
        options.runtime.server_kind(),
        errors.count,
    );
    println!("server variant: {}", options.variant.name());
    println!(
        "connect: {opened} connections opened and checked in {} ({CONNECTS_IN_FLIGHT} connects in flight)",
        Micros(connect_time),
    );
    print_load(&load, options);
    let goal_bytes = match options.variant {
        Variant::Buffered => 4096.0,
        Variant::Readiness => 512.0,
    };
    println!(
        "server RSS: {:.1} MiB idle -> {:.1} MiB with {opened} connections: {} per connection (goal <= {}: {})",
        idle.rss_kib as f64 / 1024.0,
        loaded.rss_kib as f64 / 1024.0,
        show_bytes(per_connection_bytes),
        show_bytes(goal_bytes),
        if per_connection_bytes <= goal_bytes { "met" } else { "missed" },
    );
    println!(
        "kernel socket memory (/proc/net/sockstat, system-wide: client and server sockets both \
         count): TCP mem {} pages ({} KiB), TCP inuse {}, alloc {} idle -> TCP mem {} pages ({} \
         KiB), TCP inuse {}, alloc {} with {opened} connections",
        sockstat_idle.tcp_mem_pages,
        sockstat_idle.tcp_mem_kib(),
        sockstat_idle.tcp_inuse,
        sockstat_idle.tcp_alloc,
        sockstat_loaded.tcp_mem_pages,
        sockstat_loaded.tcp_mem_kib(),
        sockstat_loaded.tcp_inuse,
        sockstat_loaded.tcp_alloc,
    );
    println!("server threads: {} [{}]", loaded.threads.len(), loaded.threads.join(", "));
    let (server_ok, server_exit) = match stopped {
        Ok(status) => {
            println!("server stopped by SIGINT: {status}");
            (status.success(), status.to_string())
        }
        Err(error) => {
            println!("server stop failed: {error:#}");
            (false, format!("{error:#}"))
        }
    };
    let ok = held_count == n && errors.count == 0 && server_ok;
    let record = Record {
        runtime: options.runtime.name().to_owned(),
        runtime_kind: options.runtime.server_kind().to_owned(),
        server: options.variant.name().to_owned(),
        connections: n,
        opened,
        held: held_count,
        errors: errors.count,
        first_errors: errors.first.clone(),
        connect_s: connect_time.as_secs_f64(),
        load,
        server_rss: RssRecord {
            idle_kib: idle.rss_kib,
            loaded_kib: loaded.rss_kib,
            per_connection_bytes,
        },
        sockstat_idle,
        sockstat_loaded,
        server_threads: loaded.threads,
        server_exit,
        ok,
        fd_limit: limit,
        fds_needed_per_process: fds_needed(n),
        machine,
    };
    let out = options.out.clone().unwrap_or_else(report::default_out_dir);
    let (json, markdown) = report::write(&out, &record)?;
    println!("results: {}, {}", json.display(), markdown.display());
    for error in &errors.first {
        eprintln!("error: {error}");
    }
    if errors.count > errors.first.len() {
        eprintln!("... and {} more errors", errors.count - errors.first.len());
    }
    Ok(ok)
}

/// Prints the load's line of the summary.
fn print_load(load: &LoadRecord, options: &Options) {
    let show = |p: &Option<Percentiles>| {
        p.map_or_else(
            || "no samples".to_owned(),
            |p| {
                format!(
                    "p50 {}, p99 {}, max {}",
                    show_us(p.p50_us),
                    show_us(p.p99_us),
                    show_us(p.max_us)
                )
            },
        )
    };
    match options.load {
        Load::Rounds { rounds, in_flight } if load.messages > 0 => println!(
            "round trips: {} ({rounds} rounds, {}-byte messages, {in_flight} in flight), {}",
            load.messages,
            load.message_bytes,
            show(&load.latency),
        ),
        Load::Rounds { rounds, .. } => println!("round trips: 0 ({rounds} rounds)"),
        Load::Paced { pace, duration } => {
            println!(
                "paced: {} messages ({} per connection: one every {} ms for {} s, due times \
                 spread evenly over the connections, {}-byte messages)",
                load.messages,
                load.messages_per_connection,
                pace.as_millis(),
                duration.as_secs_f64(),
                load.message_bytes,
            );
            println!(
                "paced latency from the due time: {}; round trip alone: {}",
                show(&load.latency),
                show(&load.round_trip),
            );
        }
    }
}

/// A limit as `ulimit` shows it.
fn show_limit(limit: u64) -> String {
    if limit == RLIM_INFINITY { "unlimited".to_owned() } else { limit.to_string() }
}

/// p50, p99 and max of `samples` (sorted here), `None` if there are none.
fn percentiles(samples: &mut [Duration]) -> Option<Percentiles> {
    samples.sort_unstable();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    Some(Percentiles {
        p50_us: us(percentile(samples, 50)?),
        p99_us: us(percentile(samples, 99)?),
        max_us: us(*samples.last()?),
    })
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
