//! The load tools' results in the report: `latency`, `task_memory` and `c10k` each write a
//! Markdown fragment (`<tool>.md`, opening with its own `###` heading) and SVG charts into one
//! results directory; the report appends the fragments after the criterion tables, in that order,
//! and copies the SVGs beside `report.md`, so the fragments' relative image links still resolve.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// Each fragment in report order, with the command that writes it.
pub const FRAGMENTS: [(&str, &str); 3] = [
    ("latency.md", "cargo run --release -p benches --bin latency"),
    ("task_memory.md", "cargo run --release -p benches --bin task_memory"),
    ("c10k.md", "cargo run --release -p benches --bin c10k -- --runtime tokio --connections 10000"),
];

/// The report's last section: each fragment found in `results`, or one line saying it is absent
/// and which command writes it.
pub fn render_fragments(results: &Path) -> Result<String> {
    let mut md = String::from("\n## Load tools\n\n");
    let _ = writeln!(md, "From the load tools' results in `{}`.", results.display());
    for (file, command) in FRAGMENTS {
        let path = results.join(file);
        match fs::read_to_string(&path) {
            Ok(fragment) => {
                let _ = write!(md, "\n{}\n", fragment.trim());
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let _ = write!(md, "\n`{file}`: not there; `{command}` writes it.\n");
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
    Ok(md)
}

/// Copies every `*.svg` in `results` into `out`, refusing one whose name is among `taken` (the
/// report's own charts), which it would overwrite or be overwritten by; returns how many it copied.
/// No `results` directory, or `out` is that directory: nothing to copy.
pub fn copy_charts(results: &Path, out: &Path, taken: &[&str]) -> Result<usize> {
    if fs::canonicalize(results).ok().is_some_and(|r| fs::canonicalize(out).ok() == Some(r)) {
        // The report is written into the results directory: the charts are already there.
        return Ok(0);
    }
    let entries = match fs::read_dir(results) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        entries => entries.with_context(|| format!("reading {}", results.display()))?,
    };
    let mut charts = Vec::new();
    for entry in entries {
        let path = entry.with_context(|| format!("reading {}", results.display()))?.path();
        if path.is_file() && path.extension().is_some_and(|ext| ext == "svg") {
            charts.push(path);
        }
    }
    charts.sort();
    for chart in &charts {
        let name = chart.file_name().expect("a file read from a directory has a name");
        if taken.iter().any(|t| name == *t) {
            bail!(
                "{} has the name of one of the report's own charts: rename it in {}",
                chart.display(),
                results.display()
            );
        }
        let to = out.join(name);
        fs::copy(chart, &to)
            .with_context(|| format!("copying {} to {}", chart.display(), to.display()))?;
    }
    Ok(charts.len())
}
