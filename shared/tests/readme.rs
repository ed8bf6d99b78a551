//! Keeps the README's concept × runtime matrix in step with the files, so it cannot drift.
//!
//! Every example file must have its row and a link in its runtime's column; every link must name a
//! file that exists; every cell without a link must give a reason; and, where the concept list the
//! workspace was planned from sits beside the checkout (`../shared/CONCEPTS.md`, as in CI), every
//! concept it names must have a row.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const RUNTIME_CRATES: [&str; 3] = ["examples-tokio", "examples-async-std", "examples-smol"];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("shared/ sits inside the workspace")
        .to_path_buf()
}

/// One matrix row: the concept and, per runtime crate, the cell's text.
struct Row {
    concept: String,
    cells: [String; 3],
}

/// The rows of the table whose header starts `| concept | guide section | tokio | async-std | smol |`.
fn matrix_rows(readme: &str) -> Vec<Row> {
    let mut lines = readme.lines().skip_while(|line| {
        !line.starts_with("| concept | guide section | tokio | async-std | smol |")
    });
    assert!(
        lines.next().is_some(),
        "README.md has no concept × runtime matrix"
    );
    lines
        .skip(1) // the `| --- |` line
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<String> = line
                .trim()
                .trim_matches('|')
                .split(" | ")
                .map(|cell| cell.trim().to_owned())
                .collect();
            assert_eq!(cells.len(), 5, "a matrix row needs 5 cells: {line}");
            Row {
                concept: cells[0].trim_matches('`').to_owned(),
                cells: [cells[2].clone(), cells[3].clone(), cells[4].clone()],
            }
        })
        .collect()
}

/// The target of a `[text](target)` link in `cell`, if it has one.
fn link_target(cell: &str) -> Option<&str> {
    let start = cell.find("](")? + 2;
    let end = start + cell[start..].find(')')?;
    Some(&cell[start..end])
}

/// Where the program for `concept` lives in `krate`.
fn expected_path(krate: &str, concept: &str) -> String {
    if concept == "testing" {
        format!("{krate}/tests/testing.rs")
    } else {
        format!("{krate}/examples/{concept}.rs")
    }
}

fn check_matrix(root: &Path, readme: &str) -> Vec<String> {
    let rows = matrix_rows(readme);
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for row in &rows {
        if !seen.insert(row.concept.clone()) {
            problems.push(format!("`{}` has two rows", row.concept));
        }
        for (krate, cell) in RUNTIME_CRATES.iter().zip(&row.cells) {
            let path = expected_path(krate, &row.concept);
            let exists = root.join(&path).is_file();
            match link_target(cell) {
                Some(target) if target != path => problems.push(format!(
                    "`{}` in {krate} links to {target}, expected {path}",
                    row.concept
                )),
                Some(_) if !exists => problems.push(format!(
                    "`{}` in {krate} links to {path}, which does not exist",
                    row.concept
                )),
                None if exists => problems.push(format!(
                    "{path} exists but the matrix cell of `{}` in {krate} does not link it",
                    row.concept
                )),
                None if cell.len() < 15 => problems.push(format!(
                    "`{}` in {krate} is a gap without a one-line reason: `{cell}`",
                    row.concept
                )),
                _ => {}
            }
        }
    }
    for krate in RUNTIME_CRATES {
        let Ok(entries) = fs::read_dir(root.join(krate).join("examples")) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "rs") {
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                if !seen.contains(&name) {
                    problems.push(format!(
                        "{krate}/examples/{name}.rs has no row in the matrix"
                    ));
                }
            }
        }
        if root.join(krate).join("tests/testing.rs").is_file() && !seen.contains("testing") {
            problems.push(format!("{krate}/tests/testing.rs has no `testing` row"));
        }
    }
    problems
}

#[test]
fn the_matrix_links_every_example_and_only_files_that_exist() {
    let root = workspace_root();
    let readme = fs::read_to_string(root.join("README.md")).expect("README.md exists");
    let problems = check_matrix(&root, &readme);
    assert!(
        problems.is_empty(),
        "README matrix:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_matrix_has_a_row_for_every_planned_concept() {
    let root = workspace_root();
    let Ok(concepts) = fs::read_to_string(root.join("../shared/CONCEPTS.md")) else {
        eprintln!("../shared/CONCEPTS.md is not beside this checkout; nothing to compare with");
        return;
    };
    let readme = fs::read_to_string(root.join("README.md")).expect("README.md exists");
    let rows: BTreeSet<String> = matrix_rows(&readme)
        .into_iter()
        .map(|r| r.concept)
        .collect();
    let missing: Vec<&str> = concepts
        .lines()
        .filter_map(|line| line.strip_prefix("| ")?.split(" | ").next())
        .filter(|name| *name != "name" && !name.starts_with('-'))
        .filter(|name| !rows.contains(*name))
        .collect();
    assert!(
        missing.is_empty(),
        "concepts without a README row: {missing:?}"
    );
}

#[test]
fn the_check_catches_drift() {
    let root = workspace_root();
    let header =
        "| concept | guide section | tokio | async-std | smol |\n| --- | --- | --- | --- | --- |\n";
    let linked = "[hello.rs](examples-tokio/examples/hello.rs)";
    let reason = "a reason long enough to read";
    // A link to a file that does not exist.
    let bad_link = format!(
        "{header}| `nope` | x | [nope.rs](examples-tokio/examples/nope.rs) | {reason} | {reason} |\n"
    );
    assert!(
        check_matrix(&root, &bad_link)
            .iter()
            .any(|p| p.contains("does not exist"))
    );
    // A file that exists without its link, and a gap without a reason.
    let unlinked = format!(
        "{header}| `hello` | x | {reason} | {reason} | {reason} |\n| `nope` | x | - | - | - |\n"
    );
    let problems = check_matrix(&root, &unlinked);
    assert!(
        problems.iter().any(|p| p.contains("does not link it")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("without a one-line reason")),
        "{problems:?}"
    );
    // Examples with no row at all.
    let only_hello = format!("{header}| `hello` | x | {linked} | {reason} | {reason} |\n");
    assert!(
        check_matrix(&root, &only_hello)
            .iter()
            .any(|p| p.contains("has no row"))
    );
}
