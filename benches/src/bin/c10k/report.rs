//! What a run leaves behind for the report: `c10k-<runtime>-<server>.json` with every figure of
//! the run, and `c10k.md`, a Markdown fragment for BENCHMARKS.md regenerated from all the JSON
//! files in the same directory, so runs made one at a time end up in one table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::args::ASYNC_STD_HAS_NO_READINESS;
use crate::limits::FdLimit;
use crate::procfs::{Machine, Sockstat};

/// Latency percentiles in microseconds.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
}

/// The load run once all connections were open.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoadRecord {
    /// `paced` or `rounds`.
    pub kind: String,
    /// Paced: the interval between one connection's messages, and how long the load lasted.
    pub pace_ms: Option<u64>,
    pub duration_s: Option<f64>,
    /// Rounds: how many round trips were in flight at once.
    pub in_flight: Option<usize>,
    pub messages_per_connection: usize,
    pub message_bytes: usize,
    /// Echoes that came back whole and checked.
    pub messages: usize,
    /// Paced: from each message's due time to its echo's last byte; rounds: the round trip.
    pub latency: Option<Percentiles>,
    /// Paced only: from the first byte written to the last byte read, without the client's lag.
    pub round_trip: Option<Percentiles>,
}

/// The server's resident memory.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct RssRecord {
    pub idle_kib: u64,
    pub loaded_kib: u64,
    /// `(loaded - idle) / connections opened`.
    pub per_connection_bytes: f64,
}

/// One run, as `c10k-<runtime>-<server>.json` holds it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    pub runtime: String,
    pub runtime_kind: String,
    pub server: String,
    pub connections: usize,
    pub opened: usize,
    pub held: usize,
    pub errors: usize,
    pub first_errors: Vec<String>,
    pub connect_s: f64,
    pub load: LoadRecord,
    pub server_rss: RssRecord,
    /// `/proc/net/sockstat` before the connections and with all of them open (system-wide).
    pub sockstat_idle: Sockstat,
    pub sockstat_loaded: Sockstat,
    pub server_threads: Vec<String>,
    pub server_exit: String,
    pub ok: bool,
    pub fd_limit: FdLimit,
    pub fds_needed_per_process: u64,
    pub machine: Machine,
}

/// `--out`'s default: `$CARGO_TARGET_DIR/bench-results`, else the workspace's
/// `target/bench-results`.
pub fn default_out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new(".")).join("target")
    });
    target.join("bench-results")
}

/// Writes `record` as `dir/c10k-<runtime>-<server>.json`, then regenerates `dir/c10k.md` from
/// every such file there; returns both paths.
pub fn write(dir: &Path, record: &Record) -> anyhow::Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let json = dir.join(format!("c10k-{}-{}.json", record.runtime, record.server));
    let text = serde_json::to_string_pretty(record).expect("a record always serializes");
    std::fs::write(&json, text + "\n").with_context(|| format!("writing {}", json.display()))?;
    let mut records = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !(name.starts_with("c10k-") && name.ends_with(".json")) {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        match serde_json::from_str::<Record>(&text) {
            Ok(record) => records.push(record),
            Err(error) => eprintln!("c10k: {} left out of c10k.md: {error}", path.display()),
        }
    }
    let markdown = dir.join("c10k.md");
    std::fs::write(&markdown, render(&mut records))
        .with_context(|| format!("writing {}", markdown.display()))?;
    Ok((json, markdown))
}

/// The runtimes in the order the table shows them.
fn runtime_rank(runtime: &str) -> usize {
    ["tokio", "smol", "async-std"].iter().position(|r| *r == runtime).unwrap_or(3)
}

/// How the table names each runtime's server.
fn server_label(runtime: &str) -> String {
    match runtime {
        "tokio" => "tokio current-thread".to_owned(),
        "smol" => "smol `LocalExecutor`".to_owned(),
        "async-std" => "async-std, 1 thread".to_owned(),
        other => other.to_owned(),
    }
}

/// Microseconds shown in µs, ms or s, whichever reads best.
pub fn show_us(micros: f64) -> String {
    if micros < 1e3 {
        format!("{micros:.0} µs")
    } else if micros < 1e6 {
        format!("{:.1} ms", micros / 1e3)
    } else {
        format!("{:.2} s", micros / 1e6)
    }
}

/// Bytes shown in B or KiB.
pub fn show_bytes(bytes: f64) -> String {
    if bytes < 1024.0 { format!("{bytes:.0} B") } else { format!("{:.1} KiB", bytes / 1024.0) }
}

/// The Markdown fragment for `records`, sorted by variant then runtime.
fn render(records: &mut [Record]) -> String {
    records.sort_by(|a, b| {
        (a.server != "buffered", runtime_rank(&a.runtime), &a.runtime).cmp(&(
            b.server != "buffered",
            runtime_rank(&b.runtime),
            &b.runtime,
        ))
    });
    let mut md = String::from("### C10K at the descriptor limit\n\n");
    md.push_str(
        "Written by `c10k` from the `c10k-<runtime>-<server>.json` files beside this one, one row \
         per run. The server runs on one executor thread in its own process; the client (tokio, \
         multi-thread) is the same for every row. `buffered`: each connection task owns a \
         256-byte buffer; `readiness`: it owns none, awaits readiness and reads into one buffer \
         per thread.\n\n",
    );
    md.push_str(
        "| server | variant | load | held | errors | p50 | p99 | max | server RSS idle → N | per \
         connection | kernel TCP memory idle → N | TCP sockets idle → N | server threads |\n",
    );
    md.push_str(
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for r in records.iter() {
        let load = match (r.load.kind.as_str(), r.load.pace_ms, r.load.duration_s) {
            ("paced", Some(pace), Some(duration)) => {
                format!("paced: 1 per {pace} ms per connection, {duration:.0} s")
            }
            _ => format!(
                "{} closed-loop rounds, {} in flight",
                r.load.messages_per_connection,
                r.load.in_flight.unwrap_or(0)
            ),
        };
        let (p50, p99, max) = r.load.latency.map_or_else(
            || ("–".to_owned(), "–".to_owned(), "–".to_owned()),
            |l| (show_us(l.p50_us), show_us(l.p99_us), show_us(l.max_us)),
        );
        let threads = r.server_threads.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>();
        let _ = writeln!(
            md,
            "| {} | {} | {load} | {}/{} | {} | {p50} | {p99} | {max} | {:.1} → {:.1} MiB | {} | \
             {} → {} KiB | {} → {} | {}: {} |",
            server_label(&r.runtime),
            r.server,
            r.held,
            r.connections,
            r.errors,
            r.server_rss.idle_kib as f64 / 1024.0,
            r.server_rss.loaded_kib as f64 / 1024.0,
            show_bytes(r.server_rss.per_connection_bytes),
            r.sockstat_idle.tcp_mem_kib(),
            r.sockstat_loaded.tcp_mem_kib(),
            r.sockstat_idle.tcp_inuse,
            r.sockstat_loaded.tcp_inuse,
            threads.len(),
            threads.join(", "),
        );
    }
    let _ = write!(
        md,
        "\nasync-std has no `readiness` row: {ASYNC_STD_HAS_NO_READINESS}, so `c10k` refuses that \
         variant.\n\nPaced latency runs from the time each message was due (the connections' \
         schedules are spread evenly over the interval), so a client that falls behind counts \
         against it; rounds latency is the closed-loop round trip. Server RSS is sampled idle and \
         with all N connections open and idle, after one echo each. Kernel TCP memory is \
         `/proc/net/sockstat`'s `TCP: mem` (pages charged to socket buffers, not the socket \
         structures themselves) and the socket counts its `TCP: inuse`: both are system-wide, so \
         the client's and the server's sockets both count (2 per connection), and so does anything \
         else running on the machine.\n\n"
    );
    let mut machines: Vec<(&Machine, &FdLimit)> = Vec::new();
    for r in records.iter() {
        if !machines.iter().any(|(m, l)| *m == &r.machine && l.soft == r.fd_limit.soft) {
            machines.push((&r.machine, &r.fd_limit));
        }
    }
    for (machine, limit) in machines {
        let _ = writeln!(
            md,
            "Machine: {} cores, {}, Linux {}; descriptor limit {} per process ({}).",
            machine.cores, machine.cpu, machine.kernel, limit.soft, limit.bound_by,
        );
    }
    md
}
