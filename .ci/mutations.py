#!/usr/bin/env python3
"""Proves the README's errata rows by mutation: each row's defect is put back, its test must fail.

`tests/mutations/mutations.toml` holds one entry per errata row, in the table's order. A mutable
entry has `edits` (file, search, replace: `search` must occur exactly once, or the row is reported
as `patch no longer applies`) and the test that must then fail; an entry that cannot be mutated
meaningfully gives its reason in `not_mutable`, and is listed as such.

The working tree is never touched. The tracked files (plus untracked, unignored ones), with their
working-tree contents, are copied to a scratch tree (default `target/mutations/tree`, kept between
runs and synced by content, so an unchanged file keeps its mtime and cargo its fingerprints). Every
build goes to one scratch target dir beside it. First everything the rows need is built from the
unmutated tree (without debug info, which nothing reads and which slows every link), and every
row's tests are run once and must pass (the baseline: a test that already fails proves nothing).
Then, row by row: apply the edits, build only the examples (or test) that row's test runs, run
only the named tests, restore the files. A restored example is rebuilt lazily, when a later row's
test needs it, so each row costs about one example build.

A row is `caught` when a named test fails by its own means (an assertion, or the test's own timeout
on a hung example). A test run that the script itself has to kill after `--run-timeout` seconds
counts as NOT CAUGHT: a hang that no test notices is a hole, and CI must not stall on it.

`expected/<example>` rows run `tests/examples.rs`, which checks every example of its crate; to run
it on one example, the other examples' sources and expected files are moved aside in the scratch
tree for that run only (cargo is not invoked while they are away).

Usage: python3 .ci/mutations.py [--only ID[,ID..]] [--list] [--verbose] [--scratch DIR]
                                [--run-timeout S]
Exit status: 0 when every mutable row is caught, 1 otherwise.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT / "tests/mutations/mutations.toml"


def load_rows():
    rows = tomllib.loads(LIST.read_text())["row"]
    ids = [row["id"] for row in rows]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        sys.exit(f"{LIST}: duplicate ids {sorted(dup)}")
    for row in rows:
        if ("not_mutable" in row) == ("edits" in row):
            sys.exit(f"{LIST}: row {row['id']} needs exactly one of `edits` and `not_mutable`")
    return rows


def sync_tree(tree: Path):
    """Makes `tree` hold the working tree's tracked and unignored files, copying only changes."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout
    wanted = set()
    for name in sorted(set(out.decode().split("\0")) - {""}):
        src, dst = ROOT / name, tree / name
        if not os.path.lexists(src):  # deleted in the working tree, not yet in git
            continue
        wanted.add(name)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            link = os.readlink(src)
            if not dst.is_symlink() or os.readlink(dst) != link:
                if os.path.lexists(dst):
                    dst.unlink()
                os.symlink(link, dst)
        elif dst.is_symlink() or not dst.is_file() or dst.read_bytes() != src.read_bytes():
            if os.path.lexists(dst):
                dst.unlink()
            shutil.copy2(src, dst)
    for dirpath, dirnames, filenames in os.walk(tree):
        for f in filenames:
            rel = os.path.relpath(os.path.join(dirpath, f), tree)
            if rel not in wanted:
                os.unlink(os.path.join(dirpath, f))
        for d in list(dirnames):
            if os.path.islink(os.path.join(dirpath, d)):
                dirnames.remove(d)
                if os.path.relpath(os.path.join(dirpath, d), tree) not in wanted:
                    os.unlink(os.path.join(dirpath, d))


def kill_group(pgid: int) -> None:
    """SIGKILL to every process left in the group of a finished test run."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Scratch:
    def __init__(self, base: Path, run_timeout: float):
        self.tree = base / "tree"
        self.target = base / "target"
        self.run_timeout = run_timeout
        # No debug info: the examples link faster, and nothing here reads it.
        self.env = dict(os.environ, CARGO_TARGET_DIR=str(self.target), CARGO_PROFILE_DEV_DEBUG="0")
        self.env.pop("RUST_LOG", None)

    def cargo(self, args):
        """Runs cargo in the scratch tree; returns (ok, stdout, stderr)."""
        proc = subprocess.run(
            ["cargo", *args, "--locked"], cwd=self.tree, env=self.env,
            capture_output=True, text=True,
        )
        return proc.returncode == 0, proc.stdout, proc.stderr

    def build(self, row):
        """Builds what `row`'s test runs; returns (test executable or None, cargo's error)."""
        package, test = row["package"], row["test"]
        examples = needed_examples(self.tree, row)
        if examples:
            args = ["build", "-p", package]
            for example in examples:
                args += ["--example", example]
            ok, _, err = self.cargo(args)
            if not ok:
                return None, err
        ok, out, err = self.cargo(
            ["test", "--no-run", "-p", package, "--test", test, "--message-format=json"]
        )
        if not ok:
            return None, err
        for line in out.splitlines():
            msg = json.loads(line)
            if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == test:
                if msg.get("executable"):
                    return msg["executable"], ""
        return None, f"cargo built no executable for --test {test}"

    def run(self, row, exe):
        """Runs each named test alone; returns (all passed, report of the first failure)."""
        crate_dir = self.tree / row["package"]
        for name in row["only"]:
            if row["test"] == "examples":
                args, hidden = [exe], self.hide_examples_but(crate_dir, name)
            else:
                args, hidden = [exe, "--exact", name], []
            try:
                started = time.monotonic()
                proc = subprocess.Popen(
                    args, cwd=crate_dir, env=self.env, stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                    start_new_session=True,
                )
                try:
                    out, _ = proc.communicate(timeout=self.run_timeout)
                    kill_group(proc.pid)  # what a mutated example left running, e.g. its child
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.communicate()
                    return False, f"hung: killed after {self.run_timeout:.0f} s ({name})"
                except BaseException:  # interrupted: leave no test or example running
                    os.killpg(proc.pid, signal.SIGKILL)
                    raise
            finally:
                for src, dst in hidden:
                    os.rename(dst, src)
            if proc.returncode != 0:
                return False, f"{name} failed after {time.monotonic() - started:.1f} s:\n{out}"
            if row["test"] != "examples" and "1 passed" not in out:
                return False, f"{name}: no such test ran:\n{out}"
        return True, ""

    def hide_examples_but(self, crate_dir: Path, keep: str):
        """Moves every example but `keep` (source and expected file) aside; returns the moves."""
        aside = self.tree.parent / "aside" / crate_dir.name
        moves = []
        for sub, exts in (("examples", (".rs",)), ("tests/expected", (".stdout", ".driven-by"))):
            (aside / sub).mkdir(parents=True, exist_ok=True)
            for path in sorted((crate_dir / sub).iterdir()):
                if path.is_file() and path.suffix in exts and path.stem != keep:
                    dst = aside / sub / path.name
                    os.rename(path, dst)
                    moves.append((path, dst))
        return moves


def needed_examples(tree: Path, row):
    """The example binaries `row`'s test runs: a suite's `examples`, or the named examples."""
    if row["test"] == "examples":
        return list(row["only"])
    if row["test"] != "suites":
        return []
    found = []
    for suite in sorted({name.split("::")[0] for name in row["only"]}):
        source = (tree / "shared/src/suites" / f"{suite}.rs").read_text()
        listed = re.search(r"examples: &\[([^\]]*)\]", source)
        found += re.findall(r'"([^"]+)"', listed.group(1)) if listed else []
    return found


def why(report: str) -> str:
    """The line of a failed test's output that says why: the first one after its panic."""
    lines = report.splitlines()
    after = [i for i, line in enumerate(lines) if "panicked at" in line]
    for line in lines[after[0] + 1 :] if after else []:
        line = line.strip()
        if line and not re.fullmatch(r"\d+ of \d+ examples failed:", line):
            return line[:160]
    return lines[0][:160]


def apply(tree: Path, edits):
    """Applies `edits`; returns the originals to restore, or None if a search does not match once."""
    originals = {}
    for edit in edits:
        path = tree / edit["file"]
        current = path.read_text() if path.is_file() else ""
        if path.is_file():
            originals.setdefault(path, current)
        if current.count(edit["search"]) != 1:
            for p, text in originals.items():
                p.write_text(text)
            return None
        path.write_text(current.replace(edit["search"], edit["replace"]))
    return originals


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated row ids")
    parser.add_argument("--list", action="store_true", help="list the rows and exit")
    parser.add_argument("--scratch", type=Path, default=ROOT / "target/mutations")
    parser.add_argument("--run-timeout", type=float, default=180)
    parser.add_argument("--verbose", action="store_true", help="print each failing test's output")
    args = parser.parse_args()

    # SIGTERM unwinds like Ctrl+C: the running test is killed, the scratch files restored.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rows = load_rows()
    if args.list:
        for row in rows:
            print(f"{row['id']}: " + ("mutable" if "edits" in row else "not mutable"))
        return 0
    if args.only:
        wanted = args.only.split(",")
        unknown = set(wanted) - {row["id"] for row in rows}
        if unknown:
            sys.exit(f"unknown ids: {sorted(unknown)}")
        rows = [row for row in rows if row["id"] in wanted]

    started = time.monotonic()
    scratch = Scratch(args.scratch.resolve(), args.run_timeout)
    scratch.tree.mkdir(parents=True, exist_ok=True)
    sync_tree(scratch.tree)
    mutable = [row for row in rows if "edits" in row]

    # One cargo call per package builds everything unmutated, in parallel, before the rows run.
    for package in sorted({row["package"] for row in mutable}):
        of_package = [row for row in mutable if row["package"] == package]
        tests = sorted({row["test"] for row in of_package})
        examples = sorted({e for row in of_package for e in needed_examples(scratch.tree, row)})
        for step in (
            ["build", "-p", package] + [a for e in examples for a in ("--example", e)],
            ["test", "--no-run", "-p", package] + [a for t in tests for a in ("--test", t)],
        ):
            if step[0] == "build" and not examples:
                continue
            ok, _, err = scratch.cargo(step)
            if not ok:
                print(f"the unmutated tree does not build ({' '.join(step)}):\n{err}")
                return 1
    print(f"built in {time.monotonic() - started:.0f} s", flush=True)

    # The baseline: each row's tests must pass unmutated, or their failure would prove nothing.
    failed, broken, baselines = 0, set(), {}
    for row in mutable:
        key = (row["package"], row["test"], tuple(row["only"]))
        if key not in baselines:
            exe, err = scratch.build(row)
            baselines[key] = scratch.run(row, exe) if exe else (False, err)
        passed, report = baselines[key]
        if not passed:
            failed += 1
            broken.add(row["id"])
            print(f"{row['id']}: BASELINE FAILS (it must pass unmutated)\n{report}", flush=True)
    print(f"baseline run after {time.monotonic() - started:.0f} s", flush=True)

    for row in rows:
        rid, row_started = row["id"], time.monotonic()
        if "not_mutable" in row:
            print(f"{rid}: not mutable: {row['not_mutable']}", flush=True)
            continue
        if rid in broken:
            continue
        originals = apply(scratch.tree, row["edits"])
        if originals is None:
            failed += 1
            print(f"{rid}: patch no longer applies", flush=True)
            continue
        try:
            exe, err = scratch.build(row)
            passed, report = scratch.run(row, exe) if exe else (None, err)
        finally:
            # Restored with a new mtime: cargo rebuilds the example when a later row needs it.
            for path, text in originals.items():
                path.write_text(text)
        took = f"({time.monotonic() - row_started:.0f} s)"
        if passed is None:
            failed += 1
            print(f"{rid}: MUTATION DOES NOT BUILD {took}\n{report}", flush=True)
        elif passed:
            failed += 1
            print(f"{rid}: NOT CAUGHT {took}", flush=True)
        elif report.startswith("hung:"):
            failed += 1
            print(f"{rid}: NOT CAUGHT ({report}) {took}", flush=True)
        else:
            test = report.split(" failed after")[0]
            print(f"{rid}: caught by {test}: {why(report)} {took}", flush=True)
            if args.verbose:
                print(report, flush=True)
    print(f"{len(rows)} rows, {failed} not proved, {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
