//! The contract tests that DESIGN.md's servers and clients must pass, each suite written once.
//!
//! They drive an example's binary with plain std clients and servers, so nothing in them depends on
//! a runtime, and tokio's, async-std's and smol's builds of an example are held to exactly the same
//! cases. Each case is a `pub fn <case>(manifest_dir: &str)`; each suite has a `<suite>_suite!()`
//! macro that a runtime crate's `tests/<suite>.rs` calls to get one `#[test]` per case, run against
//! that crate's own build of the example (`manifest_dir` is its `CARGO_MANIFEST_DIR`).

pub mod file_upload_server;
pub mod http_client;
pub mod signal;
pub mod udp_echo;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The idle-timeout check shared by the echo server's and the proxy's tests, whose servers run
/// with `--idle-timeout-ms 300`: a connection to `addr` gets `ping` echoed back, then, once it is
/// quiet, the server closes it. The client reads a clean end of stream, nothing more, after
/// roughly the timeout (never before 250 ms, and well within 3 s).
///
/// It blocks the calling thread: from inside an async test, run it on a blocking thread (tokio's
/// `spawn_blocking`, smol's `unblock`), or nothing else on that runtime's thread makes progress.
pub fn assert_idle_connection_closed(addr: SocketAddr) {
    const WAIT: Duration = Duration::from_secs(5);
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(WAIT))
        .expect("set a read timeout");
    stream.write_all(b"ping").expect("send ping");
    let mut echo = [0u8; 4];
    stream.read_exact(&mut echo).expect("read the echo");
    assert_eq!(&echo, b"ping");

    let quiet_since = Instant::now();
    let mut rest = Vec::new();
    // The server closes its end: we read EOF, with nothing more.
    let n = stream
        .read_to_end(&mut rest)
        .expect("the idle connection was not closed");
    let idle = quiet_since.elapsed();
    assert_eq!(n, 0);
    assert!(
        idle >= Duration::from_millis(250) && idle < Duration::from_secs(3),
        "closed after {idle:?}, expected ~300 ms"
    );
}

/// What every `<suite>_suite!()` expands to: `#[test] fn <case>()` for each listed case of
/// `suites::<suite>`, with the calling crate's manifest directory.
#[doc(hidden)]
#[macro_export]
macro_rules! suite_tests {
    ($suite:ident: $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::suites::$suite::$case(env!("CARGO_MANIFEST_DIR"));
            }
        )*
    };
}

#[cfg(test)]
mod tests {
    /// Every suite's source, to check that its macro lists exactly its cases: a case missing from
    /// the macro would never run in any crate.
    const SUITES: [(&str, &str); 4] = [
        ("file_upload_server", include_str!("file_upload_server.rs")),
        ("http_client", include_str!("http_client.rs")),
        ("signal", include_str!("signal.rs")),
        ("udp_echo", include_str!("udp_echo.rs")),
    ];

    #[test]
    fn each_suite_macro_lists_every_case_once() {
        for (suite, source) in SUITES {
            let cases: Vec<&str> = source
                .lines()
                .filter_map(|line| line.strip_prefix("pub fn ")?.split('(').next())
                .collect();
            let list = source
                .split_once(&format!("{suite}:\n"))
                .and_then(|(_, rest)| rest.split_once(");"))
                .unwrap_or_else(|| panic!("no `{suite}:` case list in its macro"))
                .0;
            let listed: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .collect();
            assert!(!cases.is_empty(), "{suite} has no cases");
            assert_eq!(
                listed, cases,
                "{suite}_suite! must list its cases, in order"
            );
        }
    }
}
