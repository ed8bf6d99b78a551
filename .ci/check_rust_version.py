"""Checks that [workspace.package] rust-version equals the highest rust-version of any resolved
dependency: honest (no lower than what the dependencies need) and not stricter than it must be."""
import json
import re
import subprocess
import sys

meta = json.loads(subprocess.run(
    ["cargo", "metadata", "--format-version", "1", "--locked"],
    check=True, capture_output=True, text=True).stdout)
members = set(meta["workspace_members"])


def parse(version):
    return tuple(int(part) for part in version.split("."))[:2]


needed = max(
    (parse(p["rust_version"]), p["name"])
    for p in meta["packages"]
    if p.get("rust_version") and p["id"] not in members
)
declared = re.search(r'^rust-version = "([0-9.]+)"', open("Cargo.toml").read(), re.M)
if not declared:
    sys.exit("Cargo.toml: no rust-version in [workspace.package]")
if parse(declared.group(1)) != needed[0]:
    sys.exit(f"Cargo.toml declares rust-version {declared.group(1)}, but the highest a dependency "
             f"needs is {'.'.join(map(str, needed[0]))} ({needed[1]})")
print(f"rust-version {declared.group(1)}: highest needed, by {needed[1]}")
