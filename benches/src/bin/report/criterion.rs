//! Criterion's saved results read into a model: every `<group>/<function>/<value>/` directory
//! holding `new/benchmark.json` (the id and throughput) and `new/estimates.json` (the statistics)
//! becomes a [`Measurement`] in its [`Group`]'s table, groups and columns in report order.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use benches::Skipped;
use serde::Deserialize;

use crate::table::MISSING;

/// Runtime ids in the order their columns appear; other ids follow alphabetically.
pub const RUNTIME_ORDER: &[&str] = &[
    "tokio-mt",
    "tokio-ct",
    "async-std",
    "smol",
    "smol-local",
    "compio",
    "futures-local",
    // The `state_machine` group compares two ways to write the same future, not runtimes.
    "hand-written",
    "async-fn",
];

/// Workload groups in the order the issue lists them; other groups follow alphabetically.
const WORKLOAD_ORDER: &[&str] = &[
    "spawn_many",
    "yield_many",
    "ping_pong",
    "chained_spawn",
    "mpsc",
    "mpsc_4p",
    "mutex",
    "timers",
    "tcp_echo",
    "tcp_echo_many",
    "file_read",
    "spawn_blocking",
    "state_machine",
];

/// The column every ratio is taken against, when a group has it.
pub const BASELINE: &str = "tokio-mt";

/// `new/benchmark.json`: the fields of criterion's `BenchmarkId` the report needs.
#[derive(Debug, Deserialize)]
struct BenchmarkFile {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
    throughput: Option<Throughput>,
}

/// Criterion's `Throughput`, as it serialises it: what one iteration processes.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub enum Throughput {
    Bits(u64),
    Bytes(u64),
    BytesDecimal(u64),
    Elements(u64),
    ElementsAndBytes { elements: u64, bytes: u64 },
}

/// `new/estimates.json`: only the median is used.
#[derive(Debug, Deserialize)]
struct EstimatesFile {
    median: EstimateFile,
}

#[derive(Debug, Deserialize)]
struct EstimateFile {
    point_estimate: f64,
    confidence_interval: IntervalFile,
}

#[derive(Debug, Deserialize)]
struct IntervalFile {
    lower_bound: f64,
    upper_bound: f64,
}

/// One benchmark's median time per iteration and its 95 % confidence interval, in nanoseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub median: f64,
    pub lower: f64,
    pub upper: f64,
    pub throughput: Option<Throughput>,
}

impl Measurement {
    /// Whether the two confidence intervals share a point: the medians differ within noise.
    pub fn overlaps(&self, other: &Self) -> bool {
        self.lower <= other.upper && other.lower <= self.upper
    }
}

/// A benchmark's parameter (criterion's `value_str`): sorted numerically when it is a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Size(pub Option<String>);

impl Size {
    pub fn numeric(&self) -> Option<f64> {
        let value = self.0.as_deref()?.trim().parse::<f64>().ok()?;
        value.is_finite().then_some(value)
    }

    pub fn label(&self) -> &str {
        self.0.as_deref().unwrap_or(MISSING)
    }
}

impl Ord for Size {
    /// No parameter first, then numbers by value, then other text alphabetically.
    fn cmp(&self, other: &Self) -> Ordering {
        let rank = |size: &Self| match (&size.0, size.numeric()) {
            (None, _) => 0,
            (Some(_), Some(_)) => 1,
            (Some(_), None) => 2,
        };
        rank(self)
            .cmp(&rank(other))
            .then_with(|| match (self.numeric(), other.numeric()) {
                (Some(a), Some(b)) => a.total_cmp(&b),
                _ => Ordering::Equal,
            })
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Size {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One workload's results: a row per size, a column per runtime, and notes for under the table.
#[derive(Debug)]
pub struct Group {
    pub name: String,
    pub runtimes: Vec<String>,
    pub rows: Vec<(Size, Vec<Option<Measurement>>)>,
    pub notes: Vec<String>,
}

impl Group {
    /// The column ratios are taken against: `tokio-mt`, else the first one.
    pub fn baseline(&self) -> usize {
        self.runtimes.iter().position(|runtime| runtime == BASELINE).unwrap_or(0)
    }

    pub fn measurements(&self) -> impl Iterator<Item = &Measurement> {
        self.rows.iter().flat_map(|(_, cells)| cells.iter().flatten())
    }
}

/// Orders ids by their position in `preferred`, then the others alphabetically after them.
fn preferred_order(preferred: &[&str], a: &str, b: &str) -> Ordering {
    let rank = |id: &str| preferred.iter().position(|p| *p == id).unwrap_or(preferred.len());
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

/// Orders groups as [`WORKLOAD_ORDER`] lists them; a variant of a listed workload
/// (`state_machine_tokio_ct`) follows it, the others come last, alphabetically.
fn workload_order(a: &str, b: &str) -> Ordering {
    let rank = |id: &str| {
        let listed = |(i, name): (usize, &&str)| {
            let variant =
                id.strip_prefix(*name).is_some_and(|rest| rest.is_empty() || rest.starts_with('_'));
            variant.then_some((i, name.len()))
        };
        // The longest listed prefix: `mpsc_4p` is itself listed, not a variant of `mpsc`.
        WORKLOAD_ORDER
            .iter()
            .enumerate()
            .filter_map(listed)
            .max_by_key(|(_, len)| *len)
            .map_or(WORKLOAD_ORDER.len(), |(i, _)| i)
    };
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

/// One group's results by size and runtime, with the directory each was read from.
type GroupResults = BTreeMap<(Size, String), (PathBuf, Measurement)>;

/// Reads every benchmark under `dir` into groups, in report order.
pub fn collect(dir: &Path) -> Result<Vec<Group>> {
    if !dir.is_dir() {
        bail!(
            "criterion directory {} does not exist: run `cargo bench -p benches` first to create \
             it, or pass --criterion-dir DIR",
            dir.display()
        );
    }
    let mut bench_dirs = Vec::new();
    find_benchmarks(dir, &mut bench_dirs)?;
    if bench_dirs.is_empty() {
        bail!(
            "no benchmark results in {} (no <group>/<function>/<size>/new/benchmark.json): run \
             `cargo bench -p benches` first",
            dir.display()
        );
    }

    // group -> (size, runtime) -> where it was read from, and what.
    let mut found: BTreeMap<String, GroupResults> = BTreeMap::new();
    for bench_dir in bench_dirs {
        let (id, measurement) = read_benchmark(&bench_dir)?;
        let runtime = id.function_id.unwrap_or_else(|| id.group_id.clone());
        let key = (Size(id.value_str), runtime);
        let group = found.entry(id.group_id).or_default();
        if let Some((first, _)) = group.get(&key) {
            bail!(
                "two results for the same benchmark id in {} and {}",
                first.display(),
                bench_dir.display()
            );
        }
        group.insert(key, (bench_dir, measurement));
    }

    let mut groups: Vec<Group> = found
        .into_iter()
        .map(|(name, results)| {
            let mut runtimes: Vec<String> = results.keys().map(|(_, r)| r.clone()).collect();
            runtimes.sort_by(|a, b| preferred_order(RUNTIME_ORDER, a, b));
            runtimes.dedup();
            let mut rows: Vec<(Size, Vec<Option<Measurement>>)> = Vec::new();
            // The map is sorted by size first, so each size's results are adjacent.
            for ((size, runtime), (_, measurement)) in results {
                if rows.last().is_none_or(|(last, _)| *last != size) {
                    rows.push((size, vec![None; runtimes.len()]));
                }
                let column = runtimes
                    .iter()
                    .position(|r| *r == runtime)
                    .expect("every runtime of the group has a column");
                let (_, cells) = rows.last_mut().expect("a row was just pushed");
                cells[column] = Some(measurement);
            }
            Group { name, runtimes, rows, notes: Vec::new() }
        })
        .collect();
    groups.sort_by(|a, b| workload_order(&a.name, &b.name));
    Ok(groups)
}

/// Applies the benches' [`Skipped`] records: in each group a record names, the skipped runtime
/// gets an empty column (any results of an earlier run in the directory are not shown as this
/// run's), and the reason becomes a note under the table.
pub fn apply_skipped(groups: &mut [Group], records: &[Skipped]) {
    for record in records {
        let runtime = &record.runtime;
        for group in groups.iter_mut().filter(|g| record.groups.contains(&g.name)) {
            match group.runtimes.iter().position(|r| r == runtime) {
                Some(column) => group.rows.iter_mut().for_each(|(_, cells)| cells[column] = None),
                None => {
                    let column = group
                        .runtimes
                        .iter()
                        .position(|r| preferred_order(RUNTIME_ORDER, runtime, r).is_lt())
                        .unwrap_or(group.runtimes.len());
                    group.runtimes.insert(column, runtime.clone());
                    group.rows.iter_mut().for_each(|(_, cells)| cells.insert(column, None));
                }
            }
            group.notes.push(format!("`{runtime}` not measured: {}.", record.reason));
        }
    }
}

/// Collects the directories below `dir` that hold a `new/benchmark.json`, skipping criterion's
/// HTML `report/` directories and its per-benchmark `new/`, `base/` and `change/` data.
fn find_benchmarks(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let file_type =
            entry.file_type().with_context(|| format!("reading {}", entry.path().display()))?;
        let name = entry.file_name();
        let skipped =
            name.to_str().is_some_and(|name| ["report", "new", "base", "change"].contains(&name));
        if !file_type.is_dir() || skipped {
            continue;
        }
        let path = entry.path();
        if path.join("new").join("benchmark.json").is_file() {
            found.push(path.clone());
        }
        find_benchmarks(&path, found)?;
    }
    Ok(())
}

/// Reads one benchmark directory's `new/benchmark.json` and `new/estimates.json`.
fn read_benchmark(dir: &Path) -> Result<(BenchmarkFile, Measurement)> {
    let id: BenchmarkFile = read_json(&dir.join("new").join("benchmark.json"))?;
    let estimates_path = dir.join("new").join("estimates.json");
    let estimates: EstimatesFile = read_json(&estimates_path)?;
    let median = estimates.median;
    let measurement = Measurement {
        median: median.point_estimate,
        lower: median.confidence_interval.lower_bound,
        upper: median.confidence_interval.upper_bound,
        throughput: id.throughput,
    };
    let valid = [measurement.median, measurement.lower, measurement.upper]
        .iter()
        .all(|v| v.is_finite() && *v >= 0.0);
    if !valid {
        bail!(
            "{}: the median and its confidence interval must be finite, non-negative times",
            estimates_path.display()
        );
    }
    Ok((id, measurement))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("malformed JSON in {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::fake_tree;

    #[test]
    fn missing_directory_names_it_and_the_command_that_creates_it() {
        let tree = tempfile::tempdir().expect("create a temporary directory");
        let missing = tree.path().join("no-such-dir");
        let error = collect(&missing).expect_err("a missing directory is an error");
        let message = format!("{error:#}");
        assert!(message.contains(&missing.display().to_string()), "{message}");
        assert!(message.contains("cargo bench -p benches"), "{message}");

        let error = collect(tree.path()).expect_err("an empty directory is an error");
        assert!(format!("{error:#}").contains("no benchmark results"));
    }

    #[test]
    fn malformed_json_names_the_file() {
        let tree = fake_tree();
        let bad = tree.path().join("spawn_many/smol/100/new/estimates.json");
        fs::write(&bad, r#"{"median": {"point_estimate": "#).expect("truncate estimates.json");
        let error = collect(tree.path()).expect_err("malformed JSON is an error");
        let message = format!("{error:#}");
        assert!(message.contains("malformed JSON"), "{message}");
        assert!(message.contains(&bad.display().to_string()), "{message}");
    }

    #[test]
    fn sizes_sort_numerically_then_as_text() {
        let mut sizes: Vec<Size> = ["1000", "abc", "20", "100", "1e1"]
            .into_iter()
            .map(|s| Size(Some(s.to_owned())))
            .chain([Size(None)])
            .collect();
        sizes.sort();
        let labels: Vec<&str> = sizes.iter().map(Size::label).collect();
        assert_eq!(labels, [MISSING, "1e1", "20", "100", "1000", "abc"]);
    }

    #[test]
    fn groups_in_workload_order_with_variants_after_their_workload() {
        let mut ids = [
            "zzz",
            "state_machine_tokio_ct",
            "mpsc_4p",
            "state_machine",
            "mpsc",
            "spawn_many",
            "mpsc_other",
            "aaa",
        ];
        ids.sort_by(|a, b| workload_order(a, b));
        assert_eq!(
            ids,
            [
                "spawn_many",
                "mpsc",
                "mpsc_other",
                "mpsc_4p",
                "state_machine",
                "state_machine_tokio_ct",
                "aaa",
                "zzz",
            ]
        );
    }

    #[test]
    fn runtimes_in_the_preferred_order_then_alphabetically() {
        let mut ids = [
            "std",
            "smol-local",
            "compio",
            "zeta",
            "tokio-ct",
            "futures-local",
            "smol",
            "async-std",
            "tokio-mt",
            "std-on-tokio-mt",
        ];
        ids.sort_by(|a, b| preferred_order(RUNTIME_ORDER, a, b));
        assert_eq!(
            ids,
            [
                "tokio-mt",
                "tokio-ct",
                "async-std",
                "smol",
                "smol-local",
                "compio",
                "futures-local",
                "std",
                "std-on-tokio-mt",
                "zeta",
            ]
        );
    }
}
