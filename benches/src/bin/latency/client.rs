//! The open-loop client. Request `i` is due at `t0 + i/R` on connection `i mod N`; one pacer
//! thread writes each request when it is due, whatever the replies do, and one reader task per
//! connection matches the replies in order. A reply's latency is its arrival less its request's
//! due time, so a server that stalls is charged for every request that waited behind the stall
//! (no coordinated omission), even when the client could not send them on time.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::timeout;

/// Every request and reply is this many bytes: the request index, then a pattern from it.
pub const MESSAGE_BYTES: usize = 32;
/// Connects in flight at once: below std's listen backlog of 128, the smallest of the servers.
const CONNECTS_IN_FLIGHT: usize = 64;
/// Limit on one connect and its first echo.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long after the last request's due time the readers wait for the last replies; a reply
/// later than that is counted missing.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(3);
/// Time for the reader tasks to start before the first request is due.
const START_DELAY: Duration = Duration::from_millis(50);
/// How often the pacer retries a connection whose send buffer was full.
const RETRY_INTERVAL: Duration = Duration::from_micros(100);
/// Latencies are recorded in ns, from 1 ns to this (larger ones saturate).
const HISTOGRAM_MAX_NS: u64 = 60_000_000_000;
/// How many error messages a point keeps (all are counted).
const ERRORS_KEPT: usize = 3;

/// When each request is due and which connection carries it.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub rate: u64,
    pub connections: usize,
    /// Requests due in the warm-up (indices below this are not recorded).
    pub warmup_requests: u64,
    /// Requests due in the warm-up and the window.
    pub total: u64,
}

impl Schedule {
    pub fn new(rate: u64, connections: usize, warmup: Duration, window: Duration) -> Self {
        let due_before = |d: Duration| (d.as_nanos() * u128::from(rate)).div_ceil(1_000_000_000);
        let count = |d| u64::try_from(due_before(d)).expect("fewer than 2^64 requests");
        Schedule {
            rate,
            connections,
            warmup_requests: count(warmup),
            total: count(warmup + window),
        }
    }

    /// The requests of the measured window.
    pub fn measured(&self) -> u64 {
        self.total - self.warmup_requests
    }

    /// Request `i`'s due time after `t0`: `i/R`, rounded down to the ns.
    pub fn due(&self, i: u64) -> Duration {
        let nanos = u128::from(i) * 1_000_000_000 / u128::from(self.rate);
        Duration::from_nanos(u64::try_from(nanos).expect("under 584 years"))
    }

    /// How many requests connection `c` carries.
    fn count_on(&self, c: usize) -> u64 {
        let n = self.connections as u64;
        self.total / n + u64::from((c as u64) < self.total % n)
    }
}

/// The bytes of request `i` (and of its reply).
pub fn message(i: u64) -> [u8; MESSAGE_BYTES] {
    let mut message = [0u8; MESSAGE_BYTES];
    message[..8].copy_from_slice(&i.to_le_bytes());
    for (k, byte) in message.iter_mut().enumerate().skip(8) {
        *byte = (i.wrapping_mul(131) as u8).wrapping_add(k as u8);
    }
    message
}

/// Errors of one point, by kind.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Errors {
    /// Connects (or their first echo) that failed.
    pub connect: u64,
    /// Reads and writes that failed (reset, closed by the server).
    pub io: u64,
    /// Replies that were not the bytes sent (that connection's reader stops there).
    pub wrong_bytes: u64,
    /// Requests of the run with no reply by [`DRAIN_TIMEOUT`] after the last due time.
    pub missing: u64,
    #[serde(skip)]
    pub first: Vec<String>,
}

impl Errors {
    pub fn total(&self) -> u64 {
        self.connect + self.io + self.wrong_bytes + self.missing
    }

    /// Errors that mean a failure rather than a server too slow to answer in time.
    pub fn failures(&self) -> u64 {
        self.connect + self.io + self.wrong_bytes
    }

    fn keep(&mut self, message: String) {
        if self.first.len() < ERRORS_KEPT {
            self.first.push(message);
        }
    }

    fn add(&mut self, other: Errors) {
        self.connect += other.connect;
        self.io += other.io;
        self.wrong_bytes += other.wrong_bytes;
        self.missing += other.missing;
        for message in other.first {
            self.keep(message);
        }
    }
}

/// Opens `n` connections, [`CONNECTS_IN_FLIGHT`] at a time, each checked with one echo (so the
/// server has accepted it). `Err` holds the errors when any connection failed.
pub async fn connect_all(addr: SocketAddr, n: usize) -> Result<Vec<Arc<TcpStream>>, Errors> {
    let permits = Arc::new(Semaphore::new(CONNECTS_IN_FLIGHT));
    let mut tasks = JoinSet::new();
    for c in 0..n {
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("the semaphore is never closed");
            let connect = async {
                let mut stream = TcpStream::connect(addr).await?;
                stream.set_nodelay(true)?;
                let check = message(u64::MAX - c as u64);
                stream.write_all(&check).await?;
                let mut back = [0u8; MESSAGE_BYTES];
                stream.read_exact(&mut back).await?;
                if back != check {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "wrong echo"));
                }
                Ok(stream)
            };
            let result = timeout(CONNECT_TIMEOUT, connect).await.unwrap_or_else(|_| {
                Err(io::Error::new(io::ErrorKind::TimedOut, "no echo within 10 s"))
            });
            (c, result.map_err(|e| format!("connection {c}: connect and first echo: {e}")))
        });
    }
    let mut conns = Vec::with_capacity(n);
    let mut errors = Errors::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((c, Ok(stream))) => conns.push((c, Arc::new(stream))),
            Ok((_, Err(message))) => {
                errors.connect += 1;
                errors.keep(message);
            }
            Err(error) => {
                errors.connect += 1;
                errors.keep(format!("a connect task failed: {error}"));
            }
        }
    }
    if errors.connect > 0 {
        return Err(errors);
    }
    conns.sort_unstable_by_key(|(c, _)| *c);
    Ok(conns.into_iter().map(|(_, stream)| stream).collect())
}

/// What one point measured.
pub struct Run {
    /// Latencies of the measured window's replies, in ns.
    pub latencies: Histogram<u64>,
    pub errors: Errors,
    /// The pacer's largest delay between a request's due time and its write.
    pub pacer_lag_max: Duration,
    /// What `at_window` returned at the start and at the end of the measured window.
    pub samples: Vec<anyhow::Result<crate::procfs::Sample>>,
}

/// Runs `schedule` on `conns`: warm-up, then the measured window. `at_window` is called when the
/// window starts and when its last request is due (to read the server's counters).
pub fn run(
    runtime: &Runtime,
    conns: &[Arc<TcpStream>],
    schedule: Schedule,
    warmup: Duration,
    window: Duration,
    mut at_window: impl FnMut() -> anyhow::Result<crate::procfs::Sample>,
) -> Run {
    let t0 = Instant::now() + START_DELAY;
    let end = t0 + warmup + window;
    let deadline = end + DRAIN_TIMEOUT;
    let readers: Vec<_> = (0..conns.len())
        .filter(|&c| schedule.count_on(c) > 0)
        .map(|c| runtime.spawn(read_replies(Arc::clone(&conns[c]), c, schedule, t0, deadline)))
        .collect();
    let pacer = {
        let conns = conns.to_vec();
        thread::Builder::new()
            .name("pacer".into())
            .spawn(move || pace(&conns, schedule, t0, deadline))
            .expect("starting the pacer thread")
    };
    let mut samples = Vec::with_capacity(2);
    for at in [t0 + warmup, end] {
        thread::sleep(at.saturating_duration_since(Instant::now()));
        samples.push(at_window());
    }
    let (pacer_lag_max, mut errors) = pacer.join().expect("the pacer does not panic");
    let mut latencies = Histogram::new_with_bounds(1, HISTOGRAM_MAX_NS, 3).expect("valid bounds");
    runtime.block_on(async {
        for reader in readers {
            match reader.await {
                Ok((samples, reader_errors)) => {
                    for ns in samples {
                        latencies.saturating_record(ns);
                    }
                    errors.add(reader_errors);
                }
                Err(error) => {
                    errors.io += 1;
                    errors.keep(format!("a reader task failed: {error}"));
                }
            }
        }
    });
    Run { latencies, errors, pacer_lag_max, samples }
}

/// The pacer: writes every request when due (sleeping in between), never waiting for a reply. A
/// connection whose send buffer is full keeps its bytes in order and is retried every
/// [`RETRY_INTERVAL`]. Returns the largest lag behind the schedule and the write errors.
fn pace(
    conns: &[Arc<TcpStream>],
    schedule: Schedule,
    t0: Instant,
    deadline: Instant,
) -> (Duration, Errors) {
    let n = conns.len();
    let mut pending: Vec<Vec<u8>> = vec![Vec::new(); n];
    let mut backlog: Vec<usize> = Vec::new();
    let mut dead = vec![false; n];
    let mut errors = Errors::default();
    let mut lag_max = Duration::ZERO;
    let failed = |c: usize, error: io::Error, errors: &mut Errors, dead: &mut [bool]| {
        dead[c] = true;
        errors.io += 1;
        errors.keep(format!("connection {c}: write: {error}"));
    };
    let mut i = 0;
    loop {
        backlog.retain(|&c| {
            if dead[c] {
                return false;
            }
            match conns[c].try_write(&pending[c]) {
                Ok(written) => {
                    pending[c].drain(..written);
                    !pending[c].is_empty()
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => true,
                Err(e) => {
                    failed(c, e, &mut errors, &mut dead);
                    false
                }
            }
        });
        let now = Instant::now();
        if i == schedule.total {
            if backlog.is_empty() || now >= deadline {
                break;
            }
            thread::sleep(RETRY_INTERVAL);
            continue;
        }
        let due = t0 + schedule.due(i);
        if due > now {
            let nap = due - now;
            thread::sleep(if backlog.is_empty() { nap } else { nap.min(RETRY_INTERVAL) });
            continue;
        }
        while i < schedule.total && t0 + schedule.due(i) <= now {
            lag_max = lag_max.max(now - (t0 + schedule.due(i)));
            let c = (i % n as u64) as usize;
            let bytes = message(i);
            i += 1;
            if dead[c] {
                continue;
            }
            if !pending[c].is_empty() {
                pending[c].extend_from_slice(&bytes);
                continue;
            }
            match conns[c].try_write(&bytes) {
                Ok(written) if written == bytes.len() => {}
                Ok(written) => {
                    pending[c].extend_from_slice(&bytes[written..]);
                    backlog.push(c);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    pending[c].extend_from_slice(&bytes);
                    backlog.push(c);
                }
                Err(e) => failed(c, e, &mut errors, &mut dead),
            }
        }
    }
    (lag_max, errors)
}

/// Connection `c`'s reader: its replies, in order, checked byte for byte; returns the latencies
/// (ns) of the measured window's replies and the errors, counting what never came as missing.
async fn read_replies(
    stream: Arc<TcpStream>,
    c: usize,
    schedule: Schedule,
    t0: Instant,
    deadline: Instant,
) -> (Vec<u64>, Errors) {
    let expected = schedule.count_on(c);
    let step = schedule.connections as u64;
    let mut latencies = Vec::with_capacity(expected as usize);
    let mut errors = Errors::default();
    let mut buffer = vec![0u8; 64 * MESSAGE_BYTES];
    let (mut filled, mut received) = (0, 0);
    let mut next = c as u64; // the request whose reply comes next
    'read: while received < expected {
        let ready = tokio::time::timeout_at(deadline.into(), stream.readable()).await;
        let read = match ready {
            Err(_) => break, // the rest is missing
            Ok(Err(e)) => Err(e),
            Ok(Ok(())) => stream.try_read(&mut buffer[filled..]),
        };
        let n = match read {
            Ok(0) => {
                errors.io += 1;
                errors.keep(format!("connection {c}: closed by the server"));
                break;
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => {
                errors.io += 1;
                errors.keep(format!("connection {c}: read: {e}"));
                break;
            }
        };
        let arrived = Instant::now();
        filled += n;
        let whole = filled - filled % MESSAGE_BYTES;
        for reply in buffer[..whole].chunks_exact(MESSAGE_BYTES) {
            if received == expected || reply != message(next) {
                errors.wrong_bytes += 1;
                errors.keep(format!("connection {c}: the reply to request {next} is wrong"));
                break 'read;
            }
            if next >= schedule.warmup_requests {
                let late = arrived.saturating_duration_since(t0 + schedule.due(next));
                latencies.push(u64::try_from(late.as_nanos()).unwrap_or(u64::MAX));
            }
            received += 1;
            next += step;
        }
        buffer.copy_within(whole..filled, 0);
        filled -= whole;
    }
    errors.missing = expected - received;
    (latencies, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_counts_and_due_times() {
        let s = Schedule::new(3, 2, Duration::from_millis(500), Duration::from_secs(1));
        // Due at 0, 1/3 s (warm-up), 2/3, 1, 4/3 s (window), none at 1.5 s.
        assert_eq!((s.warmup_requests, s.total, s.measured()), (2, 5, 3));
        assert_eq!(s.due(1), Duration::from_nanos(333_333_333));
        assert_eq!((s.count_on(0), s.count_on(1)), (3, 2));
        assert_ne!(message(1), message(2));
        assert_eq!(message(7)[..8], 7u64.to_le_bytes());
    }

    /// A fake echo server that stalls once for 300 ms: only the replies behind the stall are
    /// late, yet measured from their due time the max shows the whole stall, not one round trip.
    #[test]
    fn latency_is_measured_from_the_due_time() {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            use std::io::{Read, Write};
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; MESSAGE_BYTES];
            let mut echoed = 0;
            while stream.read_exact(&mut buf).is_ok() {
                echoed += 1;
                if echoed == 300 {
                    thread::sleep(Duration::from_millis(300));
                }
                if stream.write_all(&buf).is_err() {
                    break;
                }
            }
        });
        let conns = runtime
            .block_on(async { timeout(Duration::from_secs(10), connect_all(addr, 1)).await })
            .expect("connected in time")
            .unwrap_or_else(|e| panic!("connect: {:?}", e.first));
        let (warmup, window) = (Duration::from_millis(100), Duration::from_millis(900));
        let schedule = Schedule::new(1000, 1, warmup, window);
        let sample = || crate::procfs::Sample::take(std::process::id());
        let run = run(&runtime, &conns, schedule, warmup, window, sample);
        assert_eq!(run.errors.total(), 0, "{:?}", run.errors.first);
        assert_eq!(run.latencies.len(), schedule.measured());
        // The reply behind the stall waited about 300 ms; the median did not.
        let max = Duration::from_nanos(run.latencies.max());
        assert!(max >= Duration::from_millis(250), "max {max:?}");
        let p50 = Duration::from_nanos(run.latencies.value_at_quantile(0.5));
        assert!(p50 < max / 2, "p50 {p50:?}, max {max:?}");
        // About 300 requests fell due during the stall: far more than one late reply.
        let late = run.latencies.count_between(100_000_000, HISTOGRAM_MAX_NS);
        assert!(late >= 100, "{late} replies over 100 ms");
    }
}
