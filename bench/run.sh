#!/usr/bin/env bash
# sportsgate benchmark: sportsgate (replay provider, dist build) next to nginx serving the
# byte-identical bodies as static files, on the same machine, in the same run, under the
# same load. Writes a dated results file (bench/results/<UTC time>.md and .json) with the
# machine's description and every table; scratch files go to bench/out/ (git-ignored).
# See bench/README.md for what is measured and how to read it.
#
# Knobs (environment):
#   DURATION=10 WARMUP=2   seconds measured / warmed up per scenario and round
#   ROUNDS=3               rounds; each runs every scenario once (interleaved); best of N
#   CONNECTIONS=64 THREADS=1  wrk keep-alive connections and threads
#   ALLOCATORS="mimalloc system"  allocators measured side by side ("mimalloc" alone is quicker)
#   SG_BIN=PATH            the mimalloc binary to measure (no build); SG_BIN_SYSTEM=PATH likewise
#   SKIP_BUILD=0           1 builds nothing: the binaries must exist (target/dist/ or SG_BIN*)
#   SG_PROFILE=            profile label for the results (default: dist, or guessed from SG_BIN)
#   PIN=1                  server(s) on one CPU, wrk and the bench's helpers on another
#   REDIS=1                the keyed games scenario and the cold burst again with a private Redis
#   STARTS=5               starts per case for the start-up medians
#   BURST=500              concurrent keyed requests in the cold burst
#   UPSTREAM_DELAY_MS=150  the mock ESPN's latency
#   CALLGRIND=1            instructions per request (default 1 if valgrind is installed)
#   CG_REQUESTS=2000       requests counted per callgrind scenario
#   BASE_PORT=18080        loopback ports BASE_PORT … BASE_PORT+11 are used
#   INSTALL=1              0 never runs apt-get
#   OUT_DIR=bench/out      scratch (wiped at the start)
#   RESULTS_DIR=bench/results  where the dated results file goes
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

OUT=${OUT_DIR:-$HERE/out}
RESULTS=${RESULTS_DIR:-$HERE/results}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-1}
ALLOCATORS=${ALLOCATORS:-mimalloc system}
SKIP_BUILD=${SKIP_BUILD:-0}
PIN=${PIN:-1}
REDIS=${REDIS:-1}
STARTS=${STARTS:-5}
BURST=${BURST:-500}
UPSTREAM_DELAY_MS=${UPSTREAM_DELAY_MS:-150}
CG_REQUESTS=${CG_REQUESTS:-2000}
BASE_PORT=${BASE_PORT:-18080}
INSTALL=${INSTALL:-1}
if [[ -z ${CALLGRIND:-} ]]; then
    if command -v valgrind >/dev/null; then CALLGRIND=1; else CALLGRIND=0; fi
fi

for v in DURATION WARMUP ROUNDS CONNECTIONS THREADS STARTS BURST BASE_PORT CG_REQUESTS; do
    [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || { echo "bench: $v must be a positive integer (got '${!v}')" >&2; exit 2; }
done
[[ $UPSTREAM_DELAY_MS =~ ^[0-9]+$ ]] || { echo "bench: UPSTREAM_DELAY_MS must be an integer" >&2; exit 2; }
read -r -a ALLOCS <<<"$ALLOCATORS"
((${#ALLOCS[@]})) || { echo "bench: ALLOCATORS is empty" >&2; exit 2; }
for a in "${ALLOCS[@]}"; do
    [[ $a == mimalloc || $a == system ]] || { echo "bench: ALLOCATORS: unknown '$a' (mimalloc, system)" >&2; exit 2; }
done
PRIMARY=${ALLOCS[0]} # the allocator of the Redis, burst and callgrind runs

# Ports.
NGINX_PORT=$((BASE_PORT + 3))
REDIS_PORT=$((BASE_PORT + 4))
MOCK_PORT=$((BASE_PORT + 5))
BURST_PORT=$((BASE_PORT + 6))
READY_PORT=$((BASE_PORT + 7))
SG_REDIS_PORT=$((BASE_PORT + 2))
CG_PORT=$((BASE_PORT + 10))
declare -A SG_PORT=([mimalloc]=$BASE_PORT [system]=$((BASE_PORT + 1)))

# ---------------------------------------------------------------- cleanup: every server we start
declare -A SG_PID=()
SG_REDIS_PID="" NGINX_PID="" REDIS_PID="" MOCK_PID="" BURST_PID="" SAMPLER_PID=""
cleanup() {
    local rc=$? p
    stop_pid "$SAMPLER_PID"
    for p in "${SG_PID[@]}"; do stop_pid "$p"; done
    stop_pid "$SG_REDIS_PID"
    stop_pid "$BURST_PID"
    stop_pid "$NGINX_PID"
    stop_pid "$REDIS_PID"
    stop_pid "$MOCK_PID"
    ((rc == 0)) || echo "bench: exited with status $rc; partial results in $OUT" >&2
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- 1. tools
log "tools"
need_pkgs=()
command -v wrk >/dev/null || need_pkgs+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need_pkgs+=(nginx-light)
command -v curl >/dev/null || need_pkgs+=(curl)
command -v python3 >/dev/null || need_pkgs+=(python3)
command -v taskset >/dev/null || need_pkgs+=(util-linux)
((REDIS)) && { command -v redis-server >/dev/null && command -v redis-cli >/dev/null || need_pkgs+=(redis-server); }
if ((${#need_pkgs[@]})); then
    ((INSTALL)) || die "missing ${need_pkgs[*]} and INSTALL=0"
    SUDO=""; ((EUID == 0)) || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    echo "installing ${need_pkgs[*]} (apt-get)"
    if ! $SUDO apt-get install -y -q "${need_pkgs[@]}" >/dev/null; then
        $SUDO apt-get update -q >/dev/null
        if ! $SUDO apt-get install -y -q "${need_pkgs[@]}" >/dev/null; then
            need_pkgs=("${need_pkgs[@]/nginx-light/nginx}") # some releases only have "nginx"
            $SUDO apt-get install -y -q "${need_pkgs[@]}" >/dev/null
        fi
    fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if ((CALLGRIND)); then command -v valgrind >/dev/null || die "CALLGRIND=1 but valgrind is not installed"; fi

case $OUT in /|"$ROOT"|"$HERE"|"") die "refusing to wipe OUT_DIR=$OUT" ;; esac
rm -rf "$OUT"
mkdir -p "$OUT/runs" "$OUT/bin" "$OUT/bodies" "$OUT/db" "$OUT/metrics"
: >"$OUT/notes.txt"
META="$OUT/meta.txt"
meta() { printf '%s=%s\n' "$1" "$2" >>"$META"; }
note() { echo "note: $*" | tee -a "$OUT/notes.txt"; }
version_of() { "$@" 2>&1 | head -1 || true; }

STAMP=$(date -u +%Y-%m-%dT%H%MZ)
meta date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
meta stamp "$STAMP"
meta cpu "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
meta nproc "$(nproc)"
meta kernel "$(uname -srm)"
meta clk_tck "$(getconf CLK_TCK)"
meta ram_kib "$(awk '$1 == "MemTotal:" {print $2}' /proc/meminfo)"
meta os "$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-?}")"
meta load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
meta commit "$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -v ' bench/results/' | awk '{print $2}' | head -5 | tr '\n' ' ' || true)
meta dirty "${dirty:-no}"
meta wrk_version "$(version_of wrk -v | awk '{print $2}')"
meta nginx_version "$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')"
((REDIS)) && meta redis_version "$(redis-server --version | sed 's/.* v=\([^ ]*\).*/\1/')"
((CALLGRIND)) && meta valgrind_version "$(version_of valgrind --version)"
meta python_version "$(python3 -c 'import platform; print(platform.python_version())')"
command -v rustc >/dev/null && meta rustc_version "$(version_of rustc --version)"
for v in DURATION WARMUP ROUNDS CONNECTIONS THREADS ALLOCATORS PRIMARY STARTS BURST UPSTREAM_DELAY_MS REDIS CALLGRIND CG_REQUESTS; do
    meta "$(tr '[:upper:]' '[:lower:]' <<<"$v")" "${!v}"
done
meta sg_stdout "access log (JSON, one line a request, on stdout) redirected to /dev/null"

# ---------------------------------------------------------------- 2. binaries
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
declare -A BIN=() BUILT=()
[[ -n ${SG_BIN:-} ]] && BIN[mimalloc]=$SG_BIN
[[ -n ${SG_BIN_SYSTEM:-} ]] && BIN[system]=$SG_BIN_SYSTEM
# Build what is asked and not given; the system build first, so target/dist/sportsgate ends
# up the default (mimalloc) one. Cargo keeps both feature sets' artifacts: switching is a relink.
for a in system mimalloc; do
    [[ " ${ALLOCS[*]} " == *" $a "* && -z ${BIN[$a]:-} ]] || continue
    if ((SKIP_BUILD)); then
        BIN[$a]=$TARGET/dist/sportsgate
        [[ $a == system ]] && die "ALLOCATORS has 'system' but SKIP_BUILD=1 and no SG_BIN_SYSTEM (or set ALLOCATORS=mimalloc)"
        continue
    fi
    command -v cargo >/dev/null || die "cargo is not installed (or set SG_BIN / SKIP_BUILD=1)"
    flags=(--profile dist --locked)
    [[ $a == system ]] && flags+=(--no-default-features)
    log "cargo build ${flags[*]}"
    (cd "$ROOT" && cargo build "${flags[@]}")
    cp "$TARGET/dist/sportsgate" "$OUT/bin/sportsgate-$a.build"
    BIN[$a]=$OUT/bin/sportsgate-$a.build
    BUILT[$a]="cargo build ${flags[*]}"
done
for a in "${ALLOCS[@]}"; do
    src=${BIN[$a]}
    [[ -x $src ]] || die "no sportsgate binary at $src"
    cp "$src" "$OUT/bin/sportsgate-$a"
    rm -f "$OUT/bin/sportsgate-$a.build"
    BIN[$a]=$OUT/bin/sportsgate-$a
    # mimalloc's message prefix is in the binary even when it is stripped.
    if grep -aq 'mimalloc: warning' "${BIN[$a]}"; then found=mimalloc; else found=system; fi
    [[ $found == "$a" ]] || die "$src was given as the $a build but its allocator looks like $found"
    profile=${SG_PROFILE:-}
    if [[ -z $profile ]]; then
        case $src in
            "$OUT"/*|*/dist/sportsgate) profile=dist ;;
            */release/sportsgate) profile=release ;;
            *) profile=unknown ;;
        esac
    fi
    meta "profile_$a" "$profile"
    meta "binary_$a" "${BUILT[$a]:-$src}"
    meta "binary_bytes_$a" "$(stat -c %s "${BIN[$a]}")"
    meta "binary_sha256_$a" "$(sha256sum "${BIN[$a]}" | cut -c1-16)"
    meta "binary_kind_$a" "$(file -b "${BIN[$a]}" 2>/dev/null | grep -o 'not stripped\|stripped' | head -1 || echo '?')"
    echo "$a: ${BUILT[$a]:-$src} ($(stat -c %s "${BIN[$a]}") bytes, profile $profile)"
done
PBIN=${BIN[$PRIMARY]}

# ---------------------------------------------------------------- 3. layout
# Server(s) under test on one CPU, wrk (and this script with every helper it starts) on another.
SERVER_CPU=() CLIENT_CPU=() SERVER_CPU_ID=""
cpus=$(python3 -c 'import os; print(" ".join(map(str, sorted(os.sched_getaffinity(0)))))')
read -r -a CPU_LIST <<<"$cpus"
if ((PIN)) && ((${#CPU_LIST[@]} >= 2)); then
    SERVER_CPU_ID=${CPU_LIST[1]}
    SERVER_CPU=(taskset -c "$SERVER_CPU_ID")
    CLIENT_CPU=(taskset -c "${CPU_LIST[0]}")
    taskset -pc "${CPU_LIST[0]}" $$ >/dev/null
    meta layout "servers pinned to CPU ${CPU_LIST[1]} (sportsgate: one tokio worker; nginx: worker_processes 1; redis-server), wrk -t$THREADS -c$CONNECTIONS and the bench's helpers pinned to CPU ${CPU_LIST[0]}"
else
    ((PIN)) && note "only ${#CPU_LIST[@]} CPU(s) available: nothing pinned, wrk and the servers share them"
    meta layout "nothing pinned: wrk -t$THREADS -c$CONNECTIONS and the servers share ${#CPU_LIST[@]} CPU(s)"
fi
for p in "${SG_PORT[@]}" "$SG_REDIS_PORT" "$NGINX_PORT" "$REDIS_PORT" "$MOCK_PORT" "$BURST_PORT" "$READY_PORT" "$CG_PORT" $((CG_PORT + 1)); do
    port_busy "$p" && die "something already listens on 127.0.0.1:$p (set BASE_PORT)"
done

# Shared settings of every sportsgate started here (ready.py's too).
write_plans "$OUT/bench.toml"
export SPORTSGATE_CONFIG="$OUT/bench.toml" SPORTSGATE_ANONYMOUS_PLAN=unlimited
export SPORTSGATE_LOG_FORMAT=json SPORTSGATE_SHUTDOWN_GRACE=2s
unset SPORTSGATE_REDIS_URL SPORTSGATE_REDIS_PREFIX

# ---------------------------------------------------------------- 4. start-up
for a in "${ALLOCS[@]}"; do
    log "start-up, $a: exec → first 200 (median of $STARTS starts per case)"
    pin_args=()
    ((${#SERVER_CPU[@]})) && pin_args=("${CPU_LIST[1]}" "${CPU_LIST[0]}")
    python3 "$HERE/ready.py" "${BIN[$a]}" "$READY_PORT" "$STARTS" "$OUT/db/ready-$a" "$OUT/ready-$a.json" "${pin_args[@]}"
done

# ---------------------------------------------------------------- 5. servers
rss_kib() { awk -v k="${2:-VmRSS}:" '$1 == k {print $2}' "/proc/$1/status"; }

# start_sg NAME PORT BIN [ENV=VALUE...]: start sportsgate (replay provider) pinned, wait for
# /healthz; sets STARTED_PID.
start_sg() {
    local name=$1 port=$2 bin=$3
    shift 3
    env SPORTSGATE_PROVIDER=replay SPORTSGATE_LISTEN="127.0.0.1:$port" "$@" \
        "${SERVER_CPU[@]}" "$bin" serve >/dev/null 2>>"$OUT/$name.stderr" &
    STARTED_PID=$!
    wait_200 "http://127.0.0.1:$port/healthz" "$STARTED_PID" "$name (see $OUT/$name.stderr)" 20
}

declare -A TOKEN=()
for a in "${ALLOCS[@]}"; do
    export SPORTSGATE_DATABASE_URL="sqlite://$OUT/db/sg-$a.db"
    TOKEN[$a]=$(create_key "${BIN[$a]}")
    log "sportsgate ($a) on 127.0.0.1:${SG_PORT[$a]}"
    start_sg "sg-$a" "${SG_PORT[$a]}" "${BIN[$a]}"
    SG_PID[$a]=$STARTED_PID
    meta "rss_idle_kib_$a" "$(rss_kib "${SG_PID[$a]}")"
done

if ((REDIS)); then
    log "redis-server (private) on 127.0.0.1:$REDIS_PORT; sportsgate ($PRIMARY) with it on :$SG_REDIS_PORT"
    mkdir -p "$OUT/redis"
    "${SERVER_CPU[@]}" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
        --dir "$OUT/redis" --logfile "$OUT/redis/redis.log" --daemonize no &
    REDIS_PID=$!
    for ((i = 0; i < 50; i++)); do
        [[ $(redis-cli -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]] && break
        kill -0 "$REDIS_PID" 2>/dev/null || die "redis-server exited at start (see $OUT/redis/redis.log)"
        sleep 0.1
    done
    [[ $(redis-cli -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]] || die "redis-server does not answer"
    export SPORTSGATE_DATABASE_URL="sqlite://$OUT/db/sg-redis.db"
    REDIS_ENV=(SPORTSGATE_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" SPORTSGATE_REDIS_PREFIX="bench-load:")
    TOKEN[redis]=$(create_key "$PBIN" "${REDIS_ENV[@]}")
    start_sg sg-redis "$SG_REDIS_PORT" "$PBIN" "${REDIS_ENV[@]}"
    SG_REDIS_PID=$STARTED_PID
    # The link counts as down until its first call or health probe (once a second) succeeds.
    for ((i = 0; i < 50; i++)); do
        curl -sS -o "$OUT/redis/readyz.json" "http://127.0.0.1:$SG_REDIS_PORT/readyz" || true
        python3 -c 'import json, sys; sys.exit("redis" in json.load(open(sys.argv[1])).get("degraded", ["redis"]))' \
            "$OUT/redis/readyz.json" 2>/dev/null && break
        sleep 0.1
    done
    ((i < 50)) || die "sportsgate says Redis is degraded after 5 s: $(cat "$OUT/redis/readyz.json")"
fi

# Bodies: the primary server's warm bodies become nginx's files.
NG="$OUT/nginx"
write_nginx_conf "$NG" "$NGINX_PORT" 0
mkdir -p "$NG/www/v1/leagues/nfl"
ROUTES=(sports:/sports games:/v1/leagues/nfl/games)
P_URL="http://127.0.0.1:${SG_PORT[$PRIMARY]}"
for route in "${ROUTES[@]}"; do
    key=${route%%:*}; path=${route#*:}
    for _ in 1 2 3; do curl -sS -o /dev/null "$P_URL$path"; done
    curl -sS -D "$OUT/bodies/$key.headers" -o "$OUT/bodies/$key.json" "$P_URL$path"
    grep -q '^HTTP/1.1 200' "$OUT/bodies/$key.headers" || die "$path did not answer 200 when warm: $(head -1 "$OUT/bodies/$key.headers")"
    cp "$OUT/bodies/$key.json" "$NG/www$path"
    meta "body_bytes_$key" "$(stat -c %s "$OUT/bodies/$key.json")"
done

log "nginx on 127.0.0.1:$NGINX_PORT (1 worker)"
"$NGINX" -e "$NG/error.log" -p "$NG" -c "$NG/nginx.conf" -t -q || die "nginx rejected $NG/nginx.conf"
"${SERVER_CPU[@]}" "$NGINX" -e "$NG/error.log" -p "$NG" -c "$NG/nginx.conf" &
NGINX_PID=$!
wait_200 "http://127.0.0.1:$NGINX_PORT/sports" "$NGINX_PID" "nginx (see $NG/error.log)" 10
NGINX_WORKER=$(pgrep -P "$NGINX_PID" | head -1)
[[ -n $NGINX_WORKER ]] || die "no nginx worker process"

# Every server, with and without a key, answers 200 with nginx's body (a games body may
# differ only in its `fetched_at` stamp: each server read the recording at its own time).
declare -A URL=()
for a in "${ALLOCS[@]}"; do URL[sg-$a]="http://127.0.0.1:${SG_PORT[$a]}"; done
((REDIS)) && URL[sg-redis]="http://127.0.0.1:$SG_REDIS_PORT"
token_of() { if [[ $1 == sg-redis ]]; then echo "${TOKEN[redis]}"; else echo "${TOKEN[${1#sg-}]}"; fi; }
for route in "${ROUTES[@]}"; do
    key=${route%%:*}; path=${route#*:}
    code=$(curl -sS -o "$OUT/bodies/$key.nginx" -w '%{http_code}' "http://127.0.0.1:$NGINX_PORT$path")
    [[ $code == 200 ]] || die "nginx $path answered $code"
    for s in "${!URL[@]}"; do
        for auth in anon key; do
            hdr=()
            [[ $auth == key ]] && hdr=(-H "x-api-key: $(token_of "$s")")
            code=$(curl -sS "${hdr[@]}" -o "$OUT/bodies/$key.$s.$auth" -w '%{http_code}' "${URL[$s]}$path")
            [[ $code == 200 ]] || die "$s $path ($auth) answered $code"
            cmp -s "$OUT/bodies/$key.nginx" "$OUT/bodies/$key.$s.$auth" \
                || python3 "$HERE/summarize.py" samebody "$OUT/bodies/$key.nginx" "$OUT/bodies/$key.$s.$auth" \
                || die "$s $path ($auth): the body differs from nginx's"
        done
    done
    echo "$path: nginx and every sportsgate (anonymous and keyed) answer 200 with the same $(stat -c %s "$OUT/bodies/$key.nginx")-byte body"
done

# ---------------------------------------------------------------- 6. load, ROUNDS rounds
# Scenarios: label|server|route|auth. Every one runs once a round; ratios pair a sportsgate
# run with nginx's run of the same body in the same round.
SCENARIOS=()
for a in "${ALLOCS[@]}"; do
    for route in sports games; do
        for auth in anon key; do SCENARIOS+=("$route-$auth.sg-$a|sg-$a|$route|$auth"); done
    done
done
((REDIS)) && SCENARIOS+=("games-key.sg-redis|sg-redis|games|key")
SCENARIOS+=("sports.nginx|nginx|sports|anon" "games.nginx|nginx|games|anon")
printf '%s\n' "${SCENARIOS[@]}" >"$OUT/scenarios.txt"

server_pids() { # server name → the pids whose CPU counts
    case $1 in
        nginx) echo "$NGINX_PID $NGINX_WORKER" ;;
        sg-redis) echo "$SG_REDIS_PID" ;;
        *) echo "${SG_PID[${1#sg-}]}" ;;
    esac
}
cpu_ticks() { # total utime+stime ticks of the given pids
    local p t=0
    for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
    echo "$t"
}
path_of() { if [[ $1 == sports ]]; then echo /sports; else echo /v1/leagues/nfl/games; fi; }

run_load() { # label server route auth round
    local label=$1 server=$2 route=$3 auth=$4 round=$5 url hdr=() base b a rb ra
    if [[ $server == nginx ]]; then url="http://127.0.0.1:$NGINX_PORT"; else url=${URL[$server]}; fi
    url+=$(path_of "$route")
    [[ $auth == key ]] && hdr=(-H "x-api-key: $(token_of "$server")")
    base="$OUT/runs/$label.r$round"
    WRK_JSON_OUT=/dev/null "${CLIENT_CPU[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" \
        -s "$HERE/report.lua" "${hdr[@]}" "$url" >/dev/null
    # shellcheck disable=SC2046
    b=$(cpu_ticks $(server_pids "$server"))
    [[ -n $SERVER_CPU_ID ]] && grep "^cpu$SERVER_CPU_ID " /proc/stat >"$base.cpustat"
    if [[ $server == sg-redis ]]; then
        curl -sSf -o "$base.metrics-before" "${URL[$server]}/metrics" || die "cannot scrape sg-redis's /metrics"
        redis-cli -p "$REDIS_PORT" INFO commandstats >"$base.redis-before"
        rb=$(cpu_ticks "$REDIS_PID")
    fi
    WRK_JSON_OUT="$base.json" "${CLIENT_CPU[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
        -s "$HERE/report.lua" "${hdr[@]}" "$url" >"$base.txt"
    # shellcheck disable=SC2046
    a=$(cpu_ticks $(server_pids "$server"))
    [[ -n $SERVER_CPU_ID ]] && grep "^cpu$SERVER_CPU_ID " /proc/stat >>"$base.cpustat"
    if [[ $server == sg-redis ]]; then
        ra=$(cpu_ticks "$REDIS_PID")
        redis-cli -p "$REDIS_PORT" INFO commandstats >"$base.redis-after"
        curl -sSf -o "$base.metrics-after" "${URL[$server]}/metrics" || die "cannot scrape sg-redis's /metrics"
        echo "$((ra - rb))" >"$base.redis-ticks"
    fi
    echo "$((a - b))" >"$base.ticks"
    python3 "$HERE/summarize.py" check "$base.json" || die "$label (round $round): see $base.txt"
    if [[ $server == sg-redis ]]; then
        python3 "$HERE/summarize.py" redischeck "$base" || die "$label (round $round): Redis was not used as it should be"
    fi
    python3 "$HERE/summarize.py" line "$base.json" "$label"
}

log "load: ${#SCENARIOS[@]} scenarios × $ROUNDS rounds, wrk -t$THREADS -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s measured each"
sample_args=()
for a in "${ALLOCS[@]}"; do sample_args+=("sg-$a=${SG_PID[$a]}"); done
((REDIS)) && sample_args+=("sg-redis=$SG_REDIS_PID" "redis-server=$REDIS_PID")
sample_args+=("nginx-worker=$NGINX_WORKER")
python3 "$HERE/summarize.py" sample "$OUT/rss-load.json" "${sample_args[@]}" &
SAMPLER_PID=$!
n=${#SCENARIOS[@]}
for ((r = 1; r <= ROUNDS; r++)); do
    echo "-- round $r/$ROUNDS"
    for ((i = 0; i < n; i++)); do
        # Each round starts one scenario further on, so no scenario always follows the same one.
        IFS='|' read -r label server route auth <<<"${SCENARIOS[$(((i + r - 1) % n))]}"
        run_load "$label" "$server" "$route" "$auth" "$r"
    done
done
stop_pid "$SAMPLER_PID"; SAMPLER_PID=""
[[ -s $OUT/rss-load.json ]] || die "the RSS sampler wrote nothing"

# ---------------------------------------------------------------- 7. memory, status check
for a in "${ALLOCS[@]}"; do
    meta "rss_hwm_kib_$a" "$(rss_kib "${SG_PID[$a]}" VmHWM)"
    meta "rss_after_kib_$a" "$(rss_kib "${SG_PID[$a]}")"
done
meta nginx_worker_rss_kib "$(rss_kib "$NGINX_WORKER")"
meta nginx_worker_hwm_kib "$(rss_kib "$NGINX_WORKER" VmHWM)"
for s in "${!URL[@]}"; do
    curl -sSf -o "$OUT/metrics/$s.txt" "${URL[$s]}/metrics" || die "cannot scrape $s's /metrics"
    echo -n "$s: "
    python3 "$HERE/summarize.py" metrics "$OUT/metrics/$s.txt" >/dev/null || die "$s counted non-200 answers (see $OUT/metrics/$s.txt)"
done
for a in "${ALLOCS[@]}"; do stop_pid "${SG_PID[$a]}"; done
SG_PID=()
stop_pid "$SG_REDIS_PID"; SG_REDIS_PID=""
stop_pid "$NGINX_PID"; NGINX_PID=""

# ---------------------------------------------------------------- 8. cold burst
# A freshly started sportsgate in front of a slow upstream (the ESPN provider pointed at a
# mock answering after UPSTREAM_DELAY_MS), a key created before the start, then BURST keyed
# requests for the games route all at once. Goal: all 200, one upstream call.
log "cold burst: $BURST keyed requests at once, mock ESPN with ${UPSTREAM_DELAY_MS} ms delay"
"${CLIENT_CPU[@]}" python3 "$HERE/mock_upstream.py" "$MOCK_PORT" "$ROOT/tests/data/upstream/espn" "$UPSTREAM_DELAY_MS" \
    >"$OUT/mock.stdout" 2>"$OUT/mock.stderr" &
MOCK_PID=$!
for ((i = 0; i < 50; i++)); do grep -q ready "$OUT/mock.stdout" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$OUT/mock.stdout" || die "the mock upstream did not start (see $OUT/mock.stderr)"
mock_calls() { curl -sSf "http://127.0.0.1:$MOCK_PORT/__calls"; }
burst() { # name [ENV=VALUE...]
    local name=$1 token pre before after
    shift
    export SPORTSGATE_DATABASE_URL="sqlite://$OUT/db/burst-$name.db"
    token=$(create_key "$PBIN" "$@")
    pre=$(mock_calls)
    env SPORTSGATE_PROVIDER=espn SPORTSGATE_ESPN_URL="http://127.0.0.1:$MOCK_PORT" \
        SPORTSGATE_LISTEN="127.0.0.1:$BURST_PORT" "$@" \
        "${SERVER_CPU[@]}" "$PBIN" serve >/dev/null 2>>"$OUT/burst-$name.stderr" &
    BURST_PID=$!
    wait_200 "http://127.0.0.1:$BURST_PORT/healthz" "$BURST_PID" "burst server (see $OUT/burst-$name.stderr)" 20
    before=$(mock_calls)
    python3 "$HERE/burst.py" "$BURST_PORT" /v1/leagues/nfl/games "$BURST" "$OUT/burst-$name.json" "x-api-key: $token" \
        || die "burst $name: the burst client failed"
    after=$(mock_calls)
    python3 "$HERE/summarize.py" burstcalls "$OUT/burst-$name.json" "$pre" "$before" "$after" \
        || die "burst $name: sportsgate failed (see $OUT/burst-$name.stderr)"
    stop_pid "$BURST_PID"; BURST_PID=""
}
burst inprocess
((REDIS)) && burst redis SPORTSGATE_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" SPORTSGATE_REDIS_PREFIX="bench-burst:"
stop_pid "$MOCK_PID"; MOCK_PID=""
stop_pid "$REDIS_PID"; REDIS_PID=""

# ---------------------------------------------------------------- 9. instructions per request
if ((CALLGRIND)); then
    SG_BIN=$PBIN CG_OUT_DIR="$OUT/callgrind" CG_PORT=$CG_PORT CG_REQUESTS=$CG_REQUESTS PIN=$PIN \
        CG_PATHS="/sports /v1/leagues/nfl/games" bash "$HERE/callgrind.sh"
fi

# ---------------------------------------------------------------- 10. results
meta load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
log "results"
python3 "$HERE/summarize.py" report "$OUT" "$RESULTS"
