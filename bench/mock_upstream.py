#!/usr/bin/env python3
"""A stand-in for ESPN's site API, for the cold-burst measurement of bench/run.sh.

Usage: mock_upstream.py PORT FIXTURE_DIR [DELAY_MS]

Serves, after DELAY_MS (default 150) of simulated upstream latency:
  GET /apis/site/v2/sports/football/nfl/scoreboard[?dates=…]  the recorded NFL scoreboard
  GET /apis/site/v2/sports/football/nfl/teams[?limit=…]        the recorded NFL teams
  anything else                                                404
and counts every request by path (query dropped). GET /__calls answers the counts at once
as JSON ({"total": n, "by_path": {...}}) without counting itself or waiting.
Threaded, so a burst of calls would be answered concurrently (and each counted).
Standard library only; prints "ready" on stdout once it listens.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SCOREBOARD = "nfl-scoreboard-week11-live-scheduled-final-2022-11-20.json"
TEAMS = "teams-nfl-2024.json"


def main() -> None:
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    port, fixtures = int(sys.argv[1]), Path(sys.argv[2])
    delay = (int(sys.argv[3]) if len(sys.argv) == 4 else 150) / 1000.0
    routes = {
        "/apis/site/v2/sports/football/nfl/scoreboard": (fixtures / SCOREBOARD).read_bytes(),
        "/apis/site/v2/sports/football/nfl/teams": (fixtures / TEAMS).read_bytes(),
    }
    calls: dict[str, int] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = self.path.split("?", 1)[0]
            if path == "/__calls":
                with lock:
                    body = json.dumps({"total": sum(calls.values()), "by_path": dict(calls)}).encode()
                self.answer(200, body)
                return
            with lock:
                calls[path] = calls.get(path, 0) + 1
            time.sleep(delay)
            body = routes.get(path)
            if body is None:
                self.answer(404, b'{"code":404,"message":"not found"}')
            else:
                self.answer(200, body)

        def answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # quiet: the counts are the record
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
