#!/usr/bin/env bash
# Contract test: schemathesis (--checks all) against the real `sportsgate serve`, checking
# that the OpenAPI document at /openapi.json tells the truth about every status, parameter,
# body and header. Passes: anonymous, with an API key, with the admin token.
#
# Offline and self-contained: the `replay` provider serves recorded upstream data, the
# database is a fresh SQLite file in a temp directory, the server listens on 127.0.0.1 only
# and every request schemathesis makes goes there (the base URL is given explicitly, proxies
# are unset, redirects are not followed). Exits non-zero on any failure.
#
# Knobs: CONTRACT_MAX_EXAMPLES (cases per operation and phase, default 25),
# CONTRACT_MAX_TIME (seconds a pass may take before it is stopped and failed, default 300), CONTRACT_SEED (default 1, so a run is
# reproducible; set it empty for a random seed), CONTRACT_VENV, SPORTSGATE_BIN. The JUnit
# reports and the server's log of the last run stay in target/contract/last-run/.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

max_examples=${CONTRACT_MAX_EXAMPLES:-25}
max_time=${CONTRACT_MAX_TIME:-300}
seed=${CONTRACT_SEED-1}
venv=${CONTRACT_VENV:-$root/target/contract/venv}
requirements=$root/tests/contract/requirements.txt

# 1. schemathesis, pinned, in its own venv (re-installed when the pins change).
if ! cmp -s "$requirements" "$venv/.requirements" 2>/dev/null; then
  echo "contract: installing schemathesis into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/.requirements"
fi

# 2. The binary (an existing build is reused; cargo only rebuilds what changed).
if [[ -z ${SPORTSGATE_BIN:-} ]]; then
  cargo build --locked --quiet --bin sportsgate
  SPORTSGATE_BIN=$root/target/debug/sportsgate
fi

work=$(mktemp -d)
out=$root/target/contract/last-run
rm -rf "$out" && mkdir -p "$out"
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  cp "$work/server.log" "$out/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

admin_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export SPORTSGATE_PROVIDER=replay
export SPORTSGATE_DATABASE_URL="sqlite://$work/sportsgate.db"
export SPORTSGATE_ADMIN_TOKEN=$admin_token
export SPORTSGATE_LOG_FORMAT=json
# A plan that never throttles the run, for anonymous callers and the test key alike: the
# passes check the document, not the limits (429s are still documented and checked when
# they happen).
cat >"$work/config.toml" <<'TOML'
[plans.contract]
rate = "100000/second"
burst = 100000
quota = "none"
TOML
export SPORTSGATE_CONFIG=$work/config.toml
export SPORTSGATE_ANONYMOUS_PLAN=contract
unset SPORTS_API_KEY SPORTSGATE_REDIS_URL SPORTSGATE_LISTEN PORT

api_key=$("$SPORTSGATE_BIN" keys create --name contract-test --plan contract | sed -n 's/^token.*: \(sg_[A-Za-z0-9_]*\)$/\1/p')
[[ -n $api_key ]] || { echo "contract: could not create an API key" >&2; exit 1; }

# 3. The server on a free loopback port (port 0: the kernel picks; the log says which).
: >"$work/server.log"
"$SPORTSGATE_BIN" serve --listen 127.0.0.1:0 >>"$work/server.log" 2>&1 &
server_pid=$!
base=
for _ in $(seq 1 100); do
  base=$(sed -n 's/.*"message":"listening","addr":"\(127\.0\.0\.1:[0-9]*\)".*/http:\/\/\1/p' "$work/server.log" | head -1)
  [[ -n $base ]] && curl -fsS --max-time 2 "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
[[ $base == http://127.0.0.1:* ]] || { echo "contract: server did not start" >&2; cat "$work/server.log" >&2; exit 1; }
echo "contract: sportsgate at $base"

# 4. The passes. `--checks all`; the one per-operation allowance is in schemathesis.toml,
# with its reason. One worker: Python 3.11's `ast` is not
# safe to use from several threads at once ("AST constructor recursion depth mismatch"
# from hypothesis' lambda descriptions), and one is quick enough on loopback.
run_pass() {
  local name=$1
  shift
  echo
  echo "== contract pass: $name"
  (
    cd "$work"
    env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u all_proxy -u ALL_PROXY \
      timeout -k 10 "$max_time" "$venv/bin/schemathesis" --config-file "$root/tests/contract/schemathesis.toml" \
      run "$base/openapi.json" \
      --url "$base" \
      --checks all \
      --max-examples "$max_examples" \
      ${seed:+--seed "$seed"} \
      --max-redirects 0 \
      --request-timeout 10 \
      --workers 1 \
      --no-color \
      --report junit --report-dir "$out/$name" \
      "$@"
  )
}

# Anonymous: every operation (key-only and admin routes must refuse, as documented). Keyed:
# the data routes. Account routes (/v1/me*) get passes of their own, anonymous and keyed,
# paced under their fixed per-caller limit (5/s, burst 20) so that their handlers are
# exercised rather than mostly answered 429. Admin: the admin API (its token is no API key,
# so elsewhere it would only be refused). The admin pass runs last: its stateful phase
# revokes and re-plans keys, the test key among them.
account_pace=(--include-path-regex '^/v1/me' --rate-limit 4/s)
failed=()
run_pass anonymous --exclude-path-regex '^/v1/me' || failed+=(anonymous)
run_pass anonymous-account "${account_pace[@]}" || failed+=(anonymous-account)
run_pass keyed -H "x-api-key: $api_key" --include-path-regex '^/(sports|v1/leagues)' || failed+=(keyed)
run_pass keyed-account -H "x-api-key: $api_key" "${account_pace[@]}" || failed+=(keyed-account)
run_pass admin -H "Authorization: Bearer $admin_token" --include-path-regex '^/admin/' || failed+=(admin)

echo
echo "contract: responses by status (server log):"
grep -o '"message":"request".*"status":[0-9]*' "$work/server.log" | grep -o '"status":[0-9]*$' | sort | uniq -c || true

if ((${#failed[@]})); then
  echo "contract: FAILED passes: ${failed[*]}" >&2
  exit 1
fi
echo "contract: all passes green"
