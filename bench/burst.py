#!/usr/bin/env python3
"""Cold burst: N concurrent requests sent at once, for bench/run.sh.

Usage: burst.py PORT PATH N OUT_JSON [HEADER: VALUE]...

Opens N connections to 127.0.0.1:PORT first, then writes one `GET PATH` (HTTP/1.1,
`Connection: close`, the given headers) on every connection back to back, so the server
sees all N requests within a few milliseconds, then reads every answer to EOF.
Writes {"requests", "statuses": {code: count}, "elapsed_ms", "p50_ms", "max_ms",
"sample_non_200"} to OUT_JSON (latency is from the moment all requests were written).
Exits 1 if a connection fails or an answer is missing/unparsable; the statuses themselves
are judged by the caller. Standard library only.
"""
import asyncio
import json
import statistics
import sys
import time

TIMEOUT_S = 60.0


async def run(port: int, path: str, n: int, headers: list[str]) -> dict:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: sportsgate-bench-burst\r\n"
        + "".join(f"{h}\r\n" for h in headers)
        + "Connection: close\r\n\r\n"
    ).encode()
    conns = await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port) for _ in range(n)))
    for _, writer in conns:
        writer.write(request)
    t0 = time.perf_counter()
    await asyncio.gather(*(w.drain() for _, w in conns))

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        data = await reader.read()  # to EOF: the server closes after its answer
        took = (time.perf_counter() - t0) * 1000.0
        writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        parts = head.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise RuntimeError(f"unparsable answer: {data[:120]!r}")
        return int(parts[1]), took, body

    answers = await asyncio.wait_for(asyncio.gather(*(answer(r, w) for r, w in conns)), TIMEOUT_S)
    statuses: dict[str, int] = {}
    sample = None
    for status, _, body in answers:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status != 200 and sample is None:
            sample = {"status": status, "body": body[:400].decode("utf-8", "replace")}
    times = [t for _, t, _ in answers]
    return {
        "requests": n,
        "statuses": dict(sorted(statuses.items())),
        "elapsed_ms": round(max(times), 1),
        "p50_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "sample_non_200": sample,
    }


def main() -> int:
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    port, path, n, out = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    try:
        result = asyncio.run(run(port, path, n, sys.argv[5:]))
    except (OSError, RuntimeError, asyncio.TimeoutError) as e:
        print(f"burst.py: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    with open(out, "w") as f:
        json.dump(result, f)
    print(f"burst of {n}: statuses {result['statuses']}, all answered in {result['elapsed_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
