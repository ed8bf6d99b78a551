//! The contract suites of `shared/src/suites/` (the servers and clients, hostile clients
//! included), run against this crate's builds of the examples: the same cases as in every
//! runtime crate. `cargo test -p examples-tokio --test suites -- chat_server::` runs one suite.

fn main() {
    shared::suites::run(env!("CARGO_MANIFEST_DIR"))
}
