//! The command line, parsed by clap: the client's options, and the hidden `serve` subcommand the
//! client starts the server process with. Every refusal is a clap usage error (status 2) whose
//! message names the flag and the reason, as in `--connections must be at least 1`.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use anyhow::bail;
use clap::builder::TypedValueParser;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Args, CommandFactory, Parser, Subcommand};

const DEFAULT_CONNECTIONS: usize = 10_000;
const DEFAULT_ROUNDS: usize = 3;
const DEFAULT_MESSAGE_BYTES: usize = 32;
const MAX_MESSAGE_BYTES: usize = 64 * 1024;
const DEFAULT_IN_FLIGHT: usize = 100;
const DEFAULT_DURATION_S: usize = 10;
/// The longest `--pace-ms`: one day.
const MAX_PACE_MS: usize = 86_400_000;

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

/// How the server handles a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Each connection task owns its stream and a 256-byte buffer.
    Buffered,
    /// Each connection task owns only its stream; it awaits readiness, then reads into the one
    /// buffer of its thread.
    Readiness,
}

impl Variant {
    pub fn name(self) -> &'static str {
        match self {
            Variant::Buffered => "buffered",
            Variant::Readiness => "readiness",
        }
    }
}

impl FromStr for Variant {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s {
            "buffered" => Ok(Variant::Buffered),
            "readiness" => Ok(Variant::Readiness),
            other => bail!("unknown server variant `{other}`: expected buffered or readiness"),
        }
    }
}

/// Why async-std has no `readiness` variant (the refusal and the report both say it).
pub const ASYNC_STD_HAS_NO_READINESS: &str = "async-std exposes no readiness API: its TcpStream \
     has no readable()/writable() and no non-blocking try_read, so a task cannot wait for data \
     without a buffer to read it into";

/// What the client does once every connection is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Load {
    /// `rounds` closed-loop echoes per connection, at most `in_flight` at once.
    Rounds { rounds: usize, in_flight: usize },
    /// One echo every `pace` on every connection for `duration`, due at a fixed schedule.
    Paced { pace: Duration, duration: Duration },
}

/// The client's settings, from the command line.
#[derive(Debug)]
pub struct Options {
    pub runtime: Runtime,
    pub variant: Variant,
    pub connections: usize,
    pub load: Load,
    pub message_bytes: usize,
    /// Where the JSON record and `c10k.md` go; `None`: the default, `<target dir>/bench-results`.
    pub out: Option<PathBuf>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Mode {
    Serve(Runtime, Variant),
    Client(Options),
}

/// C10K load tool: can one executor thread hold ten thousand connections?
///
/// Starts itself again as the server process, on one executor thread of the chosen runtime, then
/// opens the connections to it, echoes on each (closed-loop rounds, or paced with `--pace-ms`),
/// prints the summary and writes it to `--out`. Exit status: 0 if all connections were held
/// through the whole load with no error, 1 if not, 2 for bad arguments or a failed setup.
#[derive(Debug, Parser)]
#[command(
    name = "c10k",
    override_usage = "c10k --runtime <tokio|smol|async-std> [--server buffered|readiness] \
                      [--connections N] [--rounds K] [--in-flight M] \
                      [--pace-ms P [--duration-s D]] [--message-bytes B] [--out DIR]",
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
        /// server variant
        #[arg(long, value_name = "buffered|readiness", default_value = "buffered")]
        server: Variant,
    },
}

#[derive(Debug, Args)]
struct ClientArgs {
    /// server runtime, on a single executor thread (required)
    #[arg(long, value_name = RUNTIMES)]
    runtime: Option<Runtime>,
    /// server variant: `buffered` (a 256-byte buffer per connection) or `readiness` (no buffer
    /// while idle: one per thread, tokio and smol only)
    #[arg(long, value_name = "buffered|readiness", default_value = "buffered")]
    server: Variant,
    /// connections to open and hold at once
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONNECTIONS,
          value_parser = Count::at_least(1))]
    connections: usize,
    /// closed-loop echo round trips per connection once all are open (without --pace-ms)
    #[arg(long, value_name = "K", default_value_t = DEFAULT_ROUNDS,
          value_parser = Count::at_least(0), conflicts_with = "pace_ms")]
    rounds: usize,
    /// size of each echoed message, at most 65536
    #[arg(long, value_name = "B", default_value_t = DEFAULT_MESSAGE_BYTES,
          value_parser = Count::between(1, MAX_MESSAGE_BYTES))]
    message_bytes: usize,
    /// round trips in flight at once during the rounds
    #[arg(long, value_name = "M", default_value_t = DEFAULT_IN_FLIGHT,
          value_parser = Count::at_least(1), conflicts_with = "pace_ms")]
    in_flight: usize,
    /// paced load instead of rounds: one echo every P ms on every connection, the connections'
    /// schedules spread evenly over P
    #[arg(long, value_name = "P", value_parser = Count::between(1, MAX_PACE_MS))]
    pace_ms: Option<usize>,
    /// how long the paced load lasts: D s / P ms messages per connection (default 10)
    #[arg(long, value_name = "D", default_value_t = DEFAULT_DURATION_S,
          value_parser = Count::between(1, MAX_PACE_MS / 1000), requires = "pace_ms")]
    duration_s: usize,
    /// directory for c10k-<runtime>-<server>.json and c10k.md (default: <target dir>/bench-results)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
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
    if let Some(Serve::Serve { runtime, server }) = cli.serve {
        return Ok(Mode::Serve(runtime, server));
    }
    let ClientArgs {
        runtime,
        server: variant,
        connections,
        rounds,
        message_bytes,
        in_flight,
        pace_ms,
        duration_s,
        out,
    } = cli.client;
    // Optional to clap, so the hidden `serve` can go without it; the client cannot.
    let Some(runtime) = runtime else {
        return Err(
            Cli::command().error(ErrorKind::MissingRequiredArgument, "--runtime is required")
        );
    };
    if runtime == Runtime::AsyncStd && variant == Variant::Readiness {
        let reason =
            format!("--server readiness is refused for async-std: {ASYNC_STD_HAS_NO_READINESS}");
        return Err(Cli::command().error(ErrorKind::ArgumentConflict, reason));
    }
    let load = match pace_ms {
        None => Load::Rounds { rounds, in_flight },
        Some(pace_ms) if pace_ms > duration_s * 1000 => {
            let reason = format!(
                "--pace-ms {pace_ms} is longer than --duration-s {duration_s}: no message would be sent"
            );
            return Err(Cli::command().error(ErrorKind::ValueValidation, reason));
        }
        Some(pace_ms) => Load::Paced {
            pace: Duration::from_millis(pace_ms as u64),
            duration: Duration::from_secs(duration_s as u64),
        },
    };
    Ok(Mode::Client(Options { runtime, variant, connections, load, message_bytes, out }))
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
        assert_eq!(options.variant, Variant::Buffered);
        assert_eq!(options.connections, 7);
        assert_eq!(
            options.load,
            Load::Rounds { rounds: DEFAULT_ROUNDS, in_flight: DEFAULT_IN_FLIGHT }
        );
        assert_eq!(options.message_bytes, DEFAULT_MESSAGE_BYTES);
        assert!(matches!(
            parse(&["serve", "--runtime", "async-std"]).unwrap(),
            Mode::Serve(Runtime::AsyncStd, Variant::Buffered)
        ));
        assert!(matches!(
            parse(&["serve", "--runtime", "tokio", "--server", "readiness"]).unwrap(),
            Mode::Serve(Runtime::Tokio, Variant::Readiness)
        ));
    }

    #[test]
    fn parses_the_paced_load() {
        let Mode::Client(options) =
            parse(&["--runtime", "tokio", "--server", "readiness", "--pace-ms", "250"]).unwrap()
        else {
            panic!("not the client mode");
        };
        assert_eq!(options.variant, Variant::Readiness);
        assert_eq!(
            options.load,
            Load::Paced {
                pace: Duration::from_millis(250),
                duration: Duration::from_secs(DEFAULT_DURATION_S as u64)
            }
        );
    }

    #[test]
    fn refuses_bad_arguments_with_the_reason() {
        let cases: [(&[&str], &str); 11] = [
            (&["--runtime", "nope"], "unknown runtime `nope`"),
            (&["--connections", "5"], "--runtime is required"),
            (&["--runtime", "tokio", "--connections", "0"], "at least 1"),
            (&["--runtime", "tokio", "--rounds", "x"], "whole number"),
            (&["--runtime", "tokio", "--message-bytes", "0"], "between 1"),
            (&["--runtime", "tokio", "--bogus"], "unknown argument `--bogus`"),
            (&["--runtime", "tokio", "--server", "x"], "unknown server variant `x`"),
            (&["--runtime", "async-std", "--server", "readiness"], "no readiness API"),
            (&["--runtime", "tokio", "--pace-ms", "5", "--rounds", "2"], "cannot be used with"),
            (&["--runtime", "tokio", "--duration-s", "5"], "--pace-ms"),
            (&["--runtime", "tokio", "--pace-ms", "3000", "--duration-s", "2"], "no message"),
        ];
        for (args, expected) in cases {
            let error = parse(args).expect_err("must be refused").to_string();
            assert!(error.contains(expected), "{args:?}: {error}");
        }
    }
}
