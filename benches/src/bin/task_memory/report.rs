//! The results: one table (stdout and `task_memory.md`, a fragment for BENCHMARKS.md) and
//! `task_memory.json`, with the machine they were measured on.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::args::Runtime;
use crate::child::Sample;

/// The published figure the table is set beside: tokio at a million idle tasks.
pub const PUBLISHED_TOKIO_BYTES: u64 = 440;

/// One (runtime, count) point: its sample, or why its child failed.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub runtime: Runtime,
    pub count: usize,
    /// (rss_after − rss_before) / count, in bytes.
    pub bytes_per_task: Option<f64>,
    pub sample: Option<Sample>,
    pub failure: Option<String>,
}

impl Point {
    pub fn measured(sample: Sample) -> Self {
        let grown = sample.rss_after_kib as f64 - sample.rss_before_kib as f64;
        Point {
            runtime: sample.runtime,
            count: sample.count,
            bytes_per_task: Some(grown * 1024.0 / sample.count as f64),
            sample: Some(sample),
            failure: None,
        }
    }

    pub fn failed(runtime: Runtime, count: usize, why: String) -> Self {
        Point { runtime, count, bytes_per_task: None, sample: None, failure: Some(why) }
    }
}

/// The machine a run was made on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cores: usize,
    /// `/proc/sys/kernel/osrelease`.
    pub kernel: String,
    /// The first `model name` in `/proc/cpuinfo`.
    pub cpu: String,
}

impl Machine {
    pub fn read() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpu = read("/proc/cpuinfo")
            .lines()
            .find_map(|line| line.strip_prefix("model name")?.trim_start().strip_prefix(':'))
            .map_or_else(|| "unknown CPU".to_owned(), |model| model.trim().to_owned());
        Machine {
            cores: benches::worker_threads(),
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            cpu,
        }
    }
}

/// Everything one run found, as `task_memory.json` holds it.
#[derive(Debug, Serialize)]
pub struct Report {
    pub machine: Machine,
    /// `size_of` the future every task runs.
    pub task_future_bytes: usize,
    pub wait_primitive: &'static str,
    pub published_tokio_bytes_per_task_at_1m: u64,
    pub counts: Vec<usize>,
    pub points: Vec<Point>,
}

/// How each runtime is listed in the table.
fn label(runtime: Runtime, cores: usize) -> String {
    match runtime {
        Runtime::TokioMt => format!("tokio multi-thread, `tokio::spawn` ({cores} workers)"),
        Runtime::TokioCt => "tokio current-thread, `tokio::spawn`".into(),
        Runtime::AsyncStd => "async-std, `task::spawn`".into(),
        Runtime::Smol => format!("smol `Executor::spawn` ({cores} threads)"),
        Runtime::SmolLocal => "smol `LocalExecutor::spawn`".into(),
        Runtime::JoinAll => "floor: `join_all`, no runtime".into(),
    }
}

impl Report {
    fn point(&self, runtime: Runtime, count: usize) -> Option<&Point> {
        self.points.iter().find(|p| p.runtime == runtime && p.count == count)
    }

    fn runtimes(&self) -> Vec<Runtime> {
        let mut runtimes: Vec<Runtime> = Vec::new();
        for p in &self.points {
            if !runtimes.contains(&p.runtime) {
                runtimes.push(p.runtime);
            }
        }
        runtimes
    }

    /// A cell: bytes per task, and beside it the difference to the floor at the same count.
    fn cell(&self, runtime: Runtime, count: usize) -> String {
        let Some(point) = self.point(runtime, count) else { return String::new() };
        let Some(bytes) = point.bytes_per_task else { return "failed".into() };
        let floor = self.point(Runtime::JoinAll, count).and_then(|p| p.bytes_per_task);
        match floor {
            Some(floor) if runtime != Runtime::JoinAll => {
                format!("{bytes:.0} ({:+.0})", bytes - floor)
            }
            _ => format!("{bytes:.0}"),
        }
    }

    /// The Markdown table, one row per runtime, one column per count.
    pub fn table(&self) -> String {
        let mut md = String::from("| runtime |");
        for count in &self.counts {
            let _ = write!(md, " {} tasks |", thousands(*count));
        }
        md.push_str("\n| --- |");
        md.push_str(&" ---: |".repeat(self.counts.len()));
        md.push('\n');
        for runtime in self.runtimes() {
            let _ = write!(md, "| {} |", label(runtime, self.machine.cores));
            for &count in &self.counts {
                let _ = write!(md, " {} |", self.cell(runtime, count));
            }
            md.push('\n');
        }
        md
    }

    /// The failed points, one line each.
    pub fn failures(&self) -> Vec<String> {
        self.points
            .iter()
            .filter_map(|p| {
                let why = p.failure.as_ref()?;
                Some(format!("{} at {} tasks: {why}", p.runtime.name(), p.count))
            })
            .collect()
    }

    pub fn markdown(&self) -> String {
        let m = &self.machine;
        let mut md = String::from("### Memory per idle task\n\n");
        let _ = writeln!(
            md,
            "`cargo run --release -p benches --bin task_memory`. Bytes of resident memory (VmRSS) \
             per task while N tasks wait, each holding a u64 state and its index ({} bytes of \
             future) across one `.await` on {}; in parentheses, the difference to the floor at \
             the same count, i.e. what the runtime itself costs per task. Each point runs in a \
             fresh process, after a warm-up round on the same runtime.\n",
            self.task_future_bytes, self.wait_primitive
        );
        md.push_str(&self.table());
        let _ = writeln!(
            md,
            "\nMachine: {} cores, Linux {}, {}. For comparison, the published figure: ~{} B per \
             idle tokio task at 1,000,000 tasks.",
            m.cores, m.kernel, m.cpu, self.published_tokio_bytes_per_task_at_1m
        );
        for failure in self.failures() {
            let _ = writeln!(md, "\nFailed: {failure}.");
        }
        md
    }

    /// Writes `task_memory.md` and `task_memory.json` into `out`; returns their paths.
    pub fn write(&self, out: &Path) -> anyhow::Result<[PathBuf; 2]> {
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        let md = out.join("task_memory.md");
        std::fs::write(&md, self.markdown())
            .with_context(|| format!("writing {}", md.display()))?;
        let json = out.join("task_memory.json");
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(&json, text + "\n")
            .with_context(|| format!("writing {}", json.display()))?;
        Ok([md, json])
    }
}

/// `1000000` as `1,000,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(runtime: Runtime, count: usize, before: u64, after: u64) -> Sample {
        Sample {
            runtime,
            count,
            rss_before_kib: before,
            rss_after_kib: after,
            parked: count,
            completed: count,
            threads: 1,
        }
    }

    #[test]
    fn table_shows_bytes_per_task_and_the_difference_to_the_floor() {
        let report = Report {
            machine: Machine { cores: 2, kernel: "6.1".into(), cpu: "CPU".into() },
            task_future_bytes: 40,
            wait_primitive: "a Shared",
            published_tokio_bytes_per_task_at_1m: PUBLISHED_TOKIO_BYTES,
            counts: vec![1_000, 10_000],
            points: vec![
                Point::measured(sample(Runtime::TokioCt, 1_000, 1_000, 1_300)),
                Point::failed(Runtime::TokioCt, 10_000, "killed".into()),
                Point::measured(sample(Runtime::JoinAll, 1_000, 1_000, 1_100)),
                Point::measured(sample(Runtime::JoinAll, 10_000, 1_000, 2_000)),
            ],
        };
        assert_eq!(
            report.table(),
            "| runtime | 1,000 tasks | 10,000 tasks |\n| --- | ---: | ---: |\n\
             | tokio current-thread, `tokio::spawn` | 307 (+205) | failed |\n\
             | floor: `join_all`, no runtime | 102 | 102 |\n"
        );
        let md = report.markdown();
        assert!(md.starts_with("### Memory per idle task\n"), "{md}");
        assert!(md.contains("Machine: 2 cores, Linux 6.1, CPU. For comparison"), "{md}");
        assert!(md.contains("Failed: tokio-ct at 10000 tasks: killed."), "{md}");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
    }
}
