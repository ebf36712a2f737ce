#!/usr/bin/env bash
# Instructions per request (callgrind): nginx serving the body as a static file, and
# sportsgate serving the same cached route anonymously and with an API key. Instruction
# counts do not depend on what else runs on the machine, so unlike req/s they can be
# compared across runs and commits.
#
# Each server runs under `valgrind --tool=callgrind`, gets CG_WARMUP requests, then its
# counters are zeroed (`callgrind_control -z`), CG_REQUESTS requests are sent over
# CG_CONNECTIONS keep-alive connections, and the counts are dumped (`callgrind_control -d`).
# Instructions per request = the dump's `totals:` ÷ CG_REQUESTS (every thread of the
# process: tokio's workers and background tasks too). nginx runs with `master_process off`,
# so the counted process is the one that serves. The dumps are kept for annotation:
#   callgrind_annotate --inclusive=yes bench/out/callgrind/callgrind.out.sportsgate.PID.2
# (a stripped binary, like the dist profile's, shows addresses only; for function names
# run this with SG_BIN=target/release/sportsgate, which keeps line tables).
#
# Knobs (environment):
#   SG_BIN=target/dist/sportsgate  the binary to count
#   CG_PATHS="/sports"             routes to count (space-separated; each gets nginx, anon, key)
#   CG_REQUESTS=2000 CG_WARMUP=200 CG_CONNECTIONS=4
#   CG_PORT=18090                  sportsgate's port; nginx uses CG_PORT+1
#   PIN=1                          server on CPU 1, client on CPU 0 (as in run.sh)
#   CG_OUT_DIR=bench/out/callgrind (wiped at the start)
# Writes CG_OUT_DIR/callgrind.json and prints a table. Needs valgrind, nginx, curl, python3.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

OUT=${CG_OUT_DIR:-$HERE/out/callgrind}
BIN=${SG_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/dist/sportsgate}
REQUESTS=${CG_REQUESTS:-2000}
WARM=${CG_WARMUP:-200}
CONNS=${CG_CONNECTIONS:-4}
PATHS=${CG_PATHS:-/sports}
SG_PORT=${CG_PORT:-18090}
NGINX_PORT=$((SG_PORT + 1))
PIN=${PIN:-1}

for v in REQUESTS WARM CONNS SG_PORT; do
    [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ -x $BIN ]] || die "no sportsgate binary at $BIN (set SG_BIN)"
for t in valgrind callgrind_control curl python3; do command -v "$t" >/dev/null || die "$t is missing"; done
for p in "$SG_PORT" "$NGINX_PORT"; do port_busy "$p" && die "something already listens on 127.0.0.1:$p (set CG_PORT)"; done
SERVER_CPU=() CLIENT_CPU=()
if ((PIN)) && (($(nproc) >= 2)); then
    SERVER_CPU=(taskset -c 1) CLIENT_CPU=(taskset -c 0)
fi

CG_PID=""
cleanup() {
    local rc=$?
    stop_pid "$CG_PID"
    ((rc == 0)) || echo "callgrind.sh: exited with status $rc; partial results in $OUT" >&2
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

case $OUT in /|"$ROOT"|"$HERE"|"") die "refusing to wipe CG_OUT_DIR=$OUT" ;; esac
rm -rf "$OUT"
mkdir -p "$OUT"
: >"$OUT/runs.tsv"
DUMPS=0 # dumps of the current process so far: callgrind names the k-th one OUTFILE.k

# measure LABEL PATH [HEADER]: warm-up, zero, the counted requests, dump; notes the dump.
measure() {
    local label=$1 path=$2 port=$3 base=$4
    shift 4
    "${CLIENT_CPU[@]}" python3 "$HERE/keepalive.py" "$port" "$path" "$WARM" "$CONNS" "$@" >/dev/null \
        || die "$label: warm-up failed"
    callgrind_control -z "$CG_PID" >>"$OUT/control.log" 2>&1 || die "$label: callgrind_control -z failed"
    "${CLIENT_CPU[@]}" python3 "$HERE/keepalive.py" "$port" "$path" "$REQUESTS" "$CONNS" "$@" >/dev/null \
        || die "$label: the counted requests failed"
    callgrind_control -d "$CG_PID" >>"$OUT/control.log" 2>&1 || die "$label: callgrind_control -d failed"
    DUMPS=$((DUMPS + 1))
    [[ -s $base.$CG_PID.$DUMPS ]] || die "$label: no dump at $base.$CG_PID.$DUMPS"
    printf '%s\t%s\t%s\n' "$label" "$REQUESTS" "$base.$CG_PID.$DUMPS" >>"$OUT/runs.tsv"
    echo "  $label: $REQUESTS requests counted"
}

VALGRIND=(valgrind --tool=callgrind --trace-children=no)

log "callgrind: sportsgate ($BIN)"
write_plans "$OUT/bench.toml"
export SPORTSGATE_CONFIG="$OUT/bench.toml" SPORTSGATE_ANONYMOUS_PLAN=unlimited
export SPORTSGATE_DATABASE_URL="sqlite://$OUT/callgrind.db"
TOKEN=$(create_key "$BIN")
# A long live-data lifetime: a cache refresh (re-reading and re-rendering the recording, which
# happens every 15 s by default) costs millions of instructions and would land in some
# counted windows and not others.
env -u SPORTSGATE_REDIS_URL SPORTSGATE_PROVIDER=replay SPORTSGATE_LISTEN="127.0.0.1:$SG_PORT" \
    SPORTSGATE_LOG_FORMAT=json SPORTSGATE_SHUTDOWN_GRACE=1s SPORTSGATE_TTL_LIVE=1h \
    "${SERVER_CPU[@]}" "${VALGRIND[@]}" --callgrind-out-file="$OUT/callgrind.out.sportsgate.%p" \
    "$BIN" serve >/dev/null 2>"$OUT/sportsgate.stderr" &
CG_PID=$!
DUMPS=0
wait_200 "http://127.0.0.1:$SG_PORT/healthz" "$CG_PID" "sportsgate under valgrind" 120
mkdir -p "$OUT/nginx/www"
for path in $PATHS; do
    name=$(basename "$path")
    mkdir -p "$OUT/nginx/www$(dirname "$path")"
    curl -sSf -o "$OUT/nginx/www$path" "http://127.0.0.1:$SG_PORT$path" || die "sportsgate $path failed"
    measure "$name.sportsgate-anon" "$path" "$SG_PORT" "$OUT/callgrind.out.sportsgate"
    measure "$name.sportsgate-key" "$path" "$SG_PORT" "$OUT/callgrind.out.sportsgate" "x-api-key: $TOKEN"
done
stop_pid "$CG_PID"
CG_PID=""

log "callgrind: nginx ($("$NGINX" -v 2>&1 | sed 's/.*nginx\///'), one process)"
write_nginx_conf "$OUT/nginx" "$NGINX_PORT" 1
"${SERVER_CPU[@]}" "${VALGRIND[@]}" --callgrind-out-file="$OUT/callgrind.out.nginx.%p" \
    "$NGINX" -e "$OUT/nginx/error.log" -p "$OUT/nginx" -c "$OUT/nginx/nginx.conf" >/dev/null 2>"$OUT/nginx.stderr" &
CG_PID=$!
DUMPS=0
first=${PATHS%% *}
wait_200 "http://127.0.0.1:$NGINX_PORT$first" "$CG_PID" "nginx under valgrind" 60
for path in $PATHS; do
    measure "$(basename "$path").nginx" "$path" "$NGINX_PORT" "$OUT/callgrind.out.nginx"
done
stop_pid "$CG_PID"
CG_PID=""

python3 "$HERE/summarize.py" callgrind "$OUT"
