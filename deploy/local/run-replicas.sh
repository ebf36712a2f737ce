#!/usr/bin/env bash
# Three sportsgate replicas on loopback (127.0.0.1:8081-8083) sharing one PostgreSQL and
# one Redis, behind nginx on 127.0.0.1:8080 (deploy/local/nginx.conf). No Docker: the
# binary, and Debian's postgresql, redis-server and nginx-light packages.
#
#   export SPORTSGATE_DATABASE_URL='postgres://sportsgate:PASSWORD@127.0.0.1:5432/sportsgate'
#   export SPORTSGATE_REDIS_URL='redis://127.0.0.1:6379'     # the default
#   bash deploy/local/run-replicas.sh start   # builds nothing; waits until all are ready
#   curl -s 127.0.0.1:8080/readyz
#   bash deploy/local/run-replicas.sh status
#   bash deploy/local/run-replicas.sh stop    # SIGTERM: each replica drains, nginx quits
#
# Anything else in the environment (SPORTS_API_KEY, SPORTSGATE_ADMIN_TOKEN,
# SPORTSGATE_PROVIDER, ...) reaches every replica unchanged.
# Options (environment):
#   BIN      the sportsgate binary (default: `sportsgate` on PATH, else target/release,
#            else target/debug of this checkout)
#   RUN_DIR  pid files and logs (default: ${XDG_RUNTIME_DIR:-/tmp}/sportsgate-replicas)
#   NGINX    the nginx binary (default: nginx on PATH, else /usr/sbin/nginx)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RUN_DIR="${RUN_DIR:-${XDG_RUNTIME_DIR:-/tmp}/sportsgate-replicas}"
PORTS=(8081 8082 8083)
LB=127.0.0.1:8080
READY_WITHIN=30 # seconds, per replica

die() { echo "run-replicas: $*" >&2; exit 1; }

find_bin() {
  if [[ -n "${BIN:-}" ]]; then echo "$BIN"; return; fi
  local candidate
  for candidate in "$(command -v sportsgate || true)" "$ROOT/target/dist/sportsgate" "$ROOT/target/release/sportsgate" "$ROOT/target/debug/sportsgate"; do
    [[ -n "$candidate" && -x "$candidate" ]] && { echo "$candidate"; return; }
  done
  die "no sportsgate binary: cargo build --release --locked, or set BIN"
}

find_nginx() {
  local candidate
  for candidate in "${NGINX:-}" "$(command -v nginx || true)" /usr/sbin/nginx; do
    [[ -n "$candidate" && -x "$candidate" ]] && { echo "$candidate"; return; }
  done
  die "no nginx: apt-get install -y nginx-light (or set NGINX)"
}

# alive PIDFILE: the process named in PIDFILE is running.
alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_ready() {
  local url="$1" deadline=$((SECONDS + READY_WITHIN))
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.3
  done
}

start() {
  [[ "${SPORTSGATE_DATABASE_URL:-}" == postgres://* || "${SPORTSGATE_DATABASE_URL:-}" == postgresql://* ]] ||
    die "set SPORTSGATE_DATABASE_URL to a postgres:// URL: replicas on separate SQLite files would not share keys or usage"
  local bin nginx
  bin="$(find_bin)"
  nginx="$(find_nginx)"
  mkdir -p "$RUN_DIR"
  for port in "${PORTS[@]}"; do
    ! alive "$RUN_DIR/replica-$port.pid" || die "replica $port is already running (stop first)"
  done

  # The first replica migrates the database; the others start once it is ready.
  for port in "${PORTS[@]}"; do
    SPORTSGATE_LISTEN="127.0.0.1:$port" \
      SPORTSGATE_DATABASE_URL="$SPORTSGATE_DATABASE_URL" \
      SPORTSGATE_REDIS_URL="${SPORTSGATE_REDIS_URL:-redis://127.0.0.1:6379}" \
      SPORTSGATE_TRUSTED_PROXIES=127.0.0.1/32 \
      SPORTSGATE_LOG_FORMAT="${SPORTSGATE_LOG_FORMAT:-json}" \
      nohup "$bin" serve >"$RUN_DIR/replica-$port.log" 2>&1 &
    echo $! >"$RUN_DIR/replica-$port.pid"
    if [[ "$port" == "${PORTS[0]}" ]]; then
      wait_ready "http://127.0.0.1:$port/readyz" || die "replica $port not ready within ${READY_WITHIN}s; see $RUN_DIR/replica-$port.log"
    fi
  done
  for port in "${PORTS[@]:1}"; do
    wait_ready "http://127.0.0.1:$port/readyz" || die "replica $port not ready within ${READY_WITHIN}s; see $RUN_DIR/replica-$port.log"
  done

  "$nginx" -t -q -p "$RUN_DIR/" -e "$RUN_DIR/nginx-error.log" -c "$HERE/nginx.conf"
  "$nginx" -p "$RUN_DIR/" -e "$RUN_DIR/nginx-error.log" -c "$HERE/nginx.conf"
  wait_ready "http://$LB/readyz" || die "nginx does not reach the replicas; see $RUN_DIR/nginx-error.log"
  echo "sportsgate: 3 replicas (127.0.0.1:${PORTS[0]}-${PORTS[-1]}) behind nginx on http://$LB; logs in $RUN_DIR"
}

status() {
  local down=0
  for port in "${PORTS[@]}"; do
    if alive "$RUN_DIR/replica-$port.pid"; then
      echo "replica $port: running (pid $(cat "$RUN_DIR/replica-$port.pid")), readyz $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/readyz")"
    else
      echo "replica $port: stopped"; down=1
    fi
  done
  if alive "$RUN_DIR/nginx.pid"; then echo "nginx: running (pid $(cat "$RUN_DIR/nginx.pid"))"; else echo "nginx: stopped"; down=1; fi
  return "$down"
}

stop() {
  if alive "$RUN_DIR/nginx.pid"; then
    "$(find_nginx)" -p "$RUN_DIR/" -e "$RUN_DIR/nginx-error.log" -c "$HERE/nginx.conf" -s quit
  fi
  # SIGTERM: each replica stops accepting, finishes its requests (30 s at most), exits.
  local pids=()
  for port in "${PORTS[@]}"; do
    if alive "$RUN_DIR/replica-$port.pid"; then
      pids+=("$(cat "$RUN_DIR/replica-$port.pid")")
      kill -TERM "${pids[-1]}"
    fi
    rm -f "$RUN_DIR/replica-$port.pid"
  done
  local deadline=$((SECONDS + 35)) pid
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  done
  echo "stopped"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: run-replicas.sh [start|stop|status]" ;;
esac
