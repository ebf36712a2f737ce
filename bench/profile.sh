#!/usr/bin/env bash
# Where a keyed cached request's instructions go: bench/callgrind.sh on the `release`
# binary (it keeps line tables, so functions have names) for `/healthz` (the framework and
# middleware floor) and the keyed games route, then the inclusive cost of each part of the
# request path from the keyed dump. Writes bench/results/<UTC time>-profile.md.
#
#   cargo build --release --locked && bash bench/profile.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BIN=${SG_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/sportsgate}
OUT="$HERE/out/profile"
RESULTS=${RESULTS_DIR:-$HERE/results}
[[ -x $BIN ]] || { echo "profile: no binary at $BIN (cargo build --release --locked)" >&2; exit 1; }
command -v callgrind_annotate >/dev/null || { echo "profile: needs valgrind" >&2; exit 1; }

# PROFILE_REUSE=1 re-reads the last run's dumps instead of counting again.
if [[ ${PROFILE_REUSE:-0} != 1 ]]; then
    CG_OUT_DIR="$OUT" SG_BIN="$BIN" CG_PATHS="/healthz /v1/leagues/nfl/games" bash "$HERE/callgrind.sh"
fi
mkdir -p "$RESULTS"
out="$RESULTS/$(date -u +%Y-%m-%dT%H%MZ)-profile.md"
python3 - "$OUT" "$out" "$(git -C "$ROOT" rev-parse --short HEAD)" <<'PY'
import json, re, subprocess, sys
from pathlib import Path

out_dir, target, commit = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
runs = json.loads((out_dir / "callgrind.json").read_text())
keyed = runs["games.sportsgate-key"]
requests = keyed["requests"]
text = subprocess.run(
    ["callgrind_annotate", "--inclusive=yes", "--threshold=100", "--auto=no", keyed["dump"]],
    capture_output=True, text=True, check=True,
).stdout

def inclusive(pattern: str) -> int:
    """Largest inclusive count among the lines naming a matching function: the same function
    shows up several times (inlined into other files, recursion marks); the largest is the
    whole of its calls."""
    best = 0
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(", line)
        if m and re.search(pattern, line):
            best = max(best, int(m.group(1).replace(",", "")))
    return best

parts = [
    ("whole process (every thread)", r"PROGRAM TOTALS"),
    ("connection tasks (hyper + everything a request runs)", r"Connection<I,S> as core::future::future::Future>::poll"),
    ("  HTTP/1 parse (hyper)", r"Buffered<T,B>::parse"),
    ("  HTTP/1 response head (hyper)", r"Conn<I,B,T>::write_head"),
    ("  access log layer and all inside it", r"access_log::Logged<F> as core::future::future::Future>::poll"),
    ("    the access line and metrics", r"telemetry::access::record"),
    ("    deadline layer and all inside it", r"deadline::WithinDeadline<F> as core::future::future::Future>::poll"),
    ("      gate and all inside it", r"gate.rs:<axum::middleware::from_fn::FromFn"),
    ("        identify the key (incl. SHA-256)", r"Management::identify::\{\{closure\}\}"),
    ("          SHA-256 of the presented secret", r"api_key::hex_digest"),
    ("        GCRA + quota (local)", r"LocalAdmitter as sportsgate::ratelimit::admission::Admitter>::admit::\{\{closure\}\}"),
    ("        limit headers", r"ratelimit::headers::apply"),
    ("        usage and history accounting", r"drop_in_place<sportsgate::http::middleware::gate::Accounted>"),
    ("        handler (games route)", r"routes/games.rs:<F as axum::handler::Handler"),
    ("          cache lookup", r"SportsCache::get::\{\{closure\}\}"),
    ("          response and cache headers", r"cached::respond"),
]
healthz = runs["healthz.sportsgate-anon"]["per_request"]
nginx = runs.get("games.nginx", {}).get("per_request")
lines = [
    f"# Where a keyed cached request goes, commit {commit}",
    "",
    "Command: `cargo build --release --locked && bash bench/profile.sh` (bench/callgrind.sh on the",
    f"`release` binary, {requests} requests per scenario; inclusive counts ÷ requests from",
    "`callgrind_annotate --inclusive=yes` on the keyed `GET /v1/leagues/nfl/games` dump).",
    "valgrind hides the CPU's SHA extensions, so the key's SHA-256 is counted as software hashing.",
    "Background work (usage flush, history writes, the log writer) runs once a second; at",
    "valgrind's slow request rate its share per request is larger than at full speed.",
    "",
    f"- `/healthz` through the same stack (framework and middleware floor): {healthz:,} instructions",
    f"- nginx serving the games body as a static file: {nginx:,} instructions" if nginx else "",
    "",
    "| part of the keyed games request | instructions / request |",
    "| --- | ---: |",
]
for label, pattern in parts:
    n = inclusive(pattern)
    lines.append(f"| {label.replace('  ', '&nbsp;&nbsp;')} | {round(n / requests):,} |")
Path(target).write_text("\n".join(l for l in lines if l is not None) + "\n")
print(Path(target).read_text())
print(f"wrote {target}")
PY
