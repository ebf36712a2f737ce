#!/usr/bin/env python3
"""Start-to-ready: time from exec of `sportsgate serve` to its first 200 from /healthz.

Usage: ready.py BINARY PORT RUNS OUT_JSON

Each run spawns the server (stdout/stderr to /dev/null), polls /healthz in a tight loop
(a refused connection is retried after 0.2 ms), records the time from just before the
spawn to the first 200, then stops the server with SIGTERM and waits for it to exit.
Writes {"runs_ms": [...], "median_ms": x, "min_ms": y, "max_ms": z} to OUT_JSON.
Uses only the standard library.
"""
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time

TIMEOUT_S = 15.0


def port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def one_start(binary: str, port: int) -> float:
    env = dict(os.environ)
    env.update(
        SPORTSGATE_PROVIDER="replay",
        SPORTSGATE_LISTEN=f"127.0.0.1:{port}",
        SPORTSGATE_LOG_FORMAT="json",
        SPORTSGATE_SHUTDOWN_GRACE="1s",
    )
    deadline = time.perf_counter() + TIMEOUT_S
    t0 = time.perf_counter()
    proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"ready.py: sportsgate exited early with code {proc.returncode}")
            if time.perf_counter() > deadline:
                raise SystemExit(f"ready.py: no 200 from /healthz within {TIMEOUT_S} s")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
            except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
                status = None
            finally:
                conn.close()
            if status == 200:
                return (time.perf_counter() - t0) * 1000.0
            time.sleep(0.0002)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    binary, port, runs, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    if not port_free(port):
        raise SystemExit(f"ready.py: something already listens on 127.0.0.1:{port}")
    times = []
    for _ in range(runs):
        times.append(one_start(binary, port))
        # The port is bound with SO_REUSEADDR; a short pause lets the old process's
        # sockets go before the next start.
        time.sleep(0.05)
    result = {
        "runs_ms": [round(t, 2) for t in times],
        "median_ms": round(statistics.median(times), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
    }
    with open(out, "w") as f:
        json.dump(result, f)
    print(f"start-to-ready: median {result['median_ms']} ms over {runs} starts ({result['runs_ms']})")


if __name__ == "__main__":
    main()
