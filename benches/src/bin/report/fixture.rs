//! A fabricated criterion directory for the unit tests, laid out as criterion writes it.

use std::fs;
use std::path::Path;

/// Writes one fake benchmark the way criterion lays it out, with criterion's other files
/// around it.
pub fn write_bench(
    root: &Path,
    group: &str,
    function: &str,
    size: &str,
    throughput: &str,
    (median, lower, upper): (f64, f64, f64),
) {
    let dir = root.join(group).join(function).join(size);
    for sub in ["new", "base", "report"] {
        fs::create_dir_all(dir.join(sub)).expect("create the fake benchmark's directories");
    }
    let id = format!(
        r#"{{"group_id":"{group}","function_id":"{function}","value_str":"{size}","throughput":{throughput},"full_id":"{group}/{function}/{size}","directory_name":"{group}/{function}/{size}","title":"{group}/{function}/{size}"}}"#
    );
    let estimate = |point: f64, low: f64, high: f64| {
        format!(
            r#"{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":{low},"upper_bound":{high}}},"point_estimate":{point},"standard_error":1.0}}"#
        )
    };
    let estimates = format!(
        r#"{{"mean":{m},"median":{m},"median_abs_dev":{e},"slope":null,"std_dev":{e}}}"#,
        m = estimate(median, lower, upper),
        e = estimate(1.0, 0.5, 1.5),
    );
    fs::write(dir.join("new/benchmark.json"), &id).expect("write benchmark.json");
    fs::write(dir.join("new/estimates.json"), estimates).expect("write estimates.json");
    // criterion's previous run: must not count as a second result.
    fs::write(dir.join("base/benchmark.json"), &id).expect("write base/benchmark.json");
}

/// A tree with three groups: one with `tokio-mt` and sizes that sort differently as text,
/// one without `tokio-mt`, one measured in bytes.
pub fn fake_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let root = dir.path();
    let elements = |n: u32| format!(r#"{{"Elements":{n}}}"#);
    // spawn_many: baseline tokio-mt at 1 µs, 10 µs and 100 µs.
    for (size, base) in [("20", 1_000.0), ("100", 10_000.0), ("1000", 100_000.0)] {
        let n: u32 = size.parse().expect("a numeric size");
        let t = elements(n);
        let b = base;
        write_bench(root, "spawn_many", "tokio-mt", size, &t, (b, 0.95 * b, 1.05 * b));
        // Twice as slow, intervals apart.
        let m = 2.0 * b;
        write_bench(root, "spawn_many", "tokio-ct", size, &t, (m, 0.98 * m, 1.02 * m));
        // 5 % slower, its interval overlapping the baseline's.
        let m = 1.05 * b;
        write_bench(root, "spawn_many", "smol", size, &t, (m, b, 1.1 * b));
        // 20 % faster, apart.
        let m = 0.8 * b;
        write_bench(root, "spawn_many", "zeta", size, &t, (m, 0.79 * b, 0.81 * b));
    }
    // async-std and std only at one size each.
    let t = elements(100);
    write_bench(root, "spawn_many", "async-std", "100", &t, (9_000.0, 8_800.0, 9_600.0));
    let t = elements(20);
    write_bench(root, "spawn_many", "std", "20", &t, (123.4, 120.0, 125.0));
    // state_machine: no tokio-mt, so hand-written is the baseline.
    let t = elements(1000);
    write_bench(root, "state_machine", "async-fn", "1000", &t, (3_000.0, 2_900.0, 3_100.0));
    write_bench(root, "state_machine", "hand-written", "1000", &t, (2_000.0, 1_900.0, 2_100.0));
    // file_read: 1 MiB in 1 ms is 1000 MiB/s.
    let t = r#"{"Bytes":1048576}"#;
    write_bench(root, "file_read", "tokio-mt", "1048576", t, (1e6, 0.9e6, 1.1e6));
    write_bench(root, "file_read", "std", "1048576", t, (5e5, 4.9e5, 5.1e5));
    // Criterion's own report directory, and a directory that is no benchmark.
    fs::create_dir_all(root.join("report")).expect("create report/");
    fs::write(root.join("report/index.html"), "<html></html>").expect("write index.html");
    fs::create_dir_all(root.join("empty/nothing")).expect("create a non-benchmark dir");
    dir
}
