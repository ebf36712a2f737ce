#!/usr/bin/env bash
# sportsgate benchmark: sportsgate (replay provider, release build) against nginx serving
# the byte-identical response bodies as static files, same machine, same load, same run.
# Results go to bench/out/ (git-ignored); the summary to bench/out/summary.md.
# See bench/README.md for what is measured and how to read it.
#
# Knobs (environment):
#   DURATION=10      seconds measured per route and server
#   WARMUP=2         seconds of unmeasured load before each measured run
#   CONNECTIONS=64   keep-alive connections
#   THREADS=2        wrk threads
#   STARTS=5         starts for the start-to-ready median
#   EXTRAS=1         0 skips the extra sportsgate-only runs (log to file, no access log, /healthz)
#   SG_PORT=18080    sportsgate's loopback port
#   NGINX_PORT=18081 nginx's loopback port
#   NGINX_WORKERS=2  nginx worker_processes ("auto" = one per CPU)
#   SKIP_BUILD=0     1 uses the existing target/release/sportsgate without building
#   SG_BIN=PATH      benchmark this binary instead (with SKIP_BUILD=1; e.g. a profiling build)
#   INSTALL=1        0 never runs apt-get (fails if wrk or nginx is missing)
#   OUT_DIR=bench/out
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
OUT=${OUT_DIR:-$HERE/out}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
STARTS=${STARTS:-5}
EXTRAS=${EXTRAS:-1}
SG_PORT=${SG_PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}
NGINX_WORKERS=${NGINX_WORKERS:-2}
SKIP_BUILD=${SKIP_BUILD:-0}
INSTALL=${INSTALL:-1}

for v in DURATION WARMUP CONNECTIONS THREADS STARTS SG_PORT NGINX_PORT; do
    [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || { echo "bench: $v must be a positive integer (got '${!v}')" >&2; exit 2; }
done

log() { printf '\n== %s\n' "$*"; }
die() { echo "bench: FAIL: $*" >&2; exit 1; }

SG_PID=""
NGINX_PID=""
SAMPLER_PID=""
stop_pid() { # pid: SIGTERM, wait up to 5 s, then SIGKILL
    local pid=$1 i
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    stop_pid "$SAMPLER_PID"
    stop_pid "$SG_PID"
    stop_pid "$NGINX_PID"
    if ((rc != 0)); then echo "bench: exited with status $rc; partial results in $OUT" >&2; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------- 1. tools
log "tools"
need_pkgs=()
command -v wrk >/dev/null || need_pkgs+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need_pkgs+=(nginx-light)
command -v curl >/dev/null || need_pkgs+=(curl)
command -v python3 >/dev/null || need_pkgs+=(python3)
if ((${#need_pkgs[@]})); then
    ((INSTALL)) || die "missing ${need_pkgs[*]} and INSTALL=0"
    SUDO=""; ((EUID == 0)) || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    echo "installing ${need_pkgs[*]} (apt-get)"
    if ! $SUDO apt-get install -y -q "${need_pkgs[@]}" >/dev/null; then
        $SUDO apt-get update -q >/dev/null
        if ! $SUDO apt-get install -y -q "${need_pkgs[@]}" >/dev/null; then
            # Some releases only have "nginx".
            need_pkgs=("${need_pkgs[@]/nginx-light/nginx}")
            $SUDO apt-get install -y -q "${need_pkgs[@]}" >/dev/null
        fi
    fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
WRK_VERSION=$(wrk -v 2>&1 | head -1 | awk '{print "wrk " $2}' || true)
NGINX_VERSION=$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')
echo "$WRK_VERSION, nginx $NGINX_VERSION, python $(python3 -c 'import platform; print(platform.python_version())')"

case $OUT in /|"$ROOT"|"$HERE"|"") die "refusing to wipe OUT_DIR=$OUT" ;; esac
rm -rf "$OUT"
mkdir -p "$OUT/runs" "$OUT/nginx/www/v1/leagues/nfl" "$OUT/nginx/tmp" "$OUT/bodies"
: >"$OUT/notes.txt"
META="$OUT/meta.txt"
meta() { echo "$1=$2" >>"$META"; }
note() { echo "$*" | tee -a "$OUT/notes.txt"; }

meta date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
meta nproc "$(nproc)"
meta cpu "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
meta load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
meta commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if git -C "$ROOT" diff --quiet HEAD -- src Cargo.toml Cargo.lock data 2>/dev/null; then meta dirty 0; else meta dirty 1; fi
meta duration "$DURATION"; meta warmup "$WARMUP"; meta connections "$CONNECTIONS"; meta threads "$THREADS"
meta wrk_version "$WRK_VERSION"; meta nginx_version "$NGINX_VERSION"; meta nginx_workers "$NGINX_WORKERS"
meta sg_stdout "access log (JSON, one line a request, on stdout) redirected to /dev/null"

# The store and plans of every sportsgate started here (ready.py's too): a SQLite file in
# OUT, anonymous callers on the unmetered plan (the baseline), and a high-limit plan for the
# authenticated run, so that auth + GCRA + quota + usage accounting are measured, not 429s.
cat >"$OUT/bench.toml" <<'TOML'
[plans.bench]
rate = "1000000/second"
burst = 1000000
quota = "1000000000/day"
TOML
export SPORTSGATE_DATABASE_URL="sqlite://$OUT/bench.db"
export SPORTSGATE_ANONYMOUS_PLAN=unlimited
export SPORTSGATE_CONFIG="$OUT/bench.toml"

# ---------------------------------------------------------------- 2. build
BIN=${SG_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/sportsgate}
if ((SKIP_BUILD)); then
    log "build skipped (SKIP_BUILD=1)"
else
    log "cargo build --release --locked"
    (cd "$ROOT" && cargo build --release --locked)
fi
[[ -x $BIN ]] || die "no release binary at $BIN"
BIN_BYTES=$(stat -c %s "$BIN")
meta binary_bytes "$BIN_BYTES"
meta binary_desc "$([[ -n ${SG_BIN:-} ]] && echo "binary $SG_BIN" || echo "release build (cargo build --release --locked)")"
if command -v file >/dev/null; then meta binary_kind "$(file -b "$BIN" | grep -o 'not stripped\|stripped' | head -1)"; fi
echo "binary: $BIN ($BIN_BYTES bytes)"

# ---------------------------------------------------------------- 3. start-to-ready
for p in "$SG_PORT" "$NGINX_PORT"; do
    port_busy "$p" && die "something already listens on 127.0.0.1:$p (set SG_PORT / NGINX_PORT)"
done
log "start-to-ready ($STARTS starts)"
python3 "$HERE/ready.py" "$BIN" "$SG_PORT" "$STARTS" "$OUT/ready.json"

SG_URL="http://127.0.0.1:$SG_PORT"
NGINX_URL="http://127.0.0.1:$NGINX_PORT"

# start_sg STDOUT_TARGET [ENV=VALUE...]: start sportsgate in the background, wait until ready.
start_sg() {
    local target=$1; shift
    env SPORTSGATE_PROVIDER=replay SPORTSGATE_LISTEN="127.0.0.1:$SG_PORT" SPORTSGATE_LOG_FORMAT=json \
        SPORTSGATE_SHUTDOWN_GRACE=2s "$@" "$BIN" serve >"$target" 2>>"$OUT/sportsgate.stderr" &
    SG_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$SG_PID" 2>/dev/null || die "sportsgate exited at start (see $OUT/sportsgate.stderr)"
        if "$BIN" healthcheck --url "$SG_URL/healthz" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    die "sportsgate not ready after 10 s"
}
stop_sg() { stop_pid "$SG_PID"; SG_PID=""; }

# Sum of utime+stime (seconds) of a process, or of a process and its children (nginx workers).
cpu_seconds() {
    local pids=("$@") total=0 p t
    for p in "${pids[@]}"; do
        t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
        total=$((total + t))
    done
    awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", t / hz}'
}
server_pids() { # sportsgate|nginx
    if [[ $1 == sportsgate ]]; then echo "$SG_PID"; else echo "$NGINX_PID" $(pgrep -P "$NGINX_PID" || true); fi
}
rss_kib() { awk -v k="${2:-VmRSS}:" '$1 == k {print $2}' "/proc/$1/status"; }

# ---------------------------------------------------------------- 4. sportsgate, bodies, nginx
log "sportsgate (replay provider) on $SG_URL, stdout → /dev/null"
start_sg /dev/null
meta rss_idle_kib "$(rss_kib "$SG_PID")"

fetch() { # url body_out -> prints "status seconds"
    curl -sS --max-time 10 -o "$2" -w '%{http_code} %{time_total}\n' "$1"
}
read -r code secs < <(fetch "$SG_URL/v1/leagues/nfl/games" "$OUT/bodies/games.cold")
[[ $code == 200 ]] || die "GET /v1/leagues/nfl/games answered $code"
meta cold_games_ms "$(awk -v s="$secs" 'BEGIN {printf "%.1f", s * 1000}')"
read -r code _ < <(fetch "$SG_URL/sports" "$OUT/bodies/sports.cold")
[[ $code == 200 ]] || die "GET /sports answered $code"

# Warm, then save the exact bodies nginx will serve.
for route in games:/v1/leagues/nfl/games sports:/sports; do
    key=${route%%:*}; path=${route#*:}
    for _ in 1 2 3; do curl -sS -o /dev/null "$SG_URL$path"; done
    curl -sS -D "$OUT/bodies/$key.headers" -o "$OUT/bodies/$key.json" "$SG_URL$path"
    grep -q '^HTTP/1.1 200' "$OUT/bodies/$key.headers" || die "$path did not answer 200 when warm"
    cmp -s "$OUT/bodies/$key.cold" "$OUT/bodies/$key.json" \
        || note "$path: the body changed between the cold and the warm request"
done
cp "$OUT/bodies/games.json" "$OUT/nginx/www/v1/leagues/nfl/games"
cp "$OUT/bodies/sports.json" "$OUT/nginx/www/sports"
echo "bodies: games $(stat -c %s "$OUT/bodies/games.json") B, sports $(stat -c %s "$OUT/bodies/sports.json") B"

log "nginx on $NGINX_URL ($NGINX_WORKERS workers)"
NG="$OUT/nginx"
{
    ((EUID == 0)) && echo "user root;"
    cat <<EOF
worker_processes $NGINX_WORKERS;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    server_tokens off;
    open_file_cache max=64 inactive=60s;
    open_file_cache_valid 60s;
    client_body_temp_path $NG/tmp/client_body;
    proxy_temp_path $NG/tmp/proxy;
    fastcgi_temp_path $NG/tmp/fastcgi;
    uwsgi_temp_path $NG/tmp/uwsgi;
    scgi_temp_path $NG/tmp/scgi;
    types { }
    default_type application/json;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $NG/www;
        location / { try_files \$uri =404; }
    }
}
EOF
} >"$NG/nginx.conf"
"$NGINX" -e "$NG/error.log" -p "$NG" -c "$NG/nginx.conf" -t -q || die "nginx rejected $NG/nginx.conf"
"$NGINX" -e "$NG/error.log" -p "$NG" -c "$NG/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for ((i = 0; i < 100; i++)); do
    kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited at start (see $NG/error.log)"
    curl -sf -o /dev/null "$NGINX_URL/sports" && break
    sleep 0.1
done
for route in games:/v1/leagues/nfl/games sports:/sports; do
    key=${route%%:*}; path=${route#*:}
    read -r code _ < <(fetch "$NGINX_URL$path" "$OUT/bodies/$key.nginx")
    [[ $code == 200 ]] || die "nginx $path answered $code"
    read -r code _ < <(fetch "$SG_URL$path" "$OUT/bodies/$key.sportsgate")
    [[ $code == 200 ]] || die "sportsgate $path answered $code"
    cmp "$OUT/bodies/$key.sportsgate" "$OUT/bodies/$key.nginx" || die "$path: nginx and sportsgate bodies differ"
    echo "$path: identical bodies ($(stat -c %s "$OUT/bodies/$key.nginx") B), both 200"
done

# ---------------------------------------------------------------- 5. load
# run_load LABEL SERVER URL [WRK ARGS...]: warm-up, then a measured run; JSON + wrk's text in runs/.
run_load() {
    local label=$1 server=$2 url=$3 before after
    shift 3
    WRK_JSON_OUT=/dev/null wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$HERE/report.lua" "$@" "$url" >/dev/null
    # shellcheck disable=SC2046
    before=$(cpu_seconds $(server_pids "$server"))
    WRK_JSON_OUT="$OUT/runs/$label.json" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
        -s "$HERE/report.lua" "$@" "$url" >"$OUT/runs/$label.txt"
    # shellcheck disable=SC2046
    after=$(cpu_seconds $(server_pids "$server"))
    awk -v a="$after" -v b="$before" 'BEGIN {printf "%.3f\n", a - b}' >"$OUT/runs/$label.cpu"
    python3 "$HERE/summarize.py" check "$OUT/runs/$label.json" || die "$label: see $OUT/runs/$label.txt"
    python3 - "$OUT/runs/$label.json" "$label" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
l = r["lat_us"]
print(f"{sys.argv[2]:<28} {r['rps']:>10,.0f} req/s   p50 {l['p50'] / 1000:7.2f} ms   p99 {l['p99'] / 1000:7.2f} ms")
PY
}

log "load: $CONNECTIONS connections, $THREADS wrk threads, ${WARMUP}s warm-up + ${DURATION}s per run"
echo "note: wrk and the server under test share this machine's $(nproc) CPUs"
# RSS sampler for the main sportsgate process.
(
    while kill -0 "$SG_PID" 2>/dev/null; do
        awk '$1 == "VmRSS:" {print $2}' "/proc/$SG_PID/status" 2>/dev/null || true
        sleep 0.2
    done
) >"$OUT/rss.samples" &
SAMPLER_PID=$!

for route in games:/v1/leagues/nfl/games sports:/sports; do
    key=${route%%:*}; path=${route#*:}
    run_load "$key.sportsgate" sportsgate "$SG_URL$path"
    run_load "$key.nginx" nginx "$NGINX_URL$path"
done
# The authenticated path: the same cached route with an API key on the high-limit plan.
TOKEN=$("$BIN" keys create --name bench --plan bench | awk '/^token/ {print $NF}')
[[ $TOKEN == sg_* ]] || die "could not create a bench key"
run_load games.sportsgate-key sportsgate "$SG_URL/v1/leagues/nfl/games" -H "x-api-key: $TOKEN"
if ((EXTRAS)); then
    run_load healthz.sportsgate sportsgate "$SG_URL/healthz"
fi

# ---------------------------------------------------------------- 6. memory, status check
stop_pid "$SAMPLER_PID"; SAMPLER_PID=""
meta rss_sampled_max_kib "$(sort -n "$OUT/rss.samples" | tail -1)"
meta rss_hwm_kib "$(rss_kib "$SG_PID" VmHWM)"
nginx_rss=0
for p in $(server_pids nginx); do nginx_rss=$((nginx_rss + $(rss_kib "$p"))); done
meta nginx_rss_kib "$nginx_rss"
meta rss_after_kib "$(rss_kib "$SG_PID")"
curl -sSf -o "$OUT/metrics.txt" "$SG_URL/metrics" || die "cannot scrape /metrics"
sg_requests=$(python3 "$HERE/summarize.py" metrics "$OUT/metrics.txt") || die "non-200 responses (see $OUT/metrics.txt)"
meta sg_requests "$sg_requests"
grep '^sportsgate_cache_lookups_total' "$OUT/metrics.txt" | sed 's/^/  /' || true
stop_sg

# ---------------------------------------------------------------- extras: cost of the access log
if ((EXTRAS)); then
    log "extra: access log to a file ($OUT/access.log)"
    start_sg "$OUT/access.log"
    curl -sSf -o /dev/null "$SG_URL/v1/leagues/nfl/games"
    run_load games.sportsgate-logfile sportsgate "$SG_URL/v1/leagues/nfl/games"
    stop_sg
    lines=$(wc -l <"$OUT/access.log")
    bytes=$(stat -c %s "$OUT/access.log")
    meta log_bytes_per_req "$((bytes / (lines > 0 ? lines : 1)))"
    echo "access.log: $lines lines, $bytes bytes"
    rm -f "$OUT/access.log" # can be hundreds of MB

    log "extra: access log filtered out (RUST_LOG=warn), stdout → /dev/null"
    start_sg /dev/null RUST_LOG=warn
    curl -sSf -o /dev/null "$SG_URL/v1/leagues/nfl/games"
    run_load games.sportsgate-nolog sportsgate "$SG_URL/v1/leagues/nfl/games"
    stop_sg
fi

# ---------------------------------------------------------------- 7. summary
meta load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
log "summary (also in $OUT/summary.md)"
python3 "$HERE/summarize.py" report "$OUT"
