# shellcheck shell=bash
# Helpers shared by bench/run.sh and bench/callgrind.sh (sourced, not run).

log() { printf '\n== %s\n' "$*"; }
die() { echo "bench: FAIL: $*" >&2; exit 1; }

# stop_pid PID: SIGTERM, wait up to 5 s, then SIGKILL. Quiet if it is already gone.
stop_pid() {
    local pid=$1 i
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_200 URL PID NAME SECONDS [CURL ARGS...]: poll until URL answers 200, failing if PID
# exits or SECONDS pass.
wait_200() {
    local url=$1 pid=$2 name=$3 secs=$4 i code
    shift 4
    for ((i = 0; i < secs * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || die "$name exited at start"
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$url" || true)
        [[ $code == 200 ]] && return 0
        sleep 0.1
    done
    die "$name: no 200 from $url after $secs s (last status ${code:-none})"
}

# write_plans FILE: the bench's config file. Anonymous callers run on the built-in
# `unlimited` plan (set by SPORTSGATE_ANONYMOUS_PLAN); keyed callers on `bench`, a plan high
# enough that auth + GCRA + quota + usage accounting are measured, never a 429.
write_plans() {
    cat >"$1" <<'TOML'
[plans.bench]
rate = "1000000/second"
burst = 1000000
quota = "1000000000/day"
TOML
}

# create_key BIN [ENV=VALUE...]: prints the token of a new key on the `bench` plan, in the
# store named by SPORTSGATE_DATABASE_URL (the CLI migrates it). The CLI prints
# "token (shown once, store it now): sg_…".
create_key() {
    local bin=$1 out token
    shift
    out=$(env "$@" "$bin" keys create --name bench --plan bench) || die "sportsgate keys create failed"
    token=$(sed -n 's/^token .*: *\(sg_[^[:space:]]*\)$/\1/p' <<<"$out")
    [[ $token == sg_* ]] || die "no token in the output of 'sportsgate keys create': $(head -c 200 <<<"$out")"
    echo "$token"
}

# write_nginx_conf DIR PORT ONE_PROCESS: nginx serving DIR/www as static files on PORT, one
# worker, tuned the way a static-file server usually is. ONE_PROCESS=1 (for callgrind) runs
# without a master, so the process valgrind counts is the one that serves.
write_nginx_conf() {
    local dir=$1 port=$2 one=$3
    mkdir -p "$dir/www" "$dir/tmp"
    {
        ((EUID == 0)) && echo "user root;"
        ((one)) && echo "master_process off;"
        cat <<EOF
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
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
    client_body_temp_path $dir/tmp/client_body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    types { }
    default_type application/json;
    server {
        listen 127.0.0.1:$port;
        root $dir/www;
        location / { try_files \$uri =404; }
    }
}
EOF
    } >"$dir/nginx.conf"
}

# shellcheck disable=SC2034 # used by the scripts that source this
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
