//! The command line, parsed by clap, and the hidden `serve-std` subcommand that runs the std
//! server process. A refusal is a clap usage error (status 2) that names the flag and the reason.

use std::path::PathBuf;
use std::time::Duration;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

/// The default plan: a full run of every server takes about 6 minutes on 2 cores.
const DEFAULT_CONNECTIONS: &[usize] = &[10, 1_000, 10_000];
/// Up to the knee on 2 cores shared by client and server: at 120 000 req/s and 10 000
/// connections the client itself falls behind (its pacer lag is shown).
const DEFAULT_RATES: &[u64] = &[10_000, 20_000, 40_000, 80_000, 120_000];
const DEFAULT_WARMUP_MS: u64 = 1_000;
const DEFAULT_WINDOW_MS: u64 = 3_000;
/// `--quick`: a few seconds per server.
const QUICK_CONNECTIONS: &[usize] = &[10];
const QUICK_RATES: &[u64] = &[1_000, 2_000];
const QUICK_WARMUP_MS: u64 = 200;
const QUICK_WINDOW_MS: u64 = 800;

/// A server the tool measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Server {
    /// `examples-tokio`'s `tcp_echo_server`.
    Tokio,
    /// `examples-async-std`'s `tcp_echo_server`.
    AsyncStd,
    /// `examples-smol`'s `tcp_echo_server`.
    Smol,
    /// A thread per connection, std::net (this tool's `serve-std`).
    Std,
}

impl Server {
    pub const ALL: [Server; 4] = [Server::Tokio, Server::AsyncStd, Server::Smol, Server::Std];

    pub fn name(self) -> &'static str {
        match self {
            Server::Tokio => "tokio",
            Server::AsyncStd => "async-std",
            Server::Smol => "smol",
            Server::Std => "std",
        }
    }
}

/// What one run measures.
#[derive(Debug, Clone)]
pub struct Plan {
    pub servers: Vec<Server>,
    pub connections: Vec<usize>,
    pub rates: Vec<u64>,
    pub warmup: Duration,
    pub window: Duration,
    pub out: Option<PathBuf>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Mode {
    ServeStd,
    Measure(Plan),
}

/// Fixed-rate (open-loop) latency of the echo servers: p50 to max, and the server's CPU, context
/// switches, threads and memory, per server, connection count and offered rate.
///
/// Exit status: 0 when every point ran (a std point stopped by the thread limit is reported and
/// counts as run), 1 when a point failed (server did not start or stop, connection errors, wrong
/// bytes), 2 for a usage error.
#[derive(Debug, Parser)]
#[command(name = "latency", disable_help_subcommand = true)]
struct Cli {
    #[command(subcommand)]
    serve: Option<Serve>,
    /// servers to measure, comma-separated [default: tokio,async-std,smol,std]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
    servers: Vec<Server>,
    /// connection counts, comma-separated [default: 10,1000,10000; --quick: 10]
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = at_least_one)]
    connections: Vec<u64>,
    /// offered rates in requests/s, comma-separated [default: 10000,20000,40000,80000,120000;
    /// --quick: 1000,2000]
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = at_least_one)]
    rates: Vec<u64>,
    /// warm-up before each measured window, in ms [default: 1000; --quick: 200]
    #[arg(long, value_name = "MS", value_parser = at_least_one)]
    warmup_ms: Option<u64>,
    /// measured window per point, in ms [default: 3000; --quick: 800]
    #[arg(long, value_name = "MS", value_parser = at_least_one)]
    window_ms: Option<u64>,
    /// a few seconds per server: one small connection count, two low rates, short windows
    #[arg(long)]
    quick: bool,
    /// where latency.md, latency.json and the charts go [default: <target dir>/bench-results]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Serve {
    /// The thread-per-connection std server (started by the tool).
    #[command(hide = true)]
    ServeStd,
}

/// A whole number of at least 1; clap puts the flag before the reason.
fn at_least_one(value: &str) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("expected a whole number, got `{value}`")),
    }
}

/// Parses the command line; `Err` is clap's error, to `exit()` with (usage: 2, `--help`: 0).
/// `fd_limit` is the most connections one process can hold (hard limit less the margin).
pub fn parse_args(
    args: impl IntoIterator<Item = std::ffi::OsString>,
    fd_limit: u64,
) -> Result<Mode, clap::Error> {
    let cli = Cli::try_parse_from(args)?;
    if cli.serve.is_some() {
        return Ok(Mode::ServeStd);
    }
    let or = |given: Vec<u64>, quick: &[u64], full: &[u64]| {
        if !given.is_empty() {
            given
        } else if cli.quick {
            quick.to_vec()
        } else {
            full.to_vec()
        }
    };
    let as_u64 = |list: &[usize]| list.iter().map(|&n| n as u64).collect::<Vec<_>>();
    let connections =
        or(cli.connections.clone(), &as_u64(QUICK_CONNECTIONS), &as_u64(DEFAULT_CONNECTIONS));
    if let Some(&too_many) = connections.iter().find(|&&n| n > fd_limit) {
        return Err(Cli::command().error(
            ErrorKind::ValueValidation,
            format!(
                "--connections {too_many} does not fit the descriptor limit: each process may \
                 hold {fd_limit} connections (RLIMIT_NOFILE hard limit less a margin)"
            ),
        ));
    }
    let rates = or(cli.rates.clone(), QUICK_RATES, DEFAULT_RATES);
    let ms = |given: Option<u64>, quick, full| {
        Duration::from_millis(given.unwrap_or(if cli.quick { quick } else { full }))
    };
    let mut servers = if cli.servers.is_empty() { Server::ALL.to_vec() } else { cli.servers };
    servers.dedup();
    Ok(Mode::Measure(Plan {
        servers,
        connections: connections.into_iter().map(|n| n as usize).collect(),
        rates,
        warmup: ms(cli.warmup_ms, QUICK_WARMUP_MS, DEFAULT_WARMUP_MS),
        window: ms(cli.window_ms, QUICK_WINDOW_MS, DEFAULT_WINDOW_MS),
        out: cli.out,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Mode, clap::Error> {
        parse_args(std::iter::once("latency").chain(args.iter().copied()).map(Into::into), 1_000)
    }

    #[test]
    fn defaults_quick_and_lists() {
        let Ok(Mode::Measure(plan)) = parse(&["--quick", "--servers", "std,smol"]) else {
            panic!("not a measurement");
        };
        assert_eq!(plan.servers, [Server::Std, Server::Smol]);
        assert_eq!(plan.connections, QUICK_CONNECTIONS);
        assert_eq!(plan.rates, QUICK_RATES);
        assert_eq!(plan.window, Duration::from_millis(QUICK_WINDOW_MS));
        let Ok(Mode::Measure(plan)) = parse(&["--rates", "7,9", "--connections", "3"]) else {
            panic!("not a measurement");
        };
        assert_eq!((plan.rates, plan.connections), (vec![7, 9], vec![3]));
        assert_eq!(plan.servers, Server::ALL);
        assert!(matches!(parse(&["serve-std"]), Ok(Mode::ServeStd)));
    }

    #[test]
    fn refusals_name_the_flag_and_reason() {
        let cases: [(&[&str], &str); 5] = [
            (&["--rates", "0"], "'--rates <LIST>': must be at least 1"),
            (&["--connections", "10,0"], "'--connections <LIST>': must be at least 1"),
            (&["--connections", "1001"], "--connections 1001 does not fit"),
            (&["--servers", "nginx"], "invalid value 'nginx' for '--servers <LIST>'"),
            (&["--bogus"], "unexpected argument '--bogus'"),
        ];
        for (args, expected) in cases {
            let error = parse(args).expect_err("must be refused");
            assert_eq!(error.exit_code(), 2, "{args:?}");
            assert!(error.to_string().contains(expected), "{args:?}: {error}");
        }
    }
}
