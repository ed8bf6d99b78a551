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

mod chart;
mod criterion;
#[cfg(test)]
mod fixture;
mod format;
mod table;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

use crate::chart::write_charts;
use crate::criterion::collect;
use crate::table::render_markdown;

/// Summarise criterion's saved estimates as Markdown tables and SVG charts.
#[derive(Debug, Parser)]
#[command(
    name = "report",
    override_usage = "cargo run -p benches --bin report -- [OPTIONS]",
    after_help = "Run `cargo bench -p benches` first: it creates the criterion directory.\n\
                  The Markdown report is also printed on stdout."
)]
struct Cli {
    /// criterion's output directory [default: $CARGO_TARGET_DIR/criterion, or
    /// <workspace>/target/criterion]
    #[arg(long, value_name = "DIR")]
    criterion_dir: Option<PathBuf>,
    /// where to write report.md and the SVG charts [default: <criterion-dir>/summary]
    #[arg(long = "out", value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args_os().skip(1)) {
        Ok(Command::Help) => {
            print!("{}", Cli::command().render_long_help());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(options)) => options,
        Err(message) => {
            eprint!("{message}");
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

/// Parses the arguments after the program name with [`Cli`]; `Err` carries clap's usage error,
/// rendered for the user.
fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let program = std::iter::once(OsString::from("report"));
    let cli = match Cli::try_parse_from(program.chain(args)) {
        Ok(cli) => cli,
        Err(error) if error.kind() == ErrorKind::DisplayHelp => return Ok(Command::Help),
        Err(error) => return Err(error.to_string()),
    };
    let criterion_dir = cli.criterion_dir.unwrap_or_else(default_criterion_dir);
    let out_dir = cli.out_dir.unwrap_or_else(|| criterion_dir.join("summary"));
    Ok(Command::Run(Options { criterion_dir, out_dir }))
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
    let charts = write_charts(out, &groups)?;
    let markdown = render_markdown(&groups, &charts.files);
    let report = out.join("report.md");
    fs::write(&report, &markdown).with_context(|| format!("writing {}", report.display()))?;
    Ok(Written { markdown, report, charts: charts.drawn })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::ALL_CHARTS;
    use crate::fixture::fake_tree;
    use crate::table::NOISE_MARK;

    fn table_lines(markdown: &str, group: &str) -> Vec<String> {
        let section = markdown
            .split("\n## ")
            .find(|s| s.starts_with(&format!("{group}\n")))
            .unwrap_or_else(|| panic!("no section for {group} in:\n{markdown}"));
        section.lines().filter(|l| l.starts_with('|')).map(str::to_owned).collect()
    }

    #[test]
    fn report_tables_order_ratios_and_noise_marks() {
        let tree = fake_tree();
        let out = tree.path().join("summary");
        let options = Options { criterion_dir: tree.path().to_owned(), out_dir: out.clone() };
        let written = run(&options).expect("the report runs on a valid tree");
        let md = &written.markdown;
        assert_eq!(fs::read_to_string(out.join("report.md")).expect("report.md was written"), *md);

        // Groups in workload order: spawn_many, file_read, state_machine.
        let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
        assert_eq!(
            headings,
            ["## spawn_many", "## file_read", "## state_machine", "## Reading the tables"]
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
        assert_eq!(table_lines(md, "file_read")[2], "| 1048576 | 1.00 ms | 500 µs (0.500×) |");
        assert!(md.contains("![spawn_many: time per element against size](spawn_many.svg)"));
        assert!(md.contains("![file_read: throughput (MiB/s) against size](file_read.svg)"));
        assert!(md.contains(&format!("- `{NOISE_MARK}` before a ratio")));

        assert_eq!(written.charts, 3);
        for (file, runtimes) in [
            ("spawn_many.svg", &["tokio-mt", "tokio-ct", "async-std", "smol", "std", "zeta"][..]),
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
            assert!(svg.matches("<polyline").count() >= runtimes.len(), "{file} has no lines");
        }
        let svg = fs::read_to_string(out.join("file_read.svg")).expect("file_read.svg");
        assert!(svg.contains("throughput (MiB/s)"));
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
