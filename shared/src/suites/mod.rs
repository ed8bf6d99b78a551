//! The contract tests of the servers and clients (docs/design.md, "The server contract"), each
//! suite written once and run by every runtime crate against its own builds.
//!
//! They drive an example's binary with plain std clients and servers, so nothing in them depends
//! on a runtime, and tokio's, async-std's and smol's builds of an example face exactly the same
//! cases. A suite is a [`Suite`]: the examples it drives and its list of cases. A case is a private
//! `fn <case>(manifest_dir: &str)`, so one left out of its list is dead code, which the lints
//! refuse: no test has to read source code to know the list is whole. Each runtime crate's
//! `tests/suites.rs` calls [`run`], which runs every case of every suite as one test named
//! `<suite>::<case>` (filter them as usual: `cargo test -p examples-smol --test suites -- chat`).

mod chat_server;
mod file_upload_server;
mod http_client;
mod proxy;
mod signal;
mod tcp_echo_server;
mod udp_echo;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// One suite: what it drives and its cases.
pub struct Suite {
    pub name: &'static str,
    /// The examples its cases start: each has `tests/expected/<example>.driven-by` naming this
    /// suite, which the example harness checks against this list.
    pub examples: &'static [&'static str],
    pub cases: &'static [Case],
}

/// One test case: its name and the function that runs it against a crate's builds.
pub struct Case {
    pub name: &'static str,
    pub run: fn(manifest_dir: &str),
}

/// `cases![a, b]` is the list of cases made of the functions `a` and `b`, named after them.
macro_rules! cases {
    ($($case:ident),* $(,)?) => {
        &[$($crate::suites::Case { name: stringify!($case), run: $case }),*]
    };
}
use cases;

/// Every suite.
pub const SUITES: [&Suite; 7] = [
    &chat_server::SUITE,
    &file_upload_server::SUITE,
    &http_client::SUITE,
    &proxy::SUITE,
    &signal::SUITE,
    &tcp_echo_server::SUITE,
    &udp_echo::SUITE,
];

/// Runs every case of every suite against the examples of the crate at `manifest_dir` (pass
/// `env!("CARGO_MANIFEST_DIR")`), with libtest's command line, filters and output, and exits.
pub fn run(manifest_dir: &'static str) -> ! {
    let args = libtest_mimic::Arguments::from_args();
    let trials = SUITES.iter().flat_map(|suite| {
        suite.cases.iter().map(move |case| {
            let name = format!("{}::{}", suite.name, case.name);
            libtest_mimic::Trial::test(name, move || {
                (case.run)(manifest_dir);
                Ok(())
            })
        })
    });
    libtest_mimic::run(&args, trials.collect()).exit()
}

/// `len` pseudo-random bytes that differ for every `seed` (xorshift), so that a mixed-up or
/// damaged echo cannot pass for the original.
fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 24) as u8
    };
    (0..len).map(|_| next()).collect()
}

/// Sends `data` on `stream` from a second thread, then half-closes, while this thread reads
/// everything that comes back until EOF: a server that echoes while we still send needs both at
/// once. Every read and write gives up after `wait`.
fn round_trip_on(stream: TcpStream, data: &[u8], wait: Duration) -> std::io::Result<Vec<u8>> {
    stream.set_read_timeout(Some(wait))?;
    stream.set_write_timeout(Some(wait))?;
    let mut writer = stream.try_clone()?;
    let mut reader = stream;
    thread::scope(|scope| {
        let sender = scope.spawn(move || {
            writer.write_all(data)?;
            writer.shutdown(Shutdown::Write)
        });
        let mut back = Vec::new();
        let received = reader.read_to_end(&mut back);
        sender.join().expect("the sending thread panicked")?;
        received.map(|_| back)
    })
}

/// [`round_trip_on`] a new connection to `addr`.
fn round_trip(addr: SocketAddr, data: &[u8], wait: Duration) -> std::io::Result<Vec<u8>> {
    round_trip_on(TcpStream::connect_timeout(&addr, wait)?, data, wait)
}

/// The idle-timeout check of the echo server's and the proxy's suites, whose servers run with
/// `--idle-timeout-ms 300`: a connection to `addr` gets `ping` echoed back, then, once it is
/// quiet, the server closes it. The client reads a clean end of stream, nothing more, after
/// roughly the timeout (never before 250 ms, and well within 3 s).
fn assert_idle_connection_closed(addr: SocketAddr) {
    const WAIT: Duration = Duration::from_secs(5);
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(WAIT)).expect("set a read timeout");
    stream.write_all(b"ping").expect("send ping");
    let mut echo = [0u8; 4];
    stream.read_exact(&mut echo).expect("read the echo");
    assert_eq!(&echo, b"ping");

    let quiet_since = Instant::now();
    let mut rest = Vec::new();
    // The server closes its end: we read EOF, with nothing more.
    let n = stream.read_to_end(&mut rest).expect("the idle connection was not closed");
    let idle = quiet_since.elapsed();
    assert_eq!(n, 0);
    assert!(
        idle >= Duration::from_millis(250) && idle < Duration::from_secs(3),
        "closed after {idle:?}, expected ~300 ms"
    );
}

/// The argument check of every server's suite: `example`, given its required `args`, refuses an
/// unknown flag, a malformed value and a zero connection cap before it listens, as a usage error
/// (exit status 2, stderr naming what is wrong and pointing at the usage, nothing on stdout).
fn assert_bad_flags_are_usage_errors(manifest_dir: &str, example: &str, args: &[&str]) {
    let bad: [(&[&str], &str); 3] = [
        (&["--no-such-flag"], "--no-such-flag"),
        (&["--max-connections", "lots"], "lots"),
        (&["--max-connections", "0"], "0"),
    ];
    for (flags, named) in bad {
        let all: Vec<&str> = args.iter().chain(flags).copied().collect();
        let finished = crate::process::ExampleProcess::start(manifest_dir, example, &all)
            .wait(Duration::from_secs(5));
        assert_eq!(finished.status.code(), Some(2), "{example} {all:?}: {finished:?}");
        assert!(finished.stdout.is_empty(), "{example} {all:?}: {finished:?}");
        assert!(
            finished.stderr.starts_with("error: ")
                && finished.stderr.contains(named)
                && (finished.stderr.contains("Usage:") || finished.stderr.contains("--help")),
            "{example} {all:?}: {finished:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suite_has_cases_with_distinct_names_and_drives_an_example() {
        let mut suites = std::collections::BTreeSet::new();
        for suite in SUITES {
            assert!(suites.insert(suite.name), "two suites named {}", suite.name);
            assert!(!suite.examples.is_empty() && !suite.cases.is_empty(), "{}", suite.name);
            let mut names = std::collections::BTreeSet::new();
            for case in suite.cases {
                assert!(names.insert(case.name), "{}::{} twice", suite.name, case.name);
            }
        }
    }

    #[test]
    fn payloads_differ_by_seed() {
        assert_eq!(payload(1, 64), payload(1, 64));
        assert_ne!(payload(1, 64), payload(2, 64));
    }
}
