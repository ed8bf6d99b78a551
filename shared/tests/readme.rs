//! Keeps the README's concept × runtime matrix in step with the files, so it cannot drift.
//!
//! Every example file must have its row and a link in its runtime's column; every link must name a
//! file that exists; every cell without a link must give a reason; and, where the concept list the
//! workspace was planned from sits beside the checkout (`../shared/CONCEPTS.md`, as in CI), every
//! concept it names must have a row.
//!
//! The index by guide section of each README must name every program its matrix names, and no
//! other.

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

/// The English matrix's header line.
const HEADER: &str = "| concept | guide section | tokio | async-std | smol |";
/// The Chinese README's matrix header line.
const HEADER_ZH: &str = "| 概念 | 指南章节 | tokio | async-std | smol |";

/// The rows of the English matrix.
fn matrix_rows(readme: &str) -> Vec<Row> {
    matrix_rows_under(readme, HEADER)
}

/// The rows of the table whose header line starts with `header`.
fn matrix_rows_under(readme: &str, header: &str) -> Vec<Row> {
    let mut lines = readme.lines().skip_while(|line| !line.starts_with(header));
    assert!(lines.next().is_some(), "no concept × runtime matrix under `{header}`");
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
    check_rows(root, &matrix_rows(readme))
}

fn check_rows(root: &Path, rows: &[Row]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for row in rows {
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
                    problems.push(format!("{krate}/examples/{name}.rs has no row in the matrix"));
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
    assert!(problems.is_empty(), "README matrix:\n{}", problems.join("\n"));
}

/// The Chinese README's matrix obeys the same rules, and matches the English one row for row: same
/// concepts in the same order, the same links, a reason (in Chinese) wherever English gives one.
#[test]
fn the_chinese_matrix_is_in_step_with_the_files_and_the_english_one() {
    let root = workspace_root();
    let english = fs::read_to_string(root.join("README.md")).expect("README.md exists");
    let chinese = fs::read_to_string(root.join("README.zh-CN.md")).expect("README.zh-CN.md exists");
    let zh_rows = matrix_rows_under(&chinese, HEADER_ZH);
    let mut problems = check_rows(&root, &zh_rows);
    let en_rows = matrix_rows(&english);
    let en_concepts: Vec<&str> = en_rows.iter().map(|r| r.concept.as_str()).collect();
    let zh_concepts: Vec<&str> = zh_rows.iter().map(|r| r.concept.as_str()).collect();
    if en_concepts != zh_concepts {
        problems.push(format!(
            "the concepts differ from README.md's:\n  en {en_concepts:?}\n  zh {zh_concepts:?}"
        ));
    }
    for (en, zh) in en_rows.iter().zip(&zh_rows) {
        for ((krate, en_cell), zh_cell) in RUNTIME_CRATES.iter().zip(&en.cells).zip(&zh.cells) {
            let (en_link, zh_link) = (link_target(en_cell), link_target(zh_cell));
            if en_link != zh_link {
                problems.push(format!(
                    "`{}` in {krate}: README.md links {en_link:?}, README.zh-CN.md {zh_link:?}",
                    en.concept
                ));
            }
            if zh_link.is_none() && !zh_cell.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            {
                problems.push(format!(
                    "`{}` in {krate}: the Chinese reason is not in Chinese: `{zh_cell}`",
                    en.concept
                ));
            }
        }
    }
    assert!(problems.is_empty(), "README.zh-CN.md matrix:\n{}", problems.join("\n"));
}

#[test]
fn the_matrix_has_a_row_for_every_planned_concept() {
    let root = workspace_root();
    let Ok(concepts) = fs::read_to_string(root.join("../shared/CONCEPTS.md")) else {
        eprintln!("../shared/CONCEPTS.md is not beside this checkout; nothing to compare with");
        return;
    };
    let readme = fs::read_to_string(root.join("README.md")).expect("README.md exists");
    let rows: BTreeSet<String> = matrix_rows(&readme).into_iter().map(|r| r.concept).collect();
    let missing: Vec<&str> = concepts
        .lines()
        .filter_map(|line| line.strip_prefix("| ")?.split(" | ").next())
        .filter(|name| *name != "name" && !name.starts_with('-'))
        .filter(|name| !rows.contains(*name))
        .collect();
    assert!(missing.is_empty(), "concepts without a README row: {missing:?}");
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
    assert!(check_matrix(&root, &bad_link).iter().any(|p| p.contains("does not exist")));
    // A file that exists without its link, and a gap without a reason.
    let unlinked = format!(
        "{header}| `hello` | x | {reason} | {reason} | {reason} |\n| `nope` | x | - | - | - |\n"
    );
    let problems = check_matrix(&root, &unlinked);
    assert!(problems.iter().any(|p| p.contains("does not link it")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("without a one-line reason")), "{problems:?}");
    // Examples with no row at all.
    let only_hello = format!("{header}| `hello` | x | {linked} | {reason} | {reason} |\n");
    assert!(check_matrix(&root, &only_hello).iter().any(|p| p.contains("has no row")));
}

/// The heading of the index by guide section in each README.
const INDEX_HEADINGS: [(&str, &str); 2] =
    [("README.md", "## Index by guide section"), ("README.zh-CN.md", "## 按指南章节索引")];

/// The entries of the index under `heading`: for each line that links programs, the
/// `(name, target)` of each link whose text is one backticked name, such as
/// ``[`mpsc`](examples-tokio/examples/mpsc.rs)``.
fn index_entries(readme: &str, heading: &str) -> Vec<Vec<(String, String)>> {
    let mut lines = readme.lines().skip_while(|line| *line != heading);
    assert!(lines.next().is_some(), "no `{heading}` section");
    lines
        .take_while(|line| !line.starts_with("## "))
        .map(program_links)
        .filter(|links| !links.is_empty())
        .collect()
}

fn program_links(line: &str) -> Vec<(String, String)> {
    let mut links = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("[`") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find("`](") else { break };
        let name = rest[..end].to_owned();
        rest = &rest[end + 3..];
        let Some(close) = rest.find(')') else { break };
        links.push((name, rest[..close].to_owned()));
        rest = &rest[close + 1..];
    }
    links
}

/// What is wrong with an index: a program the matrix does not name, a link that is not one of
/// that program's files or names a file that does not exist, a program of the matrix left out.
fn check_index(
    root: &Path,
    entries: &[Vec<(String, String)>],
    concepts: &BTreeSet<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, target) in entries.iter().flatten() {
        if !concepts.contains(name) {
            problems.push(format!("`{name}` is not a program of the matrix"));
        }
        if !RUNTIME_CRATES.iter().any(|krate| expected_path(krate, name) == *target) {
            problems.push(format!("`{name}` links to {target}, which is not one of its files"));
        } else if !root.join(target).is_file() {
            problems.push(format!("`{name}` links to {target}, which does not exist"));
        }
    }
    let named: BTreeSet<&str> = entries.iter().flatten().map(|(name, _)| name.as_str()).collect();
    for concept in concepts.iter().filter(|c| !named.contains(c.as_str())) {
        problems.push(format!("`{concept}` has a matrix row but is not in the index"));
    }
    problems
}

/// Both READMEs' index by guide section names every program of their matrix and nothing else,
/// links each to a file that exists, and the two indexes name the same programs line for line.
#[test]
fn the_index_by_guide_names_every_program_of_the_matrix_and_no_other() {
    let root = workspace_root();
    let mut problems = Vec::new();
    let mut names_per_line = Vec::new();
    for ((file, heading), header) in INDEX_HEADINGS.iter().zip([HEADER, HEADER_ZH]) {
        let readme = fs::read_to_string(root.join(file)).expect("both READMEs exist");
        let concepts = matrix_rows_under(&readme, header).into_iter().map(|r| r.concept).collect();
        let entries = index_entries(&readme, heading);
        assert!(entries.len() >= 30, "{file}: only {} index lines name programs", entries.len());
        let found = check_index(&root, &entries, &concepts);
        problems.extend(found.into_iter().map(|p| format!("{file}: {p}")));
        let names: Vec<Vec<String>> =
            entries.into_iter().map(|line| line.into_iter().map(|(n, _)| n).collect()).collect();
        names_per_line.push(names);
    }
    for (line, (en, zh)) in names_per_line[0].iter().zip(&names_per_line[1]).enumerate() {
        if en != zh {
            problems
                .push(format!("index line {}: README.md {en:?}, README.zh-CN.md {zh:?}", line + 1));
        }
    }
    if names_per_line[0].len() != names_per_line[1].len() {
        problems.push("the two indexes have different numbers of lines".to_owned());
    }
    assert!(problems.is_empty(), "index by guide section:\n{}", problems.join("\n"));
}

#[test]
fn the_index_check_catches_drift() {
    let root = workspace_root();
    let concepts: BTreeSet<String> = ["mpsc", "oneshot"].map(str::to_owned).into();
    let readme = "## Index by guide section\n\n\
                  - 2.5.2.4 异步通道: [`mpsc`](examples-tokio/examples/mpsc.rs), \
                  [`nope`](examples-tokio/examples/nope.rs)\n\
                  - see [Benchmarks](#benchmarks) and [`mpsc`](examples-smol/examples/oneshot.rs)\n\
                  \n## Next\n- [`oneshot`](examples-tokio/examples/oneshot.rs)\n";
    let entries = index_entries(readme, "## Index by guide section");
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0][0], ("mpsc".to_owned(), "examples-tokio/examples/mpsc.rs".to_owned()));
    let problems = check_index(&root, &entries, &concepts);
    assert!(problems.iter().any(|p| p.contains("`nope` is not a program")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("nope.rs, which does not exist")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("oneshot.rs, which is not one of")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("`oneshot` has a matrix row")), "{problems:?}");
    assert_eq!(problems.len(), 4, "{problems:?}");
}

/// A workspace member: its package name and directory.
struct Package {
    name: String,
    dir: PathBuf,
}

/// The workspace members named in the root manifest, with the package name each declares.
fn packages(root: &Path) -> Vec<Package> {
    let manifest = fs::read_to_string(root.join("Cargo.toml")).expect("the root Cargo.toml");
    let members = manifest
        .lines()
        .find_map(|line| line.strip_prefix("members = ["))
        .expect("the root manifest lists its members on one line");
    members
        .trim_end_matches(']')
        .split(',')
        .map(|member| member.trim().trim_matches('"'))
        .filter(|member| !member.is_empty())
        .map(|member| {
            let dir = root.join(member);
            let manifest = fs::read_to_string(dir.join("Cargo.toml"))
                .unwrap_or_else(|e| panic!("{member}/Cargo.toml: {e}"));
            let name = manifest
                .lines()
                .find_map(|line| line.strip_prefix("name = \""))
                .and_then(|rest| rest.strip_suffix('"'))
                .unwrap_or_else(|| panic!("{member}/Cargo.toml has no `name = \"…\"` line"))
                .to_owned();
            Package { name, dir }
        })
        .collect()
}

/// Every `cargo run|bench|test|build …` command in `text`, up to the end of its line, code span,
/// table cell or string literal, without the arguments after a lone `--`. Templates such as
/// `cargo run -p <crate> --example <name>` are skipped.
fn cargo_commands(text: &str) -> Vec<String> {
    let mut commands = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(at) = rest.find("cargo ") {
            let tail = &rest[at..];
            let end = tail.find(['`', '|', '"']).unwrap_or(tail.len());
            let command = tail[..end].trim();
            rest = &tail[end..];
            let sub = command.split_whitespace().nth(1).unwrap_or("");
            // `<crate>`-style words mark a template, not a command to run.
            if ["run", "bench", "test", "build"].contains(&sub) && !command.contains('<') {
                let command = command.split(" -- ").next().unwrap_or(command);
                let command = command.strip_suffix(" --").unwrap_or(command);
                commands.push(command.trim().to_owned());
            }
        }
    }
    commands
}

/// What is wrong with one command: a package, example, bin, bench or test target it names that
/// does not exist, or a target named without the package that holds it.
fn check_command(packages: &[Package], command: &str) -> Option<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let value =
        |flags: &[&str]| words.windows(2).find(|pair| flags.contains(&pair[0])).map(|pair| pair[1]);
    let package = match value(&["-p", "--package"]) {
        Some(name) => match packages.iter().find(|p| p.name == name) {
            Some(package) => Some(package),
            None => return Some(format!("`{command}`: no package `{name}` in the workspace")),
        },
        None => None,
    };
    let targets = [
        ("--example", "examples"),
        ("--bin", "src/bin"),
        ("--bench", "benches"),
        ("--test", "tests"),
    ];
    for (flag, dir) in targets {
        let Some(target) = value(&[flag]) else {
            continue;
        };
        let Some(package) = package else {
            return Some(format!(
                "`{command}`: `{flag} {target}` without `-p`: same-named targets exist in several packages"
            ));
        };
        // A bin may also be a folder, `src/bin/<name>/main.rs`.
        let file = package.dir.join(dir).join(format!("{target}.rs"));
        let folder = package.dir.join(dir).join(target).join("main.rs");
        let exists = file.is_file() || (flag == "--bin" && folder.is_file());
        if !exists {
            return Some(format!(
                "`{command}`: package `{}` has no {flag} target `{target}`",
                package.name
            ));
        }
    }
    None
}

/// The files whose commands a reader copies: the READMEs, BENCHMARKS.md, and every example's and
/// bench's source (the headers).
fn documented_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["README.md", "README.zh-CN.md", "BENCHMARKS.md"]
        .iter()
        .map(|name| root.join(name))
        .filter(|path| path.is_file())
        .collect();
    for package in packages(root) {
        for dir in ["examples", "src/bin", "benches"] {
            let Ok(entries) = fs::read_dir(package.dir.join(dir)) else {
                continue;
            };
            for path in entries.flatten().map(|entry| entry.path()) {
                if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                } else if path.join("main.rs").is_file() {
                    files.push(path.join("main.rs")); // a bin (or example) that is a folder
                }
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_cargo_command_shown_names_a_package_and_target_that_exist() {
    let root = workspace_root();
    let packages = packages(&root);
    let mut checked = 0;
    let mut problems = Vec::new();
    for file in documented_files(&root) {
        let text = fs::read_to_string(&file).expect("a documented file is UTF-8");
        for command in cargo_commands(&text) {
            checked += 1;
            if let Some(problem) = check_command(&packages, &command) {
                let shown = file.strip_prefix(&root).unwrap_or(&file).display();
                problems.push(format!("{shown}: {problem}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every example header shows its own run command, so far fewer than this means the scan broke.
    assert!(checked >= 150, "only {checked} cargo commands found");
}

#[test]
fn the_command_check_catches_a_wrong_name() {
    let root = workspace_root();
    let packages = packages(&root);
    let text = "Run `cargo run -p examples-tokio --example mpsc` or\n\
                cargo run -p examples-tokio --example nope -- 127.0.0.1:0\n\
                a template: `cargo run -p <crate> --example <name>`\n\
                | `cargo run -p examples-nope --example mpsc` |\n\
                cargo run --example mpsc\n\
                cargo bench -p benches --bench nope -- --test\n";
    let commands = cargo_commands(text);
    assert_eq!(
        commands,
        [
            "cargo run -p examples-tokio --example mpsc",
            "cargo run -p examples-tokio --example nope",
            "cargo run -p examples-nope --example mpsc",
            "cargo run --example mpsc",
            "cargo bench -p benches --bench nope",
        ]
    );
    let verdicts: Vec<Option<String>> =
        commands.iter().map(|c| check_command(&packages, c)).collect();
    assert_eq!(verdicts[0], None);
    assert!(verdicts[1].as_deref().is_some_and(|p| p.contains("no --example target `nope`")));
    assert!(verdicts[2].as_deref().is_some_and(|p| p.contains("no package `examples-nope`")));
    assert!(verdicts[3].as_deref().is_some_and(|p| p.contains("without `-p`")));
    assert!(verdicts[4].as_deref().is_some_and(|p| p.contains("no --bench target `nope`")));
}

/// The test sources an errata row may cite: the runtime crates' integration tests and the shared
/// suites.
fn errata_test_sources(root: &Path) -> String {
    let mut sources = String::new();
    let dirs = RUNTIME_CRATES
        .map(|krate| format!("{krate}/tests"))
        .into_iter()
        .chain(["shared/src/suites".to_owned()]);
    for dir in dirs {
        for entry in fs::read_dir(root.join(dir)).expect("a test directory").flatten() {
            if entry.path().extension().is_some_and(|e| e == "rs") {
                sources += &fs::read_to_string(entry.path()).expect("a test source");
            }
        }
    }
    sources
}

/// Every errata row names a test that exists: `expected/<example>` with its expected-output file,
/// or test functions (backticked snake_case names) defined in tokio's tests or the shared suites.
#[test]
fn every_errata_row_names_a_test_that_exists() {
    let root = workspace_root();
    let sources = errata_test_sources(&root);
    let mut problems = Vec::new();
    let tables = [
        ("README.md", "| guide · section | what the snippet does wrong |"),
        ("README.zh-CN.md", "| 指南 · 章节 | 原代码的问题 |"),
    ];
    let mut row_counts = Vec::new();
    for (file, header) in tables {
        let readme = fs::read_to_string(root.join(file)).expect("both READMEs exist");
        let rows: Vec<String> = readme
            .lines()
            .skip_while(|line| !line.starts_with(header))
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .map(|row| format!("{file}: {row}"))
            .collect();
        assert!(rows.len() >= 25, "{file}: only {} errata rows", rows.len());
        row_counts.push(rows.len());
        check_errata_rows(&root, &sources, &rows, &mut problems);
    }
    assert_eq!(row_counts[0], row_counts[1], "the two READMEs' errata have different row counts");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Adds to `problems` each row of `rows` that cites no test, or a test that does not exist.
fn check_errata_rows(root: &Path, sources: &str, rows: &[String], problems: &mut Vec<String>) {
    for row in rows {
        let test_cell = row.trim_end_matches('|').rsplit(" | ").next().unwrap_or("");
        let mut cited = 0;
        for (at, _) in test_cell.match_indices("expected/") {
            let name: String = test_cell[at + "expected/".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let path = root.join(format!("examples-tokio/tests/expected/{name}.stdout"));
            if path.is_file() {
                cited += 1;
            } else {
                problems.push(format!("`expected/{name}` has no expected output: {row}"));
            }
        }
        for name in test_cell.split('`').skip(1).step_by(2) {
            let is_test_name = name.matches('_').count() >= 2
                && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !is_test_name {
                continue;
            }
            if sources.contains(&format!("fn {name}(")) {
                cited += 1;
            } else {
                problems.push(format!("test `{name}` is not defined: {row}"));
            }
        }
        if cited == 0 {
            problems.push(format!("a row cites no test: {row}"));
        }
    }
}

/// The names of the test functions (`#[test]`, `#[tokio::test]`, `#[async_std::test]`) in a source.
fn test_functions(source: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if line == "#[test]"
            || line.starts_with("#[tokio::test")
            || line.starts_with("#[async_std::test")
        {
            let signature = lines.find_map(|l| {
                let l = l.trim_start();
                l.strip_prefix("fn ").or_else(|| l.strip_prefix("async fn "))
            });
            if let Some(name) = signature.and_then(|rest| rest.split('(').next()) {
                names.insert(name.to_owned());
            }
        }
    }
    names
}

/// The "Runtime semantics that differ" table and the three `tests/semantics.rs` files name the same
/// tests: a row for every test, and every row's test in every crate.
#[test]
fn the_semantics_table_and_the_semantics_tests_match() {
    let root = workspace_root();
    let table = |file: &str, header: &str| -> BTreeSet<String> {
        let readme = fs::read_to_string(root.join(file)).expect("both READMEs exist");
        readme
            .lines()
            .skip_while(|line| !line.starts_with(header))
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .filter_map(|line| line.split('`').nth(1).map(str::to_owned))
            .collect()
    };
    let rows = table("README.md", "| test | tokio | async-std | smol |");
    let zh_rows = table("README.zh-CN.md", "| 测试 | tokio | async-std | smol |");
    assert_eq!(zh_rows, rows, "README.zh-CN.md's semantics table (left) differs from README.md's");
    assert!(rows.len() >= 7, "the semantics table has {} rows", rows.len());
    for krate in RUNTIME_CRATES {
        let path = root.join(krate).join("tests/semantics.rs");
        let source = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{krate}: {e}"));
        let tests = test_functions(&source);
        assert_eq!(
            tests, rows,
            "{krate}/tests/semantics.rs tests (left) differ from the README's rows (right)"
        );
    }
}
