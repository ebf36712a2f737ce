"""Fixtures shared by the deployment tests: the parsed Terraform tree, compose.yaml, and
the sportsgate binary the deploy files are checked against."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tfmodel import COMPOSE, ROOT, TF_DIR, Config  # noqa: E402


@pytest.fixture(scope="session")
def tf() -> Config:
    assert TF_DIR.is_dir(), f"{TF_DIR} is missing"
    return Config(TF_DIR)


@pytest.fixture(scope="session")
def compose() -> dict:
    assert COMPOSE.is_file(), "compose.yaml missing"
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def binary() -> Path:
    """The sportsgate executable: $SPORTSGATE_BIN, else target/debug/sportsgate
    (deploy/ci-checks.sh builds it first)."""
    path = Path(os.environ.get("SPORTSGATE_BIN", ROOT / "target" / "debug" / "sportsgate"))
    if not path.is_absolute():
        path = ROOT / path
    assert path.is_file(), f"{path} missing: run `cargo build --locked --bin sportsgate` or set SPORTSGATE_BIN"
    return path


@pytest.fixture(scope="session")
def env_names(binary: Path) -> set[str]:
    """Every environment variable the binary reads, as it prints them."""
    out = subprocess.run([binary, "config", "--env-names"], capture_output=True, text=True, timeout=30, env={})
    assert out.returncode == 0, out.stderr
    names = set(out.stdout.split())
    assert "SPORTS_API_KEY" in names and len(names) >= 20, names
    return names


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ADMIN_TOKEN = "deploy-tests-admin-token-0123456789"


@dataclass(frozen=True)
class Server:
    base: str
    log: Path


@pytest.fixture(scope="session")
def server(binary: Path) -> Iterator[Server]:
    """`sportsgate serve` on the bundled replay data, on a free loopback port, its JSON log
    in a file. The admin token is set so admin routes exist (401 without it); the anonymous
    plan keeps its built-in limits."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as data:
        log = Path(data) / "stdout.jsonl"
        env = {
            "SPORTSGATE_LISTEN": f"127.0.0.1:{port}",
            "SPORTSGATE_PROVIDER": "replay",
            "SPORTSGATE_DATABASE_URL": f"sqlite://{data}/sportsgate.db",
            "SPORTSGATE_ADMIN_TOKEN": ADMIN_TOKEN,
            "SPORTSGATE_LOG_FORMAT": "json",
        }
        log_file = log.open("wb")
        proc = subprocess.Popen([binary, "serve"], env=env, stdout=log_file, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                assert proc.poll() is None, f"sportsgate exited: {proc.stderr.read().decode() if proc.stderr else ''}"
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                        break
                except (urllib.error.URLError, ConnectionError):
                    assert time.monotonic() < deadline, "sportsgate did not answer /healthz within 30 s"
                    time.sleep(0.2)
            yield Server(base, log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
            log_file.close()


def http_status(url: str, method: str = "GET") -> int:
    """Status of one request, redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, method=method), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
