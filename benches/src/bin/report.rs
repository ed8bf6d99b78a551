//! Turns criterion's saved estimates into the tables and charts a reader of the benchmarks needs.
//!
//! ```text
//! cargo bench -p benches                # measure: criterion writes target/criterion/
//! cargo run -p benches --bin report     # summarise: target/criterion/summary/report.md + SVGs
//! ```
//!
//! The tool walks criterion's directory for every `<group>/<function>/<value>/new/` pair of
//! `benchmark.json` (the id and throughput) and `estimates.json` (the statistics), and writes:
//!
//! - `report.md` (also printed on stdout): one table per workload group, a row per size (sorted
//!   numerically), a column per runtime in a fixed order (`tokio-mt`, `tokio-ct`, `async-std`,
//!   `smol`, `smol-local`, `futures-local`, then the others alphabetically). Each cell holds the
//!   median time per iteration and its ratio to the group's baseline (`tokio-mt`, or the first
//!   column when the group has none), marked `≈` when the two medians' 95 % confidence intervals
//!   overlap, i.e. the difference is within the noise of the measurement.
//! - `<group>.svg`: the cost per item (time per element, or MiB/s for byte throughput) against
//!   size (log x; log y when the values span over 10×), one line per runtime with its confidence
//!   intervals, and `all.svg`, every group's chart on one grid. `report.md` links them by
//!   relative path.
//!
//! The median rather than the mean: on a shared machine the occasional descheduled sample drags
//! the mean, while the median moves only when the typical iteration does.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Deserialize;

const USAGE: &str = "\
Summarise criterion's saved estimates as Markdown tables and SVG charts.

Usage: cargo run -p benches --bin report -- [OPTIONS]

Options:
  --criterion-dir DIR  criterion's output directory [default: $CARGO_TARGET_DIR/criterion,
                       or <workspace>/target/criterion]
  --out DIR            where to write report.md and the SVG charts
                       [default: <criterion-dir>/summary]
  -h, --help           print this help

Run `cargo bench -p benches` first: it creates the criterion directory.
The Markdown report is also printed on stdout.";

/// Runtime ids in the order their columns appear; other ids follow alphabetically.
const RUNTIME_ORDER: &[&str] = &[
    "tokio-mt",
    "tokio-ct",
    "async-std",
    "smol",
    "smol-local",
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
const BASELINE: &str = "tokio-mt";

/// Prefixed to a ratio whose confidence interval overlaps the baseline's.
const NOISE_MARK: &str = "≈";

/// Shown for a runtime that has no result at a size.
const MISSING: &str = "–";

/// The name of the grid of every group's chart.
const ALL_CHARTS: &str = "all.svg";

fn main() -> ExitCode {
    let options = match parse_args(std::env::args_os().skip(1)) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(options)) => options,
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(written) => {
            print!("{}", written.markdown);
            eprintln!(
                "report: wrote {} and {} chart(s) to {}",
                written.report.display(),
                written.charts,
                options.out_dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Command {
    Help,
    Run(Options),
}

/// Where to read from and write to.
#[derive(Debug, PartialEq)]
struct Options {
    criterion_dir: PathBuf,
    out_dir: PathBuf,
}

/// Parses the arguments after the program name; `Err` carries a message for the user.
fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut criterion_dir = None;
    let mut out_dir = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        let (name, inline_value) = match text.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value)),
            _ => (text.as_ref(), None),
        };
        let slot = match name {
            "-h" | "--help" => return Ok(Command::Help),
            "--criterion-dir" => &mut criterion_dir,
            "--out" => &mut out_dir,
            _ => return Err(format!("unexpected argument `{text}`")),
        };
        let value = match inline_value {
            Some(value) => OsString::from(value),
            None => args
                .next()
                .ok_or_else(|| format!("`{name}` needs a directory"))?,
        };
        if value.is_empty() {
            return Err(format!("`{name}` needs a directory"));
        }
        *slot = Some(PathBuf::from(value));
    }
    let criterion_dir = criterion_dir.unwrap_or_else(default_criterion_dir);
    let out_dir = out_dir.unwrap_or_else(|| criterion_dir.join("summary"));
    Ok(Command::Run(Options {
        criterion_dir,
        out_dir,
    }))
}

/// `$CARGO_TARGET_DIR/criterion` when that is set (as cargo reads it, relative to the current
/// directory), else the workspace's `target/criterion`.
fn default_criterion_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("criterion"),
        _ => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the benches package is a directory inside the workspace")
            .join("target")
            .join("criterion"),
    }
}

/// What [`run`] wrote.
struct Written {
    markdown: String,
    report: PathBuf,
    charts: usize,
}

/// Reads the criterion directory and writes the Markdown report and the charts.
fn run(options: &Options) -> Result<Written> {
    let groups = collect(&options.criterion_dir)?;
    let out = &options.out_dir;
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;

    let styles = SeriesStyles::new(&groups);
    let mut charts = Vec::with_capacity(groups.len());
    let mut drawn = Vec::new();
    for group in &groups {
        let series = chart_series(group, &styles);
        if series.is_empty() {
            charts.push(None);
            continue;
        }
        let file = format!("{}.svg", file_stem(&group.name));
        let path = out.join(&file);
        let root = SVGBackend::new(&path, CHART_SIZE).into_drawing_area();
        draw_chart(&root, group, &series)
            .and_then(|()| root.present())
            .map_err(|e| anyhow!("drawing {}: {e}", path.display()))?;
        charts.push(Some(file));
        drawn.push((group, series));
    }
    if !drawn.is_empty() {
        let path = out.join(ALL_CHARTS);
        let columns = drawn.len().min(2);
        let rows = drawn.len().div_ceil(columns);
        let size = (
            CHART_SIZE.0 * u32::try_from(columns).expect("at most 2 columns"),
            CHART_SIZE.1 * u32::try_from(rows).context("too many groups for one grid")?,
        );
        let root = SVGBackend::new(&path, size).into_drawing_area();
        root.split_evenly((rows, columns))
            .iter()
            .zip(&drawn)
            .try_for_each(|(area, (group, series))| draw_chart(area, group, series))
            .and_then(|()| root.present())
            .map_err(|e| anyhow!("drawing {}: {e}", path.display()))?;
    }

    let markdown = render_markdown(&groups, &charts);
    let report = out.join("report.md");
    fs::write(&report, &markdown).with_context(|| format!("writing {}", report.display()))?;
    Ok(Written {
        markdown,
        report,
        charts: drawn.len(),
    })
}

// ---------------------------------------------------------------------------------------------
// Reading criterion's files.

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
enum Throughput {
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
struct Measurement {
    median: f64,
    lower: f64,
    upper: f64,
    throughput: Option<Throughput>,
}

impl Measurement {
    /// Whether the two confidence intervals share a point: the medians differ within noise.
    fn overlaps(&self, other: &Self) -> bool {
        self.lower <= other.upper && other.lower <= self.upper
    }
}

/// A benchmark's parameter (criterion's `value_str`): sorted numerically when it is a number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Size(Option<String>);

impl Size {
    fn numeric(&self) -> Option<f64> {
        let value = self.0.as_deref()?.trim().parse::<f64>().ok()?;
        value.is_finite().then_some(value)
    }

    fn label(&self) -> &str {
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

/// One workload's results: a row per size, a column per runtime.
#[derive(Debug)]
struct Group {
    name: String,
    runtimes: Vec<String>,
    rows: Vec<(Size, Vec<Option<Measurement>>)>,
}

impl Group {
    /// The column ratios are taken against: `tokio-mt`, else the first one.
    fn baseline(&self) -> usize {
        self.runtimes
            .iter()
            .position(|runtime| runtime == BASELINE)
            .unwrap_or(0)
    }

    fn measurements(&self) -> impl Iterator<Item = &Measurement> {
        self.rows
            .iter()
            .flat_map(|(_, cells)| cells.iter().flatten())
    }
}

/// Orders ids by their position in `preferred`, then the others alphabetically after them.
fn preferred_order(preferred: &[&str], a: &str, b: &str) -> Ordering {
    let rank = |id: &str| {
        preferred
            .iter()
            .position(|p| *p == id)
            .unwrap_or(preferred.len())
    };
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

/// Orders groups as [`WORKLOAD_ORDER`] lists them; a variant of a listed workload
/// (`state_machine_tokio_ct`) follows it, the others come last, alphabetically.
fn workload_order(a: &str, b: &str) -> Ordering {
    let rank = |id: &str| {
        let listed = |(i, name): (usize, &&str)| {
            let variant = id
                .strip_prefix(*name)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'));
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
fn collect(dir: &Path) -> Result<Vec<Group>> {
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
            Group {
                name,
                runtimes,
                rows,
            }
        })
        .collect();
    groups.sort_by(|a, b| workload_order(&a.name, &b.name));
    Ok(groups)
}

/// Collects the directories below `dir` that hold a `new/benchmark.json`, skipping criterion's
/// HTML `report/` directories and its per-benchmark `new/`, `base/` and `change/` data.
fn find_benchmarks(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let file_type = entry
            .file_type()
            .with_context(|| format!("reading {}", entry.path().display()))?;
        let name = entry.file_name();
        let skipped = name
            .to_str()
            .is_some_and(|name| ["report", "new", "base", "change"].contains(&name));
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

// ---------------------------------------------------------------------------------------------
// Number formatting.

/// Rounds to three significant figures, returning the value and its decimal exponent.
fn round3(value: f64) -> (f64, i32) {
    // `{:e}` rounds correctly, including the carry of 999.6 into 1.00e3.
    let scientific = format!("{value:.2e}");
    let (_, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` output has an exponent");
    let rounded = scientific.parse().expect("`{:e}` output parses back");
    let exponent = exponent.parse().expect("`{:e}` exponent is an integer");
    (rounded, exponent)
}

/// A number with three significant figures: `0.0412`, `1.31`, `41.2`, `412`, `41200`.
fn format_sig3(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let (rounded, exponent) = round3(value);
    let decimals = usize::try_from(2 - exponent).unwrap_or(0);
    format!("{rounded:.decimals$}")
}

/// A duration in nanoseconds with three significant figures in ns, µs, ms or s.
fn format_duration(nanos: f64) -> String {
    if !nanos.is_finite() || nanos == 0.0 {
        return format!("{} ns", format_sig3(nanos));
    }
    let (rounded, _) = round3(nanos);
    let (scale, unit) = match rounded.abs() {
        n if n < 1e3 => (1.0, "ns"),
        n if n < 1e6 => (1e3, "µs"),
        n if n < 1e9 => (1e6, "ms"),
        _ => (1e9, "s"),
    };
    format!("{} {unit}", format_sig3(rounded / scale))
}

/// An axis label for a size: integers in full, others with three significant figures.
fn format_size(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format_sig3(value)
    }
}

// ---------------------------------------------------------------------------------------------
// Markdown.

/// The whole report: an introduction, a section per group, then how to read the cells.
fn render_markdown(groups: &[Group], charts: &[Option<String>]) -> String {
    let mut md = String::new();
    md.push_str(
        "# Benchmark results\n\n\
         Generated by `cargo run -p benches --bin report` from the estimates criterion saved \
         during `cargo bench -p benches`. Each cell is the median time of one iteration, i.e. of \
         the whole workload at the row's size (the size's unit depends on the workload: tasks, \
         round trips, messages, bytes, ...).\n",
    );
    for (group, chart) in groups.iter().zip(charts) {
        render_group(&mut md, group, chart.as_deref());
    }
    let _ = write!(
        md,
        "\n## Reading the tables\n\n\
         - `{NOISE_MARK}` before a ratio: the 95 % confidence intervals of this median and of the \
         baseline's median overlap, so the difference is within the noise of the measurement.\n\
         - `{MISSING}`: no result for that runtime at that size.\n\
         - Ratios are to `{BASELINE}` at the same size (below 1× is faster), unless a group's \
         caption names another baseline; the baseline's own cells carry no ratio.\n\
         - The charts plot the cost per item (the median divided by the elements one iteration \
         processes, or the throughput for byte workloads) against size on a log scale, one line \
         per runtime, with a vertical bar for the 95 % confidence interval. Their y axis is \
         logarithmic when the values span more than a factor of ten, else linear from zero.\n"
    );
    md
}

fn render_group(md: &mut String, group: &Group, chart: Option<&str>) {
    let baseline_column = group.baseline();
    let baseline = &group.runtimes[baseline_column];
    let metric = Metric::of(group);
    let _ = write!(md, "\n## {}\n\n", escape(&group.name));
    let _ = write!(
        md,
        "Median time per iteration; in parentheses, the ratio to `{baseline}`"
    );
    if baseline != BASELINE {
        let _ = write!(md, " (this group's baseline: it has no `{BASELINE}`)");
    }
    md.push_str(" at the same size.");
    match chart {
        Some(_) => {
            let _ = write!(md, " The chart plots {}.", metric.description());
        }
        None => md.push_str(" No chart: no size of this group is a positive number."),
    }
    md.push_str("\n\n| size |");
    for runtime in &group.runtimes {
        let _ = write!(md, " {} |", escape(runtime));
    }
    md.push_str("\n|---:|");
    md.push_str(&"---:|".repeat(group.runtimes.len()));
    md.push('\n');
    for (size, cells) in &group.rows {
        let _ = write!(md, "| {} |", escape(size.label()));
        let base = cells[baseline_column].as_ref();
        for (column, cell) in cells.iter().enumerate() {
            let text = match cell {
                None => MISSING.to_owned(),
                Some(m) if column == baseline_column => format_duration(m.median),
                Some(m) => format_cell(m, base),
            };
            let _ = write!(md, " {text} |");
        }
        md.push('\n');
    }
    if let Some(chart) = chart {
        let _ = write!(
            md,
            "\n![{}: {} against size]({chart})\n",
            escape(&group.name),
            metric.axis_label()
        );
    }
}

/// `41.2 µs (1.31×)`, `≈` before the ratio when the confidence intervals overlap, and only the
/// median when there is no baseline result to compare with.
fn format_cell(m: &Measurement, base: Option<&Measurement>) -> String {
    let median = format_duration(m.median);
    match base {
        Some(base) if base.median > 0.0 => {
            let mark = if m.overlaps(base) { NOISE_MARK } else { "" };
            format!("{median} ({mark}{}×)", format_sig3(m.median / base.median))
        }
        _ => median,
    }
}

/// Keeps an id from breaking a Markdown table.
fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

/// A file name for a group's chart: the group id with anything unusual replaced.
fn file_stem(group: &str) -> String {
    group
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Charts.

/// Pixel size of one chart (and of one cell of `all.svg`).
const CHART_SIZE: (u32, u32) = (900, 500);

/// Width of the legend to the right of each chart, so it never hides a line.
const LEGEND_WIDTH: u32 = 150;

/// What a chart's y axis shows, from the group's throughput.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Metric {
    /// Median ÷ elements (criterion `Elements` or `ElementsAndBytes`), in ns.
    TimePerElement,
    /// Bytes ÷ median, in MiB/s (`Bytes`) or MB/s (`BytesDecimal`).
    Bytes { decimal: bool },
    /// Bits ÷ median, in Mbit/s.
    Bits,
    /// The median itself, when the group declares no throughput (or mixes kinds).
    TimePerIteration,
}

impl Metric {
    /// The metric every measurement of the group supports.
    fn of(group: &Group) -> Self {
        let kind = |m: &Measurement| match m.throughput {
            Some(Throughput::Elements(_) | Throughput::ElementsAndBytes { .. }) => {
                Self::TimePerElement
            }
            Some(Throughput::Bytes(_)) => Self::Bytes { decimal: false },
            Some(Throughput::BytesDecimal(_)) => Self::Bytes { decimal: true },
            Some(Throughput::Bits(_)) => Self::Bits,
            None => Self::TimePerIteration,
        };
        let mut kinds = group.measurements().map(kind);
        let first = kinds.next().unwrap_or(Self::TimePerIteration);
        if kinds.all(|k| k == first) {
            first
        } else {
            Self::TimePerIteration
        }
    }

    /// The plotted value for a time in ns, or `None` when it has no meaning (nothing processed).
    fn value(self, nanos: f64, throughput: Option<Throughput>) -> Option<f64> {
        let per_second = |amount: u64| 1e9 * amount as f64 / nanos;
        let value = match (self, throughput) {
            (Self::TimePerElement, Some(Throughput::Elements(n)))
            | (Self::TimePerElement, Some(Throughput::ElementsAndBytes { elements: n, .. })) => {
                nanos / n as f64
            }
            (Self::Bytes { decimal: false }, Some(Throughput::Bytes(n))) => {
                per_second(n) / 1_048_576.0
            }
            (Self::Bytes { decimal: true }, Some(Throughput::BytesDecimal(n))) => {
                per_second(n) / 1e6
            }
            (Self::Bits, Some(Throughput::Bits(n))) => per_second(n) / 1e6,
            (Self::TimePerIteration, _) => nanos,
            _ => return None,
        };
        (value.is_finite() && value > 0.0).then_some(value)
    }

    fn is_time(self) -> bool {
        matches!(self, Self::TimePerElement | Self::TimePerIteration)
    }

    /// The y axis title.
    fn axis_label(self) -> &'static str {
        match self {
            Self::TimePerElement => "time per element",
            Self::Bytes { decimal: false } => "throughput (MiB/s)",
            Self::Bytes { decimal: true } => "throughput (MB/s)",
            Self::Bits => "throughput (Mbit/s)",
            Self::TimePerIteration => "time per iteration",
        }
    }

    /// What the chart shows, for the group's caption.
    fn description(self) -> &'static str {
        match self {
            Self::TimePerElement => "the time per element (median ÷ elements) against size",
            Self::Bytes { decimal: false } => {
                "the throughput in MiB/s (bytes ÷ median; higher is better) against size"
            }
            Self::Bytes { decimal: true } => {
                "the throughput in MB/s (bytes ÷ median; higher is better) against size"
            }
            Self::Bits => "the throughput in Mbit/s (bits ÷ median; higher is better) against size",
            Self::TimePerIteration => "the median time per iteration against size",
        }
    }

    fn format(self, value: f64) -> String {
        if self.is_time() {
            format_duration(value)
        } else {
            format_sig3(value)
        }
    }
}

/// A point's shape, so lines stay apart where colours are hard to tell apart.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Marker {
    Circle,
    Triangle,
    Square,
    Cross,
}

/// How a runtime is drawn: the same in every chart.
#[derive(Debug, Clone, Copy)]
struct SeriesStyle {
    color: RGBColor,
    marker: Marker,
}

/// The Tableau 10 palette: distinct on screen and in print.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

const MARKERS: [Marker; 4] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Cross,
];

/// Each runtime's style, assigned over every group at once so a runtime keeps its colour.
struct SeriesStyles(BTreeMap<String, SeriesStyle>);

impl SeriesStyles {
    /// The listed runtimes by their place in [`RUNTIME_ORDER`], so their look does not change
    /// from one report to the next; the others after them, alphabetically.
    fn new(groups: &[Group]) -> Self {
        let mut others: Vec<&str> = groups
            .iter()
            .flat_map(|g| g.runtimes.iter().map(String::as_str))
            .filter(|runtime| !RUNTIME_ORDER.contains(runtime))
            .collect();
        others.sort_unstable();
        others.dedup();
        let styles = RUNTIME_ORDER
            .iter()
            .chain(&others)
            .enumerate()
            .map(|(i, runtime)| {
                let style = SeriesStyle {
                    color: PALETTE[i % PALETTE.len()],
                    marker: MARKERS[i % MARKERS.len()],
                };
                ((*runtime).to_owned(), style)
            })
            .collect();
        Self(styles)
    }

    fn get(&self, runtime: &str) -> SeriesStyle {
        self.0.get(runtime).copied().unwrap_or(SeriesStyle {
            color: BLACK,
            marker: Marker::Circle,
        })
    }
}

/// One runtime's line in a chart.
#[derive(Debug)]
struct Series {
    runtime: String,
    style: SeriesStyle,
    metric: Metric,
    points: Vec<Point>,
}

/// A plotted value and its confidence interval (`low` ≤ `high`) at size `x`.
#[derive(Debug, Clone, Copy)]
struct Point {
    x: f64,
    y: f64,
    low: f64,
    high: f64,
}

/// The lines of a group's chart; empty when nothing can be plotted (x and y must be positive).
fn chart_series(group: &Group, styles: &SeriesStyles) -> Vec<Series> {
    let metric = Metric::of(group);
    let mut series = Vec::new();
    for (column, runtime) in group.runtimes.iter().enumerate() {
        let mut points: Vec<Point> = group
            .rows
            .iter()
            .filter_map(|(size, cells)| {
                let m = cells[column].as_ref()?;
                let x = size
                    .numeric()
                    .or_else(|| throughput_amount(m.throughput))
                    .filter(|x| *x > 0.0)?;
                let y = metric.value(m.median, m.throughput)?;
                // The interval's bounds may map to nothing (a zero lower bound): then the point.
                let a = metric.value(m.lower, m.throughput).unwrap_or(y);
                let b = metric.value(m.upper, m.throughput).unwrap_or(y);
                Some(Point {
                    x,
                    y,
                    low: a.min(b).min(y),
                    high: a.max(b).max(y),
                })
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        series.push(Series {
            runtime: runtime.clone(),
            style: styles.get(runtime),
            metric,
            points,
        });
    }
    series
}

/// What one iteration processes, as a stand-in x for a non-numeric size.
fn throughput_amount(throughput: Option<Throughput>) -> Option<f64> {
    match throughput? {
        Throughput::Bits(n)
        | Throughput::Bytes(n)
        | Throughput::BytesDecimal(n)
        | Throughput::Elements(n)
        | Throughput::ElementsAndBytes { elements: n, .. } => Some(n as f64),
    }
}

/// One chart axis: range, scale and ticks chosen here rather than by plotters, so the x ticks
/// fall on the sizes measured and the y ticks on round values.
#[derive(Debug, Clone, PartialEq)]
struct Axis {
    range: Range<f64>,
    log: bool,
    /// Labelled ticks.
    ticks: Vec<f64>,
    /// Grid lines, the ticks among them.
    grid: Vec<f64>,
}

impl Axis {
    /// A log axis through the sizes measured, with a little room on both sides.
    fn sizes(mut sizes: Vec<f64>) -> Self {
        sizes.sort_by(f64::total_cmp);
        sizes.dedup();
        let (first, last) = match (sizes.first(), sizes.last()) {
            (Some(first), Some(last)) => (*first, *last),
            _ => (1.0, 10.0),
        };
        Self {
            range: first / 1.5..last * 1.5,
            log: true,
            grid: sizes.clone(),
            ticks: sizes,
        }
    }

    /// A y axis for positive values from `low` to `high`: log over whole decades when they span
    /// more than a factor of ten, else linear from zero.
    fn values(low: f64, high: f64) -> Self {
        if high > 10.0 * low {
            let first = low.log10().floor() as i32;
            let last = high.log10().ceil() as i32;
            // 1-2-5 ticks over up to three decades, decade ticks beyond.
            let steps: &[f64] = if last - first <= 3 {
                &[1.0, 2.0, 5.0]
            } else {
                &[1.0]
            };
            let top = 10f64.powi(last);
            let decades = || (first..=last).map(|e| 10f64.powi(e));
            let within = |t: &f64| *t <= top * 1.0001;
            Self {
                range: 10f64.powi(first)..top,
                log: true,
                ticks: decades()
                    .flat_map(|d| steps.iter().map(move |s| s * d))
                    .filter(within)
                    .collect(),
                grid: decades()
                    .flat_map(|d| (1..10).map(move |s| f64::from(s) * d))
                    .filter(within)
                    .collect(),
            }
        } else {
            // A 1-2-5 step giving at most about six intervals.
            let rough = high / 6.0;
            let magnitude = 10f64.powf(rough.log10().floor());
            let step = [1.0, 2.0, 5.0, 10.0]
                .into_iter()
                .map(|s| s * magnitude)
                .find(|s| *s >= rough)
                .unwrap_or(10.0 * magnitude);
            let intervals = (high / step).ceil().max(1.0) as u32;
            let ticks: Vec<f64> = (0..=intervals).map(|i| step * f64::from(i)).collect();
            Self {
                range: 0.0..step * f64::from(intervals),
                log: false,
                grid: ticks.clone(),
                ticks,
            }
        }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, (from, to): (i32, i32)) -> i32 {
        let position = |v: f64| if self.log { v.ln() } else { v };
        let (start, end) = (position(self.range.start), position(self.range.end));
        let fraction = (position(*value) - start) / (end - start);
        from + (fraction * f64::from(to - from)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.grid.clone()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws one group's chart with its legend on `area`.
fn draw_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    group: &Group,
    series: &[Series],
) -> DrawResult<DB> {
    area.fill(&WHITE)?;
    let Some(metric) = series.first().map(|s| s.metric) else {
        return Ok(());
    };
    let (width, _) = area.dim_in_pixel();
    let split = i32::try_from(width.saturating_sub(LEGEND_WIDTH)).unwrap_or(i32::MAX);
    let (plot_area, legend_area) = area.split_horizontally(split);

    let points = || series.iter().flat_map(|s| &s.points);
    let x = Axis::sizes(points().map(|p| p.x).collect());
    let low = points().map(|p| p.low).fold(f64::INFINITY, f64::min);
    let high = points().map(|p| p.high).fold(0.0, f64::max);
    let y = Axis::values(low, high);
    let y_desc = if y.log {
        format!("{} (log scale)", metric.axis_label())
    } else {
        metric.axis_label().to_owned()
    };

    let mut chart = ChartBuilder::on(&plot_area)
        .caption(
            format!("{}: {}", group.name, metric.axis_label()),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(85)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_desc("size (log scale)")
        .y_desc(y_desc)
        .x_label_formatter(&|v| format_size(*v))
        .y_label_formatter(&|v| metric.format(*v))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .light_line_style(BLACK.mix(0.05))
        .draw()?;
    for s in series {
        let color = s.style.color;
        chart.draw_series(LineSeries::new(
            s.points.iter().map(|p| (p.x, p.y)),
            color.stroke_width(2),
        ))?;
        chart.draw_series(
            s.points.iter().map(|p| {
                PathElement::new(vec![(p.x, p.low), (p.x, p.high)], color.stroke_width(1))
            }),
        )?;
        for p in &s.points {
            draw_marker(chart.plotting_area(), (p.x, p.y), s.style)?;
        }
    }
    draw_legend(&legend_area, series)
}

/// The runtimes' names next to their line and marker, one per row.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &[Series],
) -> DrawResult<DB> {
    let label =
        TextStyle::from(("sans-serif", 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (row, s) in (0..).zip(series) {
        let y = 50 + 24 * row;
        area.draw(&PathElement::new(
            vec![(6, y), (36, y)],
            s.style.color.stroke_width(2),
        ))?;
        draw_marker(area, (21, y), s.style)?;
        area.draw(&Text::new(s.runtime.as_str(), (44, y), label.clone()))?;
    }
    Ok(())
}

/// A marker centred on `at`, in whatever coordinates `area` uses.
fn draw_marker<DB, CT>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    style: SeriesStyle,
) -> DrawResult<DB>
where
    DB: DrawingBackend,
    CT: CoordTranslate,
{
    let at = EmptyElement::at(at);
    let fill = style.color.filled();
    match style.marker {
        Marker::Circle => area.draw(&(at + Circle::new((0, 0), 4, fill))),
        Marker::Triangle => area.draw(&(at + TriangleMarker::new((0, 0), 5, fill))),
        Marker::Square => area.draw(&(at + Rectangle::new([(-4, -4), (4, 4)], fill))),
        Marker::Cross => area.draw(&(at + Cross::new((0, 0), 4, style.color.stroke_width(2)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes one fake benchmark the way criterion lays it out, with criterion's other files
    /// around it.
    fn write_bench(
        root: &Path,
        group: &str,
        function: &str,
        size: &str,
        throughput: &str,
        (median, lower, upper): (f64, f64, f64),
    ) {
        let dir = root.join(group).join(function).join(size);
        for sub in ["new", "base", "report"] {
            fs::create_dir_all(dir.join(sub)).expect("create the fake benchmark's directories");
        }
        let id = format!(
            r#"{{"group_id":"{group}","function_id":"{function}","value_str":"{size}","throughput":{throughput},"full_id":"{group}/{function}/{size}","directory_name":"{group}/{function}/{size}","title":"{group}/{function}/{size}"}}"#
        );
        let estimate = |point: f64, low: f64, high: f64| {
            format!(
                r#"{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":{low},"upper_bound":{high}}},"point_estimate":{point},"standard_error":1.0}}"#
            )
        };
        let estimates = format!(
            r#"{{"mean":{m},"median":{m},"median_abs_dev":{e},"slope":null,"std_dev":{e}}}"#,
            m = estimate(median, lower, upper),
            e = estimate(1.0, 0.5, 1.5),
        );
        fs::write(dir.join("new/benchmark.json"), &id).expect("write benchmark.json");
        fs::write(dir.join("new/estimates.json"), estimates).expect("write estimates.json");
        // criterion's previous run: must not count as a second result.
        fs::write(dir.join("base/benchmark.json"), &id).expect("write base/benchmark.json");
    }

    /// A tree with three groups: one with `tokio-mt` and sizes that sort differently as text,
    /// one without `tokio-mt`, one measured in bytes.
    fn fake_tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let root = dir.path();
        let elements = |n: u32| format!(r#"{{"Elements":{n}}}"#);
        // spawn_many: baseline tokio-mt at 1 µs, 10 µs and 100 µs.
        for (size, base) in [("20", 1_000.0), ("100", 10_000.0), ("1000", 100_000.0)] {
            let n: u32 = size.parse().expect("a numeric size");
            let t = elements(n);
            let b = base;
            write_bench(
                root,
                "spawn_many",
                "tokio-mt",
                size,
                &t,
                (b, 0.95 * b, 1.05 * b),
            );
            // Twice as slow, intervals apart.
            let m = 2.0 * b;
            write_bench(
                root,
                "spawn_many",
                "tokio-ct",
                size,
                &t,
                (m, 0.98 * m, 1.02 * m),
            );
            // 5 % slower, its interval overlapping the baseline's.
            let m = 1.05 * b;
            write_bench(root, "spawn_many", "smol", size, &t, (m, b, 1.1 * b));
            // 20 % faster, apart.
            let m = 0.8 * b;
            write_bench(
                root,
                "spawn_many",
                "zeta",
                size,
                &t,
                (m, 0.79 * b, 0.81 * b),
            );
        }
        // async-std and std only at one size each.
        let t = elements(100);
        write_bench(
            root,
            "spawn_many",
            "async-std",
            "100",
            &t,
            (9_000.0, 8_800.0, 9_600.0),
        );
        let t = elements(20);
        write_bench(root, "spawn_many", "std", "20", &t, (123.4, 120.0, 125.0));
        // state_machine: no tokio-mt, so hand-written is the baseline.
        let t = elements(1000);
        write_bench(
            root,
            "state_machine",
            "async-fn",
            "1000",
            &t,
            (3_000.0, 2_900.0, 3_100.0),
        );
        write_bench(
            root,
            "state_machine",
            "hand-written",
            "1000",
            &t,
            (2_000.0, 1_900.0, 2_100.0),
        );
        // file_read: 1 MiB in 1 ms is 1000 MiB/s.
        let t = r#"{"Bytes":1048576}"#;
        write_bench(
            root,
            "file_read",
            "tokio-mt",
            "1048576",
            t,
            (1e6, 0.9e6, 1.1e6),
        );
        write_bench(root, "file_read", "std", "1048576", t, (5e5, 4.9e5, 5.1e5));
        // Criterion's own report directory, and a directory that is no benchmark.
        fs::create_dir_all(root.join("report")).expect("create report/");
        fs::write(root.join("report/index.html"), "<html></html>").expect("write index.html");
        fs::create_dir_all(root.join("empty/nothing")).expect("create a non-benchmark dir");
        dir
    }

    fn table_lines(markdown: &str, group: &str) -> Vec<String> {
        let section = markdown
            .split("\n## ")
            .find(|s| s.starts_with(&format!("{group}\n")))
            .unwrap_or_else(|| panic!("no section for {group} in:\n{markdown}"));
        section
            .lines()
            .filter(|l| l.starts_with('|'))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn report_tables_order_ratios_and_noise_marks() {
        let tree = fake_tree();
        let out = tree.path().join("summary");
        let options = Options {
            criterion_dir: tree.path().to_owned(),
            out_dir: out.clone(),
        };
        let written = run(&options).expect("the report runs on a valid tree");
        let md = &written.markdown;
        assert_eq!(
            fs::read_to_string(out.join("report.md")).expect("report.md was written"),
            *md
        );

        // Groups in workload order: spawn_many, file_read, state_machine.
        let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
        assert_eq!(
            headings,
            [
                "## spawn_many",
                "## file_read",
                "## state_machine",
                "## Reading the tables"
            ]
        );

        assert_eq!(
            table_lines(md, "spawn_many"),
            [
                "| size | tokio-mt | tokio-ct | async-std | smol | std | zeta |",
                "|---:|---:|---:|---:|---:|---:|---:|",
                "| 20 | 1.00 µs | 2.00 µs (2.00×) | – | 1.05 µs (≈1.05×) | 123 ns (0.123×) | 800 ns (0.800×) |",
                "| 100 | 10.0 µs | 20.0 µs (2.00×) | 9.00 µs (≈0.900×) | 10.5 µs (≈1.05×) | – | 8.00 µs (0.800×) |",
                "| 1000 | 100 µs | 200 µs (2.00×) | – | 105 µs (≈1.05×) | – | 80.0 µs (0.800×) |",
            ]
        );
        // The noise mark appears exactly in the four overlapping cells of the tables.
        let marks: usize = ["spawn_many", "file_read", "state_machine"]
            .iter()
            .flat_map(|g| table_lines(md, g))
            .map(|l| l.matches(NOISE_MARK).count())
            .sum();
        assert_eq!(marks, 4);

        assert_eq!(
            table_lines(md, "state_machine"),
            [
                "| size | hand-written | async-fn |",
                "|---:|---:|---:|",
                "| 1000 | 2.00 µs | 3.00 µs (1.50×) |",
            ]
        );
        assert!(
            md.contains(
                "the ratio to `hand-written` (this group's baseline: it has no `tokio-mt`)"
            )
        );
        assert!(md.contains(
            "the ratio to `tokio-mt` at the same size. The chart plots the time per element"
        ));
        assert!(md.contains("the throughput in MiB/s"));
        assert_eq!(
            table_lines(md, "file_read")[2],
            "| 1048576 | 1.00 ms | 500 µs (0.500×) |"
        );
        assert!(md.contains("![spawn_many: time per element against size](spawn_many.svg)"));
        assert!(md.contains("![file_read: throughput (MiB/s) against size](file_read.svg)"));
        assert!(md.contains(&format!("- `{NOISE_MARK}` before a ratio")));

        assert_eq!(written.charts, 3);
        for (file, runtimes) in [
            (
                "spawn_many.svg",
                &["tokio-mt", "tokio-ct", "async-std", "smol", "std", "zeta"][..],
            ),
            ("state_machine.svg", &["hand-written", "async-fn"][..]),
            ("file_read.svg", &["tokio-mt", "std"][..]),
            (ALL_CHARTS, &["tokio-mt", "hand-written", "zeta"][..]),
        ] {
            let svg = fs::read_to_string(out.join(file)).expect("the chart was written");
            assert!(svg.trim_start().starts_with("<svg"), "{file} is no SVG");
            assert!(svg.trim_end().ends_with("</svg>"), "{file} is cut short");
            let texts = svg_texts(&svg);
            for runtime in runtimes {
                assert!(texts.contains(runtime), "{file} lacks {runtime}: {texts:?}");
            }
            // A line per runtime at least (plus the axes' and grid's lines).
            assert!(
                svg.matches("<polyline").count() >= runtimes.len(),
                "{file} has no lines"
            );
        }
        let svg = fs::read_to_string(out.join("file_read.svg")).expect("file_read.svg");
        assert!(svg.contains("throughput (MiB/s)"));
    }

    #[test]
    fn time_per_element_and_throughput_are_what_the_chart_plots() {
        let tree = fake_tree();
        let groups = collect(tree.path()).expect("a valid tree");
        let styles = SeriesStyles::new(&groups);
        let spawn = groups
            .iter()
            .find(|g| g.name == "spawn_many")
            .expect("spawn_many");
        let series = chart_series(spawn, &styles);
        let ct = series
            .iter()
            .find(|s| s.runtime == "tokio-ct")
            .expect("tokio-ct");
        let xy: Vec<(f64, f64)> = ct.points.iter().map(|p| (p.x, p.y)).collect();
        // 2 µs / 20, 20 µs / 100, 200 µs / 1000.
        assert_eq!(xy, [(20.0, 100.0), (100.0, 200.0), (1000.0, 200.0)]);
        let file = groups
            .iter()
            .find(|g| g.name == "file_read")
            .expect("file_read");
        let series = chart_series(file, &styles);
        let std = series.iter().find(|s| s.runtime == "std").expect("std");
        assert!(
            (std.points[0].y - 2000.0).abs() < 1e-9,
            "1 MiB in 0.5 ms is 2000 MiB/s"
        );
        assert!(std.points[0].low < 2000.0 && std.points[0].high > 2000.0);
        // Colours follow the runtime's place in the preferred order, the same in every group and
        // every report; the others follow.
        let colors: Vec<RGBColor> = ["tokio-mt", "tokio-ct", "async-std", "smol", "hand-written"]
            .iter()
            .map(|r| styles.get(r).color)
            .collect();
        assert_eq!(
            colors,
            [PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[6]]
        );
        assert_eq!(styles.get("std").color, PALETTE[8]);
        assert_eq!(styles.get("zeta").color, PALETTE[9]);
    }

    #[test]
    fn missing_directory_names_it_and_the_command_that_creates_it() {
        let tree = tempfile::tempdir().expect("create a temporary directory");
        let missing = tree.path().join("no-such-dir");
        let error = collect(&missing).expect_err("a missing directory is an error");
        let message = format!("{error:#}");
        assert!(
            message.contains(&missing.display().to_string()),
            "{message}"
        );
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
    fn three_significant_figures_in_a_fitting_unit() {
        let cases = [
            (0.0, "0 ns"),
            (0.5, "0.500 ns"),
            (12.345, "12.3 ns"),
            (999.4, "999 ns"),
            (999.6, "1.00 µs"),
            (41_234.0, "41.2 µs"),
            (999_960.0, "1.00 ms"),
            (1_500_000.0, "1.50 ms"),
            (2.0e9, "2.00 s"),
            (123_456.0e9, "123000 s"),
        ];
        for (nanos, expected) in cases {
            assert_eq!(format_duration(nanos), expected, "{nanos} ns");
        }
        assert_eq!(format_sig3(1.3149), "1.31");
        assert_eq!(format_sig3(0.04123), "0.0412");
        assert_eq!(format_sig3(0.99999), "1.00");
        assert_eq!(format_sig3(12_345.0), "12300");
        assert_eq!(format_size(10_000.0), "10000");
        assert_eq!(format_size(2.5), "2.50");
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

    /// The contents of an SVG's `<text>` elements.
    fn svg_texts(svg: &str) -> Vec<&str> {
        svg.split("<text")
            .skip(1)
            .filter_map(|element| {
                let (_, rest) = element.split_once('>')?;
                let (text, _) = rest.split_once("</text>")?;
                Some(text.trim())
            })
            .collect()
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
                "futures-local",
                "std",
                "std-on-tokio-mt",
                "zeta",
            ]
        );
    }

    #[test]
    fn arguments() {
        let args = |list: &[&str]| parse_args(list.iter().map(OsString::from));
        assert_eq!(args(&["--help"]), Ok(Command::Help));
        assert_eq!(
            args(&["--criterion-dir", "/c", "--out=/o"]),
            Ok(Command::Run(Options {
                criterion_dir: PathBuf::from("/c"),
                out_dir: PathBuf::from("/o"),
            }))
        );
        assert_eq!(
            args(&["--criterion-dir=/c"]),
            Ok(Command::Run(Options {
                criterion_dir: PathBuf::from("/c"),
                out_dir: PathBuf::from("/c/summary"),
            }))
        );
        assert!(args(&["--out"]).is_err());
        assert!(args(&["--frobnicate"]).is_err());
        match args(&[]) {
            Ok(Command::Run(options)) => assert!(options.criterion_dir.ends_with("criterion")),
            other => panic!("no arguments should run with the defaults, got {other:?}"),
        }
    }
}
