#!/usr/bin/env python3
"""Start-up: time from exec of `sportsgate serve` to its first 200, for bench/run.sh.

Usage: ready.py BINARY PORT STARTS WORKDIR OUT_JSON [SERVER_CPU CLIENT_CPU]

Four cases, each started STARTS times (interleaved, so drift hits all alike):
  healthz_fresh     first 200 from /healthz, a new SQLite file (the migrations run)
  healthz_existing  first 200 from /healthz, an SQLite file that is already migrated
  data_fresh        first 200 from /v1/leagues/nfl/games (replay provider: the recording is
                    read, normalized and rendered), a new SQLite file
  data_existing     the same with the migrated file
Each start spawns the server (replay provider; stdout/stderr to /dev/null; the rest of the
environment, e.g. SPORTSGATE_CONFIG and SPORTSGATE_ANONYMOUS_PLAN, is inherited), polls the
route in a tight loop (a refused connection is retried after 0.2 ms), records the time from
just before the spawn to the first 200, then stops the server with SIGTERM. A non-200 answer
other than 503 (not ready yet) fails the measurement.
With SERVER_CPU/CLIENT_CPU the server is pinned to one CPU and this poller to the other.
Writes {case: {"runs_ms": [...], "median_ms", "min_ms", "max_ms"}} to OUT_JSON.
Standard library only.
"""
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

TIMEOUT_S = 15.0
ROUTES = {"healthz": "/healthz", "data": "/v1/leagues/nfl/games"}
CASES = ["healthz_fresh", "healthz_existing", "data_fresh", "data_existing"]


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def one_start(binary: str, port: int, route: str, db: Path, server_cpu) -> float:
    env = dict(os.environ)
    env.update(
        SPORTSGATE_PROVIDER="replay",
        SPORTSGATE_LISTEN=f"127.0.0.1:{port}",
        SPORTSGATE_LOG_FORMAT="json",
        SPORTSGATE_SHUTDOWN_GRACE="1s",
        SPORTSGATE_DATABASE_URL=f"sqlite://{db}",
    )
    env.pop("SPORTSGATE_REDIS_URL", None)
    pin = (lambda: os.sched_setaffinity(0, {server_cpu})) if server_cpu is not None else None
    deadline = time.perf_counter() + TIMEOUT_S
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=pin
    )
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"ready.py: sportsgate exited early with code {proc.returncode}")
            if time.perf_counter() > deadline:
                raise SystemExit(f"ready.py: no 200 from {route} within {TIMEOUT_S} s")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request("GET", route)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
                status = None
            finally:
                conn.close()
            if status == 200:
                return (time.perf_counter() - t0) * 1000.0
            if status not in (None, 503):
                raise SystemExit(f"ready.py: {route} answered {status} at start")
            time.sleep(0.0002)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    if len(sys.argv) not in (6, 8):
        raise SystemExit(__doc__)
    binary, port, starts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    workdir, out = Path(sys.argv[4]), sys.argv[5]
    server_cpu = int(sys.argv[6]) if len(sys.argv) == 8 else None
    if len(sys.argv) == 8:
        os.sched_setaffinity(0, {int(sys.argv[7])})
    if not port_free(port):
        raise SystemExit(f"ready.py: something already listens on 127.0.0.1:{port}")
    workdir.mkdir(parents=True, exist_ok=True)
    existing = workdir / "existing.db"
    remove_db(existing)
    one_start(binary, port, ROUTES["healthz"], existing, server_cpu)  # migrates it; not timed
    times: dict[str, list[float]] = {c: [] for c in CASES}
    for i in range(starts):
        for case in CASES:
            kind, db_state = case.split("_")
            db = existing if db_state == "existing" else workdir / f"fresh-{i}-{kind}.db"
            if db_state == "fresh":
                remove_db(db)
            times[case].append(one_start(binary, port, ROUTES[kind], db, server_cpu))
            if db_state == "fresh":
                remove_db(db)
            # The port is bound with SO_REUSEADDR; a short pause lets the old process's
            # sockets go before the next start.
            time.sleep(0.05)
    result = {
        case: {
            "runs_ms": [round(t, 2) for t in ts],
            "median_ms": round(statistics.median(ts), 2),
            "min_ms": round(min(ts), 2),
            "max_ms": round(max(ts), 2),
        }
        for case, ts in times.items()
    }
    with open(out, "w") as f:
        json.dump(result, f)
    for case, r in result.items():
        print(f"  {case:<17} median {r['median_ms']:7.1f} ms  (min {r['min_ms']:.1f}, max {r['max_ms']:.1f})")


if __name__ == "__main__":
    main()
