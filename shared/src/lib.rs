//! Runtime-agnostic code used by more than one crate of this workspace.
//!
//! - [`frame`]: length-prefixed frames over `futures::io`, compiled into every runtime's `agnostic`
//!   example too (its `examples/frame/mod.rs` links to this file).
//! - [`expected`]: the small pattern language of `tests/expected/<example>.stdout` files.
//! - [`harness`]: runs every example of a crate and checks its output against those files.
//! - [`process`]: starts a server or client example, waits for `listening on`, stops it with SIGINT.
//! - [`semantics`]: the std-only support of the three crates' `tests/semantics.rs` (gates, limits,
//!   re-running a test in a child process).
//! - [`suites`]: the integration tests every runtime's servers and clients must pass, written once.
//!
//! Nothing here depends on a runtime: the three example crates use it as a dev-dependency (examples
//! may use those too, and only the `agnostic` ones do), so a test of tokio's examples and a test
//! of smol's examples are the same few lines.

pub mod expected;
pub mod frame;
pub mod harness;
pub mod process;
pub mod semantics;
pub mod suites;
