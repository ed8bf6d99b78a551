//! Keeps the READMEs' **[M]** markers in step with `tests/mutations/mutations.toml`, the list
//! `.ci/mutations.py` proves in CI: a row is marked exactly when its entry has edits (the script
//! then requires its test to fail on them), and unmarked when its entry says `not_mutable`.
//!
//! The list has one entry per errata row, in the table's order; each entry's `cites` text must
//! appear in its own row, in both languages, and in no other, so that a row added, removed or
//! moved without its entry is caught here. Only the top-level keys of each `[[row]]` are read:
//! the edits' multi-line strings are skipped, not parsed.

use std::fs;
use std::path::{Path, PathBuf};

const MARKER: &str = "**[M]**";
const TABLES: [(&str, &str); 2] = [
    ("README.md", "| guide · section | what the snippet does wrong |"),
    ("README.zh-CN.md", "| 指南 · 章节 | 原代码的问题 |"),
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("shared/ is in the workspace").into()
}

/// One `[[row]]` of the list.
#[derive(Debug, Default)]
struct Entry {
    id: String,
    cites: String,
    mutable: bool,
    not_mutable: bool,
}

/// The entries of `list`, from each `[[row]]`'s `id`, `cites`, `edits` and `not_mutable`.
fn entries(list: &str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut in_string = false;
    for line in list.lines() {
        // A `'''` or `"""` opens or closes a multi-line string; nothing inside one is a key.
        let quotes = line.matches("'''").count() + line.matches("\"\"\"").count();
        let was_in_string = in_string;
        in_string ^= quotes % 2 == 1;
        if was_in_string || line.trim_start().starts_with('#') {
            continue;
        }
        match line.trim() {
            "[[row]]" => entries.push(Entry::default()),
            "[[row.edits]]" => {
                entries.last_mut().expect("[[row.edits]] after a [[row]]").mutable = true
            }
            _ => {}
        }
        let Some((key, value)) = line.split_once(" = ") else { continue };
        let Some(entry) = entries.last_mut() else { continue };
        let string = || value.trim().trim_matches(['\'', '"']).to_owned();
        match key.trim() {
            "id" => entry.id = string(),
            "cites" => entry.cites = string(),
            "not_mutable" => entry.not_mutable = true,
            _ => {}
        }
    }
    entries
}

/// The errata rows of the README `file`, the table under `header`.
fn errata_rows(file: &str, header: &str) -> Vec<String> {
    let readme = fs::read_to_string(workspace_root().join(file)).expect("both READMEs exist");
    let rows: Vec<String> = readme
        .lines()
        .skip_while(|line| !line.starts_with(header))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(str::to_owned)
        .collect();
    assert!(!rows.is_empty(), "{file}: no errata table under `{header}`");
    rows
}

#[test]
fn the_m_markers_are_the_rows_the_mutation_script_proves() {
    let list_path = workspace_root().join("tests/mutations/mutations.toml");
    let list = fs::read_to_string(&list_path).expect("tests/mutations/mutations.toml exists");
    let entries = entries(&list);
    let mut problems = Vec::new();
    for entry in &entries {
        if entry.id.is_empty() || entry.cites.is_empty() {
            problems.push(format!("an entry without `id` or `cites`: {entry:?}"));
        }
        if entry.mutable == entry.not_mutable {
            problems.push(format!("{}: needs exactly one of edits and not_mutable", entry.id));
        }
    }
    for (file, header) in TABLES {
        let rows = errata_rows(file, header);
        if rows.len() != entries.len() {
            problems.push(format!(
                "{file}: {} errata rows, but the list has {} entries",
                rows.len(),
                entries.len()
            ));
        }
        for (n, (row, entry)) in rows.iter().zip(&entries).enumerate() {
            let citing: Vec<usize> =
                (1..=rows.len()).filter(|&i| rows[i - 1].contains(&entry.cites)).collect();
            if citing != [n + 1] {
                problems.push(format!(
                    "{file}: entry {} (`{}`) is for row {}, but `{}` is in rows {citing:?}",
                    n + 1,
                    entry.id,
                    n + 1,
                    entry.cites
                ));
            }
            match (row.contains(MARKER), entry.mutable) {
                (true, false) => problems.push(format!(
                    "{file}: row {} (`{}`) is marked {MARKER}, but the list says it is not mutable",
                    n + 1,
                    entry.id
                )),
                (false, true) => problems.push(format!(
                    "{file}: row {} (`{}`) is proved by the script but not marked {MARKER}",
                    n + 1,
                    entry.id
                )),
                _ => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_list_reader_skips_multi_line_strings() {
    let list = "[[row]]\nid = \"a\"\ncites = 'x'\n[[row.edits]]\nsearch = '''\n\
                [[row]]\nid = \"fake\"\n'''\n\n[[row]]\nid = \"b\"\ncites = 'y'\n\
                not_mutable = \"why\"\n";
    let entries = entries(list);
    assert_eq!(entries.len(), 2);
    assert_eq!((entries[0].id.as_str(), entries[0].mutable), ("a", true));
    assert_eq!((entries[1].id.as_str(), entries[1].not_mutable), ("b", true));
}
