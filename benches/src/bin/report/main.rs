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
//!   `smol`, `smol-local`, `compio`, `futures-local`, then the others alphabetically). Each cell holds the
//!   median time per iteration and its ratio to the group's baseline (`tokio-mt`, or the first
//!   column when the group has none), marked `≈` when the two medians' 95 % confidence intervals
//!   overlap, i.e. the difference is within the noise of the measurement.
//! - `<group>.svg`: the cost per item (time per element, or MiB/s for byte throughput) against
//!   size (log x; log y when the values span over 10×), one line per runtime with its confidence
//!   intervals, and `all.svg`, every group's chart on one grid. `report.md` links them by
//!   relative path.
//! - A runtime a bench skipped (compio where io_uring is unusable) leaves a `skipped-<target>.json`
//!   in criterion's directory: its column stays empty in the groups it names, with the reason
//!   under each table.
//! - After the tables, the load tools' Markdown fragments from `--results` (`latency.md`,
//!   `task_memory.md`, `c10k.md`, in that order; a line with the command for each one absent), and
//!   their SVG charts copied beside `report.md`.
//!
//! The median rather than the mean: on a shared machine the occasional descheduled sample drags
//! the mean far more than the median.

mod chart;
mod criterion;
#[cfg(test)]
mod fixture;
mod format;
mod fragments;
mod table;

use std::ffi::OsString;
use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

use benches::Skipped;

use crate::chart::{ALL_CHARTS, write_charts};
use crate::criterion::{apply_skipped, collect};
use crate::fragments::{copy_charts, render_fragments};
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
    /// criterion's output directory [default: $CRITERION_HOME, else $CARGO_TARGET_DIR/criterion,
    /// or <workspace>/target/criterion]
    #[arg(long, value_name = "DIR")]
    criterion_dir: Option<PathBuf>,
    /// where to write report.md and the SVG charts [default: <criterion-dir>/summary]
    #[arg(long = "out", value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// where the load tools (latency, task_memory, c10k) wrote their Markdown fragments and SVG
    /// charts [default: $CARGO_TARGET_DIR/bench-results, or <workspace>/target/bench-results]
    #[arg(long = "results", value_name = "DIR")]
    results_dir: Option<PathBuf>,
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
                "report: wrote {} and {} chart(s) to {}, and copied {} load tool chart(s)",
                written.report.display(),
                written.charts,
                options.out_dir.display(),
                written.copied,
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
    results_dir: PathBuf,
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
    // Where the benches write (`benches::criterion_dir`, found as criterion finds it) and the
    // load tools' default.
    let criterion_dir = cli.criterion_dir.unwrap_or_else(benches::criterion_dir);
    let out_dir = cli.out_dir.unwrap_or_else(|| criterion_dir.join("summary"));
    let results_dir =
        cli.results_dir.unwrap_or_else(|| benches::target_dir().join("bench-results"));
    Ok(Command::Run(Options { criterion_dir, out_dir, results_dir }))
}

/// What [`run`] wrote.
struct Written {
    markdown: String,
    report: PathBuf,
    charts: usize,
    copied: usize,
}

/// Reads the criterion directory and the benches' skip records, writes the Markdown report and
/// the charts, then appends the load tools' fragments and copies their charts.
fn run(options: &Options) -> Result<Written> {
    let mut groups = collect(&options.criterion_dir)?;
    let skipped = Skipped::read_all(&options.criterion_dir).with_context(|| {
        format!("reading the skip records in {}", options.criterion_dir.display())
    })?;
    apply_skipped(&mut groups, &skipped);
    let out = &options.out_dir;
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let charts = write_charts(out, &groups)?;
    let mut markdown = render_markdown(&groups, &charts.files);
    markdown.push_str(&render_fragments(&options.results_dir)?);
    let mut taken: Vec<&str> = charts.files.iter().flatten().map(String::as_str).collect();
    taken.push(ALL_CHARTS);
    let copied = copy_charts(&options.results_dir, out, &taken)?;
    let report = out.join("report.md");
    fs::write(&report, &markdown).with_context(|| format!("writing {}", report.display()))?;
    Ok(Written { markdown, report, charts: charts.drawn, copied })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::ALL_CHARTS;
    use std::path::Path;

    use crate::fixture::{fake_tree, write_bench};
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
        let options = Options {
            criterion_dir: tree.path().to_owned(),
            out_dir: out.clone(),
            results_dir: tree.path().join("no-results"),
        };
        let written = run(&options).expect("the report runs on a valid tree");
        let md = &written.markdown;
        assert_eq!(fs::read_to_string(out.join("report.md")).expect("report.md was written"), *md);

        // Groups in workload order: spawn_many, file_read, state_machine.
        let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
        assert_eq!(
            headings,
            [
                "## spawn_many",
                "## file_read",
                "## state_machine",
                "## Reading the tables",
                "## Load tools"
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

    /// Runs the report on `tree` with the load tools' results in `results`.
    fn report(tree: &Path, results: &Path) -> Result<Written> {
        let out_dir = tree.join("summary");
        run(&Options { criterion_dir: tree.to_owned(), out_dir, results_dir: results.to_owned() })
    }

    #[test]
    fn a_skipped_runtime_gets_an_empty_column_and_its_reason_under_the_table() {
        let tree = fake_tree();
        // A result of an earlier run, which the record says this run could not measure.
        let t = r#"{"Elements":20}"#;
        write_bench(tree.path(), "spawn_many", "compio", "20", t, (5.0, 4.0, 6.0));
        let reason = "io_uring is unusable: io_uring_setup failed: Operation not permitted \
                      (os error 1)";
        let record = Skipped {
            runtime: "compio".into(),
            reason: reason.into(),
            groups: vec!["spawn_many".into(), "file_read".into(), "not_run".into()],
        };
        Skipped::record(tree.path(), "runtimes", Some(&record)).expect("writing the record");
        let md = report(tree.path(), &tree.path().join("none")).expect("the report runs").markdown;

        let spawn = table_lines(&md, "spawn_many");
        assert_eq!(
            spawn[0],
            "| size | tokio-mt | tokio-ct | async-std | smol | compio | std | zeta |"
        );
        assert!(
            spawn[2].starts_with("| 20 | 1.00 µs | 2.00 µs (2.00×) | – | 1.05 µs (≈1.05×) | – |")
        );
        assert_eq!(table_lines(&md, "file_read")[0], "| size | tokio-mt | compio | std |");
        // The groups the record does not name keep their columns.
        assert_eq!(table_lines(&md, "state_machine")[0], "| size | hand-written | async-fn |");
        let note = format!("\n`compio` not measured: {reason}.\n");
        assert_eq!(md.matches(&note).count(), 2, "{md}");
        let section = |group: &str| md.split("\n## ").find(|s| s.starts_with(group)).unwrap();
        assert!(section("spawn_many").contains(&note));
        assert!(section("file_read").contains(&note));
    }

    #[test]
    fn load_tool_fragments_follow_the_tables_and_their_charts_are_copied() {
        let tree = fake_tree();
        let results = tree.path().join("bench-results");
        fs::create_dir_all(&results).expect("creating the results dir");
        let latency = "### Latency at a fixed rate\n\n| rate | p99 |\n|---:|---:|\n| 1000 | 1 ms |\n\n\
                       ![p99](latency-p99-64.svg)\n";
        fs::write(results.join("latency.md"), latency).expect("writing latency.md");
        fs::write(results.join("c10k.md"), "### C10K at the descriptor limit\n\nheld: 10000\n")
            .expect("writing c10k.md");
        fs::write(results.join("latency-p99-64.svg"), "<svg>p99</svg>").expect("writing an svg");
        fs::write(results.join("latency.json"), "{}").expect("writing a json");

        let written = report(tree.path(), &results).expect("the report runs");
        let md = &written.markdown;
        let tools = md.split("\n## Load tools\n").nth(1).expect("a load tools section");
        assert!(md.find("## Reading the tables") < md.find("## Load tools"));
        let headings: Vec<&str> = tools.lines().filter(|l| l.starts_with('#')).collect();
        assert_eq!(headings, ["### Latency at a fixed rate", "### C10K at the descriptor limit"]);
        assert!(tools.contains(latency.trim()));
        assert!(tools.contains(
            "`task_memory.md`: not there; `cargo run --release -p benches --bin task_memory` \
             writes it."
        ));
        // In order: latency, then the absent task_memory's line, then c10k.
        let at = |text: &str| tools.find(text).expect(text);
        assert!(
            at("### Latency") < at("`task_memory.md`") && at("`task_memory.md`") < at("### C10K")
        );

        let out = tree.path().join("summary");
        assert_eq!(written.copied, 1);
        let copied =
            fs::read_to_string(out.join("latency-p99-64.svg")).expect("the svg was copied");
        assert_eq!(copied, "<svg>p99</svg>");
        assert!(!out.join("latency.json").exists(), "only the charts are copied");

        // Without the results directory, every fragment has its line.
        let md = report(tree.path(), &tree.path().join("none")).expect("the report runs").markdown;
        for (file, command) in crate::fragments::FRAGMENTS {
            assert!(md.contains(&format!("`{file}`: not there; `{command}` writes it.")), "{md}");
        }

        // A chart named like one of the report's own is refused, not overwritten.
        fs::write(results.join("spawn_many.svg"), "<svg/>").expect("writing a clashing svg");
        let error = report(tree.path(), &results).err().expect("a clash is an error");
        assert!(format!("{error:#}").contains("spawn_many.svg"), "{error:#}");
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
                results_dir: benches::target_dir().join("bench-results"),
            }))
        );
        assert_eq!(
            args(&["--criterion-dir=/c", "--results", "/r"]),
            Ok(Command::Run(Options {
                criterion_dir: PathBuf::from("/c"),
                out_dir: PathBuf::from("/c/summary"),
                results_dir: PathBuf::from("/r"),
            }))
        );
        assert!(args(&["--results"]).is_err());
        assert!(args(&["--out"]).is_err());
        assert!(args(&["--frobnicate"]).is_err());
        // The defaults are where the benches and the load tools write.
        let criterion_dir = benches::criterion_dir();
        assert_eq!(
            args(&[]),
            Ok(Command::Run(Options {
                out_dir: criterion_dir.join("summary"),
                criterion_dir,
                results_dir: benches::target_dir().join("bench-results"),
            }))
        );
    }
}
