//! The command line, parsed by clap: the client's options, and the hidden `serve` subcommand the
//! client starts the server process with. Every refusal is a clap usage error (status 2) whose
//! message names the flag and the reason, as in `--connections must be at least 1`.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::str::FromStr;

use anyhow::bail;
use clap::builder::TypedValueParser;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Args, CommandFactory, Parser, Subcommand};

const DEFAULT_CONNECTIONS: usize = 10_000;
const DEFAULT_ROUNDS: usize = 3;
const DEFAULT_MESSAGE_BYTES: usize = 32;
const MAX_MESSAGE_BYTES: usize = 64 * 1024;
const DEFAULT_IN_FLIGHT: usize = 100;

/// How `--runtime` shows in the help.
const RUNTIMES: &str = "tokio|smol|async-std";

/// The server runtimes this tool can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    Tokio,
    Smol,
    AsyncStd,
}

impl Runtime {
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Tokio => "tokio",
            Runtime::Smol => "smol",
            Runtime::AsyncStd => "async-std",
        }
    }

    pub fn server_kind(self) -> &'static str {
        match self {
            Runtime::Tokio => "current-thread server",
            Runtime::Smol => "LocalExecutor server",
            Runtime::AsyncStd => "1-thread global runtime server",
        }
    }
}

/// `--runtime`'s parser (clap uses it for `Runtime`): the refusal names the runtimes there are.
impl FromStr for Runtime {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s {
            "tokio" => Ok(Runtime::Tokio),
            "smol" => Ok(Runtime::Smol),
            "async-std" => Ok(Runtime::AsyncStd),
            other => bail!("unknown runtime `{other}`: expected tokio, smol or async-std"),
        }
    }
}

/// The client's settings, from the command line.
#[derive(Debug)]
pub struct Options {
    pub runtime: Runtime,
    pub connections: usize,
    pub rounds: usize,
    pub message_bytes: usize,
    pub in_flight: usize,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Mode {
    Serve(Runtime),
    Client(Options),
}

/// C10K load tool: can one executor thread hold ten thousand connections?
///
/// Starts itself again as the server process, on one executor thread of the chosen runtime, then
/// opens the connections to it, echoes on each and prints the summary. Exit status: 0 if all
/// connections were held through every round with no error, 1 if not, 2 for bad arguments or a
/// failed setup.
#[derive(Debug, Parser)]
#[command(
    name = "c10k",
    override_usage = "c10k --runtime <tokio|smol|async-std> [--connections N] [--rounds K] \
                      [--message-bytes B] [--in-flight M]",
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    serve: Option<Serve>,
    #[command(flatten)]
    client: ClientArgs,
}

/// The hidden subcommand the client starts the server process with.
#[derive(Debug, Subcommand)]
enum Serve {
    /// Runs the echo server and prints `listening on <addr>` (started by the client).
    #[command(hide = true)]
    Serve {
        /// server runtime
        #[arg(long, value_name = RUNTIMES)]
        runtime: Runtime,
    },
}

#[derive(Debug, Args)]
struct ClientArgs {
    /// server runtime, on a single executor thread (required)
    #[arg(long, value_name = RUNTIMES)]
    runtime: Option<Runtime>,
    /// connections to open and hold at once
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONNECTIONS,
          value_parser = Count::at_least(1))]
    connections: usize,
    /// echo round trips per connection once all are open
    #[arg(long, value_name = "K", default_value_t = DEFAULT_ROUNDS,
          value_parser = Count::at_least(0))]
    rounds: usize,
    /// size of each echoed message, at most 65536
    #[arg(long, value_name = "B", default_value_t = DEFAULT_MESSAGE_BYTES,
          value_parser = Count::between(1, MAX_MESSAGE_BYTES))]
    message_bytes: usize,
    /// round trips in flight at once during the rounds
    #[arg(long, value_name = "M", default_value_t = DEFAULT_IN_FLIGHT,
          value_parser = Count::at_least(1))]
    in_flight: usize,
}

/// Parses the arguments after the program name. `Err` is clap's error, to `exit()` with: a usage
/// error (status 2), or the help (`--help`, status 0).
pub fn parse_args<T>(args: impl IntoIterator<Item = T>) -> Result<Mode, clap::Error>
where
    T: Into<OsString> + Clone,
{
    let program = std::iter::once(OsString::from("c10k"));
    let cli = Cli::try_parse_from(program.chain(args.into_iter().map(Into::into)))
        .map_err(reword_unknown_argument)?;
    if let Some(Serve::Serve { runtime }) = cli.serve {
        return Ok(Mode::Serve(runtime));
    }
    let ClientArgs { runtime, connections, rounds, message_bytes, in_flight } = cli.client;
    // Optional to clap, so the hidden `serve` can go without it; the client cannot.
    let Some(runtime) = runtime else {
        return Err(
            Cli::command().error(ErrorKind::MissingRequiredArgument, "--runtime is required")
        );
    };
    Ok(Mode::Client(Options { runtime, connections, rounds, message_bytes, in_flight }))
}

/// Rewords clap's "unexpected argument '--bogus' found" as this tool puts it: "unknown argument"
/// and the flag in backticks, keeping clap's tip of a similar flag.
fn reword_unknown_argument(error: clap::Error) -> clap::Error {
    if error.kind() != ErrorKind::UnknownArgument {
        return error;
    }
    let Some(ContextValue::String(argument)) = error.get(ContextKind::InvalidArg) else {
        return error;
    };
    let mut message = format!("unknown argument `{argument}`");
    if let Some(ContextValue::String(similar)) = error.get(ContextKind::SuggestedArg) {
        let _ = write!(message, "\n\n  tip: a similar argument exists: '{similar}'");
    }
    Cli::command().error(ErrorKind::UnknownArgument, message)
}

/// A whole-number flag's parser: the value must lie in `min..=max`, and a refusal names the flag,
/// as in `--connections must be at least 1`.
#[derive(Clone, Copy, Debug)]
struct Count {
    min: usize,
    max: usize,
}

impl Count {
    const fn at_least(min: usize) -> Self {
        Self { min, max: usize::MAX }
    }

    const fn between(min: usize, max: usize) -> Self {
        Self { min, max }
    }
}

impl TypedValueParser for Count {
    type Value = usize;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<usize, clap::Error> {
        let flag = arg
            .and_then(Arg::get_long)
            .map_or_else(|| "the value".to_owned(), |long| format!("--{long}"));
        let refuse = |reason: String| cmd.clone().error(ErrorKind::ValueValidation, reason);
        let text = value.to_string_lossy();
        let n: usize = text
            .parse()
            .map_err(|_| refuse(format!("{flag} expects a whole number, got `{text}`")))?;
        if n < self.min || n > self.max {
            return Err(refuse(if self.max == usize::MAX {
                format!("{flag} must be at least {}", self.min)
            } else {
                format!("{flag} must be between {} and {}, got {n}", self.min, self.max)
            }));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> anyhow::Result<Mode> {
        Ok(parse_args(args.iter().map(|a| a.to_string()))?)
    }

    #[test]
    fn parses_client_and_serve_modes() {
        let Mode::Client(options) = parse(&["--runtime", "smol", "--connections", "7"]).unwrap()
        else {
            panic!("not the client mode");
        };
        assert_eq!(options.runtime, Runtime::Smol);
        assert_eq!(options.connections, 7);
        assert_eq!(options.rounds, DEFAULT_ROUNDS);
        assert_eq!(options.message_bytes, DEFAULT_MESSAGE_BYTES);
        assert!(matches!(
            parse(&["serve", "--runtime", "async-std"]).unwrap(),
            Mode::Serve(Runtime::AsyncStd)
        ));
    }

    #[test]
    fn refuses_bad_arguments_with_the_reason() {
        let cases: [(&[&str], &str); 6] = [
            (&["--runtime", "nope"], "unknown runtime `nope`"),
            (&["--connections", "5"], "--runtime is required"),
            (&["--runtime", "tokio", "--connections", "0"], "at least 1"),
            (&["--runtime", "tokio", "--rounds", "x"], "whole number"),
            (&["--runtime", "tokio", "--message-bytes", "0"], "between 1"),
            (&["--runtime", "tokio", "--bogus"], "unknown argument `--bogus`"),
        ];
        for (args, expected) in cases {
            let error = parse(args).expect_err("must be refused").to_string();
            assert!(error.contains(expected), "{args:?}: {error}");
        }
    }
}
