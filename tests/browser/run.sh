#!/usr/bin/env bash
# Browser tests: the scoreboard and admin pages in headless Chromium against the real binary.
# Installs what a fresh machine lacks (Debian's chromium, the npm packages pinned in
# package-lock.json), builds the binary, then runs node's test runner on *.test.js.
# Screenshots land in tests/browser/output/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")"

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "installing chromium (Debian package)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi
"$chromium" --version

if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

(cd ../.. && cargo build --locked --bin sportsgate --quiet)

exec node --test --test-concurrency=1 --test-timeout=180000 ./*.test.js
