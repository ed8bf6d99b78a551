//! Runs every program in `examples/` and checks its stdout against `tests/expected/<name>.stdout`.

#[test]
fn every_example_prints_what_it_promises() {
    shared::harness::check_examples(env!("CARGO_MANIFEST_DIR"), env!("CARGO_PKG_NAME"));
}
