//! The command line, parsed by clap, and the hidden `child` subcommand each measurement runs in.
//! A refusal is a clap usage error (status 2) that names the flag and the reason.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

const DEFAULT_COUNTS: &[usize] = &[10_000, 100_000, 1_000_000];
const QUICK_COUNTS: &[usize] = &[1_000, 10_000];
/// The most tasks one point may ask for: ten million idle tasks already take gigabytes.
const MAX_COUNT: usize = 10_000_000;

/// A way of running the idle tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runtime {
    /// tokio's multi-thread runtime, `tokio::spawn`.
    TokioMt,
    /// tokio's current-thread runtime, `tokio::spawn`.
    TokioCt,
    /// async-std's global runtime, `task::spawn`.
    AsyncStd,
    /// smol's `Executor` run by one thread per core, `Executor::spawn`.
    Smol,
    /// smol's `LocalExecutor` on the calling thread, `LocalExecutor::spawn`.
    SmolLocal,
    /// the floor: `futures::future::join_all` of the same futures, no runtime.
    JoinAll,
}

impl Runtime {
    pub const ALL: [Runtime; 6] = [
        Runtime::TokioMt,
        Runtime::TokioCt,
        Runtime::AsyncStd,
        Runtime::Smol,
        Runtime::SmolLocal,
        Runtime::JoinAll,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Runtime::TokioMt => "tokio-mt",
            Runtime::TokioCt => "tokio-ct",
            Runtime::AsyncStd => "async-std",
            Runtime::Smol => "smol",
            Runtime::SmolLocal => "smol-local",
            Runtime::JoinAll => "join-all",
        }
    }
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Mode {
    /// One measurement, in this (child) process.
    Child { runtime: Runtime, count: usize },
    /// Every (runtime, count) point, each in a child process.
    Measure(Plan),
}

/// The points to measure and where the results go.
#[derive(Debug)]
pub struct Plan {
    pub runtimes: Vec<Runtime>,
    pub counts: Vec<usize>,
    pub out: Option<PathBuf>,
}

/// Memory per idle task on each runtime: the growth of resident memory (VmRSS) while N tasks wait,
/// divided by N, each point in a fresh process.
///
/// Exit status: 0 when every point was measured, 1 when a child failed, 2 for a usage error.
#[derive(Debug, Parser)]
#[command(name = "task_memory", disable_help_subcommand = true)]
struct Cli {
    #[command(subcommand)]
    child: Option<Child>,
    /// runtimes to measure, comma-separated [default: all]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
    runtimes: Vec<Runtime>,
    /// task counts, comma-separated [default: 10000,100000,1000000; --quick: 1000,10000]
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = count)]
    counts: Vec<usize>,
    /// seconds in total: 1000 and 10000 tasks
    #[arg(long)]
    quick: bool,
    /// where task_memory.md and task_memory.json go [default: <target dir>/bench-results]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Child {
    /// One measurement (started by the tool itself).
    #[command(hide = true)]
    Child {
        #[arg(long, value_enum)]
        runtime: Runtime,
        #[arg(long, value_parser = count)]
        count: usize,
    },
}

/// A task count from 1 to [`MAX_COUNT`]; clap puts the flag before the reason.
fn count(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) if n > MAX_COUNT => Err(format!("must be at most {MAX_COUNT}")),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("expected a whole number, got `{value}`")),
    }
}

/// Parses the command line; `Err` is clap's error, to `exit()` with (usage: 2, `--help`: 0).
pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Mode, clap::Error> {
    let cli = Cli::try_parse_from(args)?;
    if let Some(Child::Child { runtime, count }) = cli.child {
        return Ok(Mode::Child { runtime, count });
    }
    let mut counts = if !cli.counts.is_empty() {
        cli.counts
    } else if cli.quick {
        QUICK_COUNTS.to_vec()
    } else {
        DEFAULT_COUNTS.to_vec()
    };
    counts.sort_unstable();
    counts.dedup();
    let mut runtimes = if cli.runtimes.is_empty() { Runtime::ALL.to_vec() } else { cli.runtimes };
    // In the table's order, once each.
    runtimes.sort_unstable_by_key(|r| Runtime::ALL.iter().position(|a| a == r));
    runtimes.dedup();
    Ok(Mode::Measure(Plan { runtimes, counts, out: cli.out }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Mode, clap::Error> {
        parse_args(std::iter::once("task_memory").chain(args.iter().copied()).map(Into::into))
    }

    #[test]
    fn defaults_quick_and_lists() {
        let Ok(Mode::Measure(plan)) = parse(&[]) else { panic!("not a measurement") };
        assert_eq!((plan.runtimes, plan.counts), (Runtime::ALL.to_vec(), DEFAULT_COUNTS.to_vec()));
        let Ok(Mode::Measure(plan)) = parse(&["--quick", "--runtimes", "join-all,smol,smol"])
        else {
            panic!("not a measurement")
        };
        assert_eq!(
            (plan.runtimes, plan.counts),
            (vec![Runtime::Smol, Runtime::JoinAll], vec![1_000, 10_000])
        );
        let Ok(Mode::Measure(plan)) = parse(&["--quick", "--counts", "7,3"]) else {
            panic!("not a measurement")
        };
        assert_eq!(plan.counts, [3, 7]);
        let Ok(Mode::Child { runtime, count }) =
            parse(&["child", "--runtime", "tokio-ct", "--count", "5"])
        else {
            panic!("not a child")
        };
        assert_eq!((runtime, count), (Runtime::TokioCt, 5));
    }

    #[test]
    fn refusals_name_the_flag_and_reason() {
        let cases: [(&[&str], &str); 5] = [
            (&["--counts", "10,0"], "'--counts <LIST>': must be at least 1"),
            (&["--counts", "10000001"], "'--counts <LIST>': must be at most 10000000"),
            (&["--counts", "ten"], "'--counts <LIST>': expected a whole number, got `ten`"),
            (&["--runtimes", "glommio"], "invalid value 'glommio' for '--runtimes <LIST>'"),
            (&["--bogus"], "unexpected argument '--bogus'"),
        ];
        for (args, expected) in cases {
            let error = parse(args).expect_err("must be refused");
            assert_eq!(error.exit_code(), 2, "{args:?}");
            assert!(error.to_string().contains(expected), "{args:?}: {error}");
        }
    }
}
