//! Drives the `signal` example: SIGINT or SIGTERM while it works stops it after the current step,
//! with its cleanup and exit status 0. (The run without a signal is checked by each
//! crate's `tests/expected/signal.stdout`.)

use std::time::Duration;

use nix::sys::signal::Signal;

use crate::process::ExampleProcess;

use super::{Suite, cases};

pub const SUITE: Suite = Suite {
    name: "signal",
    examples: &["signal"],
    cases: cases![sigint_stops_after_the_current_step, sigterm_stops_after_the_current_step,],
};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Starts the example, waits until its handlers are installed, sends `signal`, and checks how it
/// stopped; `name` is how the example reports the signal.
fn stops_cleanly_on(manifest_dir: &str, signal: Signal, name: &str) {
    let mut example = ExampleProcess::start(manifest_dir, "signal", &[]);
    let working = example
        .wait_for_line(TIMEOUT, |line| line.starts_with("working (pid "))
        .expect("the example never said it was working");
    assert_eq!(
        working,
        format!("working (pid {})...", example.id()),
        "the example must print its own pid"
    );
    example.signal(signal);
    let finished = example.wait(TIMEOUT);
    assert!(
        finished.status.success(),
        "after {name} the example exited with {}: {finished:?}",
        finished.status
    );

    let steps_done: Vec<u32> = finished
        .stdout
        .iter()
        .filter_map(|line| line.strip_prefix("step ")?.strip_suffix(" done")?.parse().ok())
        .collect();
    let last = *steps_done.last().expect("at least the current step finishes");
    assert!(last < 10, "the signal did not stop the work: {finished:?}");
    assert_eq!(
        steps_done,
        (1..=last).collect::<Vec<_>>(),
        "steps must be done in order, none skipped"
    );
    // The step in progress when the signal came is finished, and then the work stops.
    let tail = &finished.stdout[finished.stdout.len().saturating_sub(3)..];
    assert_eq!(
        tail,
        [
            format!("step {last} done"),
            format!("received {name}: stopping after step {last}"),
            "cleaned up".to_owned(),
        ],
        "{finished:?}"
    );
    assert!(!finished.stdout.iter().any(|line| line.starts_with("all ")), "{finished:?}");
}

fn sigint_stops_after_the_current_step(manifest_dir: &str) {
    stops_cleanly_on(manifest_dir, Signal::SIGINT, "SIGINT");
}

fn sigterm_stops_after_the_current_step(manifest_dir: &str) {
    stops_cleanly_on(manifest_dir, Signal::SIGTERM, "SIGTERM");
}
