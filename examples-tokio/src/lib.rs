//! This package holds no library code: its programs are in `examples/`, one concept per file,
//! and `tests/examples.rs` runs each one and checks its output against `tests/expected/`.
//!
//! ```text
//! cargo run -p examples-tokio --example hello
//! ```
