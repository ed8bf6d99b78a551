//! Runs every example of a crate and checks what it prints.
//!
//! Each runtime crate has one test, `tests/examples.rs`, that calls [`check_examples`]. For every
//! `examples/<name>.rs` it
//!
//! 1. checks the `//!` header: first line, the exact `cargo run -p <package> --example <name>`
//!    command, a `Guide:` line and a ```` ```toml ```` block of dependencies;
//! 2. runs the binary cargo already built for `cargo test` (in `target/<profile>/examples/`; see
//!    [`find_binary`] for how twins of the same name are told apart), with no stdin, killed after
//!    [`TIMEOUT`];
//! 3. requires exit status 0 and stdout matching `tests/expected/<name>.stdout`
//!    (see [`crate::expected`] for the wildcards).
//!
//! A server or client cannot run alone: it needs a peer, or serves until a signal. Instead of a
//! `.stdout` file it has `tests/expected/<name>.driven-by`, naming the contract suite of
//! [`crate::suites`] that starts it, drives it and checks it; the harness checks that the suite
//! lists the example among those it drives.
//!
//! An example without an expected file, or an expected file without an example, is a failure too,
//! so adding an example is exactly two files. All failures are collected and reported together.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use std::{fs, thread};

use crate::expected;

/// How long one example may run before it is killed and reported as hanging. Examples are meant to
/// finish well under 2 s; this only keeps a broken one from hanging the test run.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// How many examples run at once. Most of them sleep rather than compute, so a few in parallel
/// keep `cargo test` fast without starving the timing checks on a 2-core machine.
const PARALLEL: usize = 3;

/// Runs and checks every example of the crate at `manifest_dir` (pass `env!("CARGO_MANIFEST_DIR")`
/// and `env!("CARGO_PKG_NAME")`), panicking with a report of every failure.
pub fn check_examples(manifest_dir: &str, package: &str) {
    let crate_dir = Path::new(manifest_dir);
    let examples = list(&crate_dir.join("examples"), "rs");
    let mut failures: Vec<String> = Vec::new();
    for ext in ["stdout", "driven-by"] {
        let expected = list(&crate_dir.join("tests/expected"), ext);
        for name in expected.iter().filter(|name| !examples.contains(name)) {
            failures.push(format!("tests/expected/{name}.{ext} has no examples/{name}.rs"));
        }
    }

    let bin_dir = examples_bin_dir();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for _ in 0..PARALLEL {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(name) = examples.get(i) else { break };
                    let result = check_one(crate_dir, &bin_dir, package, name);
                    results.lock().unwrap().push((name.clone(), result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort();
    for (name, result) in results {
        match result {
            Ok(elapsed) if elapsed.is_zero() => eprintln!("ok   {name} (driven by its own test)"),
            Ok(elapsed) => eprintln!("ok   {name} ({} ms)", elapsed.as_millis()),
            Err(why) => failures.push(format!("example `{name}`: {why}")),
        }
    }

    assert!(
        failures.is_empty(),
        "{} of {} examples failed:\n\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n\n")
    );
    assert!(!examples.is_empty(), "no examples found in {manifest_dir}/examples");
}

/// The names (file stems) of the files with extension `ext` directly in `dir`, sorted.
fn list(dir: &Path, ext: &str) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == ext))
        .filter_map(|path| Some(path.file_stem()?.to_str()?.to_owned()))
        .collect();
    names.sort();
    names
}

/// `target/<profile>/examples`, found from this test binary's own path
/// (`target/<profile>/deps/<test>-<hash>`), so it follows `--release`, `--target` and
/// `CARGO_TARGET_DIR` without being told.
pub(crate) fn examples_bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let profile_dir =
        exe.parent().and_then(Path::parent).expect("test binaries live in target/<profile>/deps");
    profile_dir.join("examples")
}

fn check_one(
    crate_dir: &Path,
    bin_dir: &Path,
    package: &str,
    name: &str,
) -> Result<Duration, String> {
    let source_path = crate_dir.join("examples").join(format!("{name}.rs"));
    let source = fs::read_to_string(&source_path).map_err(|e| format!("cannot read it: {e}"))?;
    check_header(&source, package, name)?;

    let expected_dir = crate_dir.join("tests/expected");
    if let Ok(driver) = fs::read_to_string(expected_dir.join(format!("{name}.driven-by"))) {
        return check_driver(name, driver.trim());
    }
    let pattern =
        fs::read_to_string(expected_dir.join(format!("{name}.stdout"))).map_err(|_| {
            format!(
                "it has no expected output: add tests/expected/{name}.stdout, or, for a server or \
             client that a test drives, tests/expected/{name}.driven-by naming that test"
            )
        })?;

    let bin = find_binary(crate_dir, bin_dir, name)?;
    let built = fs::metadata(&bin).and_then(|m| m.modified()).map_err(|e| e.to_string())?;
    let edited =
        fs::metadata(&source_path).and_then(|m| m.modified()).map_err(|e| e.to_string())?;
    if built < edited {
        return Err(format!(
            "{} is older than its source: run `cargo test` without target filters so cargo \
             rebuilds the examples",
            bin.display()
        ));
    }

    // Logging examples read `RUST_LOG`; the expected output is for the default filter.
    let mut command = Command::new(&bin);
    command.current_dir(crate_dir).env_remove("RUST_LOG");
    let run = run_with_timeout(&mut command, TIMEOUT)?;
    let report = |problem: String| {
        format!(
            "{problem}\n--- expected stdout (tests/expected/{name}.stdout)\n{pattern}\
             --- actual stdout\n{}--- stderr\n{}",
            run.stdout, run.stderr
        )
    };
    if !run.status.success() {
        return Err(report(format!("exited with {}", run.status)));
    }
    expected::check(&pattern, &run.stdout).map_err(|m| report(m.hint))?;
    Ok(run.elapsed)
}

/// A server or client is run by a contract suite (it needs a peer, or runs until a signal); its
/// `.driven-by` file names that suite, which must list this example among those it drives.
fn check_driver(name: &str, driver: &str) -> Result<Duration, String> {
    let suite = crate::suites::SUITES.iter().find(|suite| suite.name == driver);
    match suite {
        Some(suite) if suite.examples.contains(&name) => Ok(Duration::ZERO),
        Some(_) => Err(format!(
            "tests/expected/{name}.driven-by names suite `{driver}`, which does not drive it"
        )),
        None => Err(format!(
            "tests/expected/{name}.driven-by names `{driver}`, which is not a suite of \
             shared/src/suites"
        )),
    }
}

/// This crate's build of example `name`.
///
/// The same example name in several crates is the point of this workspace, and cargo copies each
/// build to the same `target/<profile>/examples/<name>` (it warns: cargo#6313), so that path may hold
/// another crate's twin. Each build also keeps its own `<name>-<hash>` file with a `<name>-<hash>.d`
/// beside it that lists the source it was built from; that tells the twins apart.
pub(crate) fn find_binary(crate_dir: &Path, bin_dir: &Path, name: &str) -> Result<PathBuf, String> {
    let crate_name = crate_dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let relative_source = format!("{crate_name}/examples/{name}.rs");
    let absolute_source = crate_dir.join("examples").join(format!("{name}.rs"));
    let is_ours = |dep_info: &str| {
        dep_info
            .split_whitespace()
            .map(|token| token.trim_end_matches(':'))
            .any(|token| token == relative_source || Path::new(token) == absolute_source)
    };
    let prefix = format!("{name}-");
    let mut newest: Option<(std::time::SystemTime, PathBuf)> = None;
    for entry in fs::read_dir(bin_dir).into_iter().flatten().flatten() {
        let file_name = entry.file_name();
        let Some(hash) = file_name
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|f| f.strip_suffix(".d"))
        else {
            continue;
        };
        if hash.is_empty() || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        if !fs::read_to_string(entry.path()).is_ok_and(|d| is_ours(&d)) {
            continue;
        }
        let bin = bin_dir.join(format!("{name}-{hash}{}", std::env::consts::EXE_SUFFIX));
        if let Ok(modified) = fs::metadata(&bin).and_then(|m| m.modified())
            && newest.as_ref().is_none_or(|(t, _)| modified > *t)
        {
            newest = Some((modified, bin));
        }
    }
    newest.map(|(_, bin)| bin).ok_or_else(|| {
        format!(
            "no build of it in {}: run the tests with `cargo test` without target filters \
             (it builds the examples), or `cargo build --examples` first",
            bin_dir.display()
        )
    })
}

/// The header every example opens with (docs/design.md, "An example is a lesson"): what matters
/// is a `//!` first line, the exact run command, a `Guide:` line and the toml block.
fn check_header(source: &str, package: &str, name: &str) -> Result<(), String> {
    let header: Vec<&str> = source.lines().take_while(|line| line.starts_with("//!")).collect();
    let command = format!("cargo run -p {package} --example {name}");
    let problem = if header.is_empty() {
        Some("its first line is not a `//!` header".to_owned())
    } else if !header.iter().any(|line| line.contains(&command)) {
        Some(format!("its header does not give the command `{command}`"))
    } else if !header.iter().any(|line| line.starts_with("//! Guide:")) {
        Some("its header has no `//! Guide:` line naming the guide section".to_owned())
    } else if !header.iter().any(|line| line.trim_end() == "//! ```toml") {
        Some("its header has no ```toml block of dependencies".to_owned())
    } else {
        None
    };
    problem.map_or(Ok(()), Err)
}

/// What a finished child printed.
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Runs `command` with no stdin, capturing both outputs, and kills it after `timeout`.
pub fn run_with_timeout(command: &mut Command, timeout: Duration) -> Result<Run, String> {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    // Read both pipes on their own threads so a chatty child never blocks on a full pipe.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "still running after {} s: killed (it must finish by itself)\n--- stdout so far\n{}",
                timeout.as_secs(),
                stdout.join().unwrap_or_default()
            ));
        }
        thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    Ok(Run {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        elapsed,
    })
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_must_name_command_guide_and_deps() {
        let good = "//! Summary.\n//!\n//! Guide: 指南 2.5.2.4.\n//!\n//! ```text\n\
                    //! cargo run -p examples-tokio --example mpsc\n//! ```\n//!\n\
                    //! ```toml\n//! [dependencies]\n//! ```\n\nfn main() {}\n";
        assert_eq!(check_header(good, "examples-tokio", "mpsc"), Ok(()));
        assert!(check_header(good, "examples-smol", "mpsc").is_err());
        assert!(check_header(good, "examples-tokio", "oneshot").is_err());
        assert!(check_header("fn main() {}\n", "examples-tokio", "mpsc").is_err());
        let no_toml = good.replace("```toml", "```");
        assert!(check_header(&no_toml, "examples-tokio", "mpsc").is_err());
        let no_guide = good.replace("Guide:", "Section:");
        assert!(check_header(&no_guide, "examples-tokio", "mpsc").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_hanging_child_is_killed() {
        let started = Instant::now();
        let result = run_with_timeout(Command::new("sleep").arg("30"), Duration::from_millis(200));
        let err = result.err().expect("sleep 30 must be reported as hanging");
        assert!(err.contains("still running"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[cfg(unix)]
    #[test]
    fn output_and_status_are_captured() {
        let run = run_with_timeout(
            Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]),
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(run.stdout, "out\n");
        assert_eq!(run.stderr, "err\n");
        assert_eq!(run.status.code(), Some(3));
    }
}
