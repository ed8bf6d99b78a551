//! Drives the "signal" example: SIGINT or SIGTERM while it works stops it after the current step,
//! with its cleanup and exit status 0. The cases live once, for every runtime, in
//! `shared/src/suites/signal.rs`; the run without a signal is checked by
//! `tests/expected/signal.stdout`.

shared::signal_suite!();
