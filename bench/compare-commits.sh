#!/usr/bin/env bash
# Instructions per request of two commits, side by side: each is built with the same
# settings (the `release` profile's: no LTO, 16 codegen units, line tables, whatever that
# commit's Cargo.toml said) and counted by bench/callgrind.sh on the cached routes,
# anonymous and keyed, with nginx as the floor. Callgrind counts do not depend on what else
# the machine runs, so this is the before/after figure for a change to the request path.
#
#   bash bench/compare-commits.sh BASE [HEAD]     # e.g. 6a47dbc HEAD
#
# Writes bench/results/<UTC time>-compare-<base>-<head>.md. Builds in a temporary worktree
# sharing this checkout's target directory, so dependencies are compiled once.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BASE=${1:?usage: compare-commits.sh BASE [HEAD]}
HEAD_REF=${2:-HEAD}
RESULTS=${RESULTS_DIR:-$HERE/results}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
PATHS=${CG_PATHS:-/sports /v1/leagues/nfl/games}
WORK=$(mktemp -d)
trap 'git -C "$ROOT" worktree remove --force "$WORK/tree" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

# The same code generation for both, whatever each commit's profile said.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_PROFILE_RELEASE_STRIP=false \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=3 CARGO_PROFILE_RELEASE_PANIC=abort

measure() { # ref label
    local ref=$1 label=$2 sha
    sha=$(git -C "$ROOT" rev-parse --short "$ref")
    git -C "$ROOT" worktree add --detach -q "$WORK/tree" "$sha"
    (cd "$WORK/tree" && CARGO_TARGET_DIR="$TARGET" cargo build --release --locked --bin sportsgate)
    cp "$TARGET/release/sportsgate" "$WORK/sportsgate-$label"
    git -C "$ROOT" worktree remove --force "$WORK/tree"
    CG_OUT_DIR="$HERE/out/compare/$label" SG_BIN="$WORK/sportsgate-$label" CG_PATHS="$PATHS" \
        bash "$HERE/callgrind.sh"
    echo "$sha" >"$HERE/out/compare/$label.sha"
}

mkdir -p "$HERE/out/compare" "$RESULTS"
measure "$BASE" before
measure "$HEAD_REF" after

before_sha=$(cat "$HERE/out/compare/before.sha")
after_sha=$(cat "$HERE/out/compare/after.sha")
out="$RESULTS/$(date -u +%Y-%m-%dT%H%MZ)-compare-$before_sha-$after_sha.md"
python3 - "$HERE/out/compare/before/callgrind.json" "$HERE/out/compare/after/callgrind.json" \
    "$before_sha" "$after_sha" "$out" <<'PY'
import json, subprocess, sys
before, after = (json.load(open(p)) for p in sys.argv[1:3])
b_sha, a_sha, out = sys.argv[3:6]
cpu = next(l.split(": ", 1)[1] for l in open("/proc/cpuinfo") if l.startswith("model name"))
lines = [
    f"# Instructions per request, {b_sha} → {a_sha}",
    "",
    f"Command: `bash bench/compare-commits.sh {b_sha} {a_sha}`. Both built with the same settings",
    "(opt-level 3, no LTO, 16 codegen units, panic=abort, mimalloc as each commit configured it),",
    f"counted by bench/callgrind.sh (callgrind, {next(iter(after.values()))['requests']} requests",
    "per scenario after a warm-up, every thread of the process). Machine: "
    f"{cpu.strip()}; valgrind hides SHA-NI, so SHA-256 key checks count as software hashing here.",
    "",
    "| scenario | before | after | change |",
    "| --- | ---: | ---: | ---: |",
]
for label in after:
    b, a = before.get(label, {}).get("per_request"), after[label]["per_request"]
    change = f"{(a - b) / b * 100:+.0f} %" if b else ""
    lines.append(f"| {label} | {b:,} | {a:,} | {change} |" if b else f"| {label} | – | {a:,} | |")
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
print(f"wrote {out}")
PY
