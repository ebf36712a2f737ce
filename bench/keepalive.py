#!/usr/bin/env python3
"""Send a fixed number of requests over a few keep-alive connections (callgrind.sh's client).

Usage: keepalive.py PORT PATH REQUESTS CONNECTIONS [HEADER: VALUE]...

REQUESTS are split evenly over CONNECTIONS threads, each with one persistent HTTP/1.1
connection sending its share one after the other. A count, not a duration, because
callgrind figures are per request. Exits 1 unless every answer is a 200 on a kept-alive
connection; prints the count. Standard library only.
"""
import http.client
import sys
import threading


def main() -> int:
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    port, path, total, conns = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    headers = dict(h.split(":", 1) for h in sys.argv[5:])
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    shares = [total // conns + (1 if i < total % conns else 0) for i in range(conns)]
    failures: list[str] = []
    done = [0] * conns

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            for _ in range(shares[i]):
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    failures.append(f"{path} answered {resp.status}")
                    return
                if resp.will_close:
                    failures.append(f"{path}: the server closed the keep-alive connection")
                    return
                done[i] += 1
        except (OSError, http.client.HTTPException) as e:
            failures.append(f"{path}: {type(e).__name__}: {e}")
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        print(f"keepalive.py: FAIL: {failures[0]} (after {sum(done)} good answers)", file=sys.stderr)
        return 1
    print(sum(done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
