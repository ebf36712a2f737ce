#!/usr/bin/env bash
# Build time of each Cargo profile from clean, the binary it makes, and (with valgrind)
# its instructions per request on the keyed cached route: the figures behind the choice of
# a quick `release` profile for newcomers and a slow, fast-running `dist` profile for what
# ships. Also the rebuild after an edit (`touch src/lib.rs`). Writes
# bench/results/<UTC time>-build-profiles.md.
#
#   bash bench/build-profiles.sh              # release, then dist (each from clean)
#   PROFILES=dist bash bench/build-profiles.sh
#
# Each profile's own target directory is cleaned first (`cargo clean --profile`), so its
# dependencies are built too, as on a fresh clone. Takes 10-15 minutes on 2 cores.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
PROFILES=${PROFILES:-release dist}
RESULTS=${RESULTS_DIR:-$HERE/results}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CG_REQUESTS=${CG_REQUESTS:-2000}
stamp=$(date -u +%Y-%m-%dT%H%MZ)
out="$RESULTS/$stamp-build-profiles.md"
mkdir -p "$RESULTS"

profile_setting() { # profile key -> the value Cargo.toml gives (or inherited)
    python3 - "$ROOT/Cargo.toml" "$1" "$2" <<'PY'
import sys, tomllib
profiles = tomllib.load(open(sys.argv[1], "rb")).get("profile", {})
name, key = sys.argv[2], sys.argv[3]
while name:
    p = profiles.get(name, {})
    if key in p:
        v = p[key]
        print(str(v).lower() if isinstance(v, bool) else v); break
    name = p.get("inherits")
else:
    print("(default)")
PY
}

rows=()
for profile in $PROFILES; do
    echo "== cargo clean --profile $profile; cargo build --profile $profile --locked"
    (cd "$ROOT"; cargo clean --profile "$profile" >/dev/null 2>&1) || true
    load=$(cut -d' ' -f1 /proc/loadavg)
    start=$(date +%s.%N)
    (cd "$ROOT" && cargo build --profile "$profile" --locked --bin sportsgate)
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')
    # A change to the crate's own code: what a developer waits for after an edit.
    touch "$ROOT/src/lib.rs"
    start=$(date +%s.%N)
    (cd "$ROOT" && cargo build --profile "$profile" --locked --bin sportsgate)
    rebuild=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')
    bin="$TARGET/$profile/sportsgate"
    bytes=$(stat -c %s "$bin")
    insns="-"
    if command -v valgrind >/dev/null; then
        cg_out="$HERE/out/build-profiles/$profile"
        mkdir -p "$cg_out"
        CG_OUT_DIR="$cg_out" SG_BIN="$bin" CG_REQUESTS="$CG_REQUESTS" CG_PATHS=/v1/leagues/nfl/games \
            bash "$HERE/callgrind.sh" >"$cg_out.log" 2>&1 || true
        insns=$(python3 -c 'import json, sys; print("{:,}".format(json.load(open(sys.argv[1]))["games.sportsgate-key"]["per_request"]))' \
            "$cg_out/callgrind.json" 2>/dev/null || echo "- (see $cg_out.log)")
    fi
    rows+=("| \`$profile\` | $(profile_setting "$profile" lto) | $(profile_setting "$profile" codegen-units) | $secs s | $rebuild s | $load | $(awk -v b="$bytes" 'BEGIN {printf "%.1f MiB", b / 1048576}') | $insns |")
    echo "$profile: ${secs}s from clean, ${rebuild}s after an edit, $bytes bytes, $insns instructions/request"
done

{
    echo "# Build profiles, $(date -u +'%Y-%m-%d %H:%M UTC')"
    echo
    echo "Command: \`bash bench/build-profiles.sh\` (commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo ', uncommitted changes'))."
    echo "Machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM; $(rustc --version)."
    echo "Each build starts from \`cargo clean --profile <name>\` (dependencies included), as on a fresh clone."
    echo "Instructions per request: bench/callgrind.sh on the keyed cached \`GET /v1/leagues/nfl/games\`, $CG_REQUESTS requests."
    echo
    echo "| profile | lto | codegen-units | build from clean | rebuild after an edit | load avg at start | binary | instructions/request (keyed games) |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
    printf '%s\n' "${rows[@]}"
} >"$out"
echo "wrote $out"
cat "$out"
