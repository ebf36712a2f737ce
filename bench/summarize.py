#!/usr/bin/env python3
"""Helpers for bench/run.sh and bench/callgrind.sh (standard library only).

  summarize.py check RUN_JSON             exit 1 unless the wrk run completed requests with no errors
  summarize.py line RUN_JSON LABEL        print one line: req/s, p50, p99
  summarize.py redischeck RUN_BASE        exit 1 unless the Redis run's calls succeeded, ~1 a request
  summarize.py metrics METRICS            exit 1 if sportsgate's /metrics counts a non-200 on a
                                          benched route; else print the count of 200s
  summarize.py samebody A B               exit 1 unless B is A's bytes (or differs only in
                                          `fetched_at` stamps of the same length)
  summarize.py sample OUT_JSON NAME=PID…  sample each PID's VmRSS every 0.2 s until SIGTERM;
                                          then write the max per NAME (KiB) to OUT_JSON
  summarize.py burstcalls BURST_JSON PRE BEFORE AFTER
                                          add the mock upstream's call counts (JSON from its
                                          /__calls) to the burst's JSON
  summarize.py callgrind CG_OUT_DIR       instructions per request from callgrind dumps
  summarize.py report OUT_DIR RESULTS_DIR write RESULTS_DIR/<stamp>.md and .json, print the .md
"""
import json
import re
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUTE_PATHS = {"sports": "/sports", "games": "/v1/leagues/nfl/games"}
STAMP_RE = re.compile(rb'"fetched_at":"[0-9T:Z.+-]*"')


# ---------------------------------------------------------------- small commands
def check(path: str) -> int:
    r = json.loads(Path(path).read_text())
    bad = {k: v for k, v in r["errors"].items() if v}
    if r["requests"] == 0:
        print(f"FAIL {path}: no request completed", file=sys.stderr)
        return 1
    if bad:
        print(f"FAIL {path}: errors during the run: {bad} (status = non-2xx/3xx answers)", file=sys.stderr)
        return 1
    return 0


def line(path: str, label: str) -> int:
    r = json.loads(Path(path).read_text())
    lat = r["lat_us"]
    print(f"  {label:<24} {r['rps']:>9,.0f} req/s   p50 {lat['p50'] / 1000:6.2f} ms   p99 {lat['p99'] / 1000:6.2f} ms")
    return 0


def metrics(path: str) -> int:
    """Every counted request to a benched route must have been a 200."""
    # Greedy up to the last "}": route templates hold braces ("/v1/leagues/{league}/games").
    pat = re.compile(r"^sportsgate_http_requests_total\{(?P<labels>.*)\}\s+(?P<n>\S+)$")
    benched = {"/v1/leagues/{league}/games", "/sports", "/healthz"}
    bad, ok = [], 0.0
    for text in Path(path).read_text().splitlines():
        m = pat.match(text)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group("labels")))
        if labels.get("route") not in benched:
            continue
        n = float(m.group("n"))
        if labels.get("status") == "200":
            ok += n
        elif n:
            bad.append(text)
    if bad:
        print("FAIL /metrics counted non-200 answers on benched routes:\n  " + "\n  ".join(bad), file=sys.stderr)
        return 1
    if ok == 0:
        print("FAIL /metrics counted no 200 on the benched routes (did the scrape work?)", file=sys.stderr)
        return 1
    print(f"/metrics: {int(ok):,} answers on benched routes, all 200", file=sys.stderr)
    print(int(ok))
    return 0


def redischeck(base: str) -> int:
    """The Redis run must have talked to Redis for its requests, without failed calls."""
    before, after = redis_trips(Path(f"{base}.metrics-before")), redis_trips(Path(f"{base}.metrics-after"))
    delta = {o: n - before.get(o, 0) for o, n in after.items()}
    served = served_requests(Path(f"{base}.metrics-after")) - served_requests(Path(f"{base}.metrics-before"))
    failed = sum(n for o, n in delta.items() if o != "ok")
    if served <= 0 or delta.get("ok", 0) < 0.5 * served or failed > 0.01 * served:
        print(f"FAIL {base}: {served:.0f} answers, Redis calls {delta}", file=sys.stderr)
        return 1
    return 0


def samebody(a: str, b: str) -> int:
    x, y = Path(a).read_bytes(), Path(b).read_bytes()
    if x == y:
        return 0
    if len(x) == len(y) and STAMP_RE.sub(b"", x) == STAMP_RE.sub(b"", y):
        return 0
    print(f"FAIL {b} ({len(y)} B) is not {a} ({len(x)} B)", file=sys.stderr)
    return 1


def sample(out: str, pairs: list) -> int:
    pids = {name: int(pid) for name, pid in (p.split("=", 1) for p in pairs)}
    peak = {name: 0 for name in pids}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not stop:
        for name, pid in pids.items():
            try:
                with open(f"/proc/{pid}/status") as f:
                    for row in f:
                        if row.startswith("VmRSS:"):
                            peak[name] = max(peak[name], int(row.split()[1]))
                            break
            except OSError:
                pass
        time.sleep(0.2)
    Path(out).write_text(json.dumps(peak))
    return 0


def burstcalls(path: str, pre: str, before: str, after: str) -> int:
    """pre: the mock's counts before the server started; before/after: around the burst."""
    r = json.loads(Path(path).read_text())
    p, b, a = json.loads(pre), json.loads(before), json.loads(after)
    r["upstream_calls"] = a["total"] - b["total"]
    r["upstream_calls_by_path"] = {k: v - b["by_path"].get(k, 0) for k, v in a["by_path"].items() if v != b["by_path"].get(k, 0)}
    r["upstream_calls_at_startup"] = b["total"] - p["total"]
    Path(path).write_text(json.dumps(r))
    print(f"  upstream calls during the burst: {r['upstream_calls']} {r['upstream_calls_by_path'] or ''}"
          f" (at start-up, before it: {r['upstream_calls_at_startup']})")
    # A throttled (4xx) answer is a measured result; a 5xx or no 200 at all is a broken server.
    broken = {c: n for c, n in r["statuses"].items() if c.startswith("5")}
    if broken or not r["statuses"].get("200"):
        print(f"FAIL {path}: the burst got {r['statuses']}", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------- callgrind
def callgrind(out_dir: str) -> int:
    out = Path(out_dir)
    runs = {}
    for row in (out / "runs.tsv").read_text().splitlines():
        label, requests, dump = row.split("\t")
        totals = None
        for text in Path(dump).read_text().splitlines():
            if text.startswith(("totals:", "summary:")):
                totals = int(text.split()[1])
                if text.startswith("totals:"):
                    break
        if totals is None:
            print(f"FAIL {dump}: no totals line", file=sys.stderr)
            return 1
        runs[label] = {
            "instructions": totals,
            "requests": int(requests),
            "per_request": round(totals / int(requests)),
            "dump": str(Path(dump).resolve().relative_to(ROOT)) if ROOT in Path(dump).resolve().parents else dump,
        }
    (out / "callgrind.json").write_text(json.dumps(runs, indent=1))
    print(f"\n{'scenario':<28} {'instructions / request':>24} {'÷ nginx':>8}")
    for label, r in runs.items():
        route = label.split(".")[0]
        ng = runs.get(f"{route}.nginx")
        ratio = f"{r['per_request'] / ng['per_request']:.1f}×" if ng and not label.endswith("nginx") else ""
        print(f"{label:<28} {r['per_request']:>24,} {ratio:>8}")
    print(f"dumps kept in {out} (callgrind_annotate --inclusive=yes FILE)")
    return 0


# ---------------------------------------------------------------- report
def read_meta(out: Path) -> dict:
    meta = {}
    for text in (out / "meta.txt").read_text().splitlines():
        if "=" in text:
            k, v = text.split("=", 1)
            meta[k.strip()] = v.strip()
    return meta


def ms(us) -> str:
    v = us / 1000.0
    return f"{v:.2f} ms" if v < 10 else f"{v:.1f} ms"


def mib(kib) -> str:
    return f"{int(kib) / 1024:.1f} MiB" if kib not in (None, "") else "n/a"


def table(header, rows) -> list:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def redis_calls(path: Path) -> dict:
    """INFO commandstats → {command: calls}."""
    calls = {}
    for text in path.read_text().splitlines():
        m = re.match(r"cmdstat_([^:]+):calls=(\d+)", text.strip())
        if m:
            calls[m.group(1)] = int(m.group(2))
    return calls


def redis_trips(path: Path) -> dict:
    """sportsgate's own count of Redis calls (one round trip each; a pipeline is one) by outcome."""
    pat = re.compile(r'^sportsgate_redis_calls_total\{outcome="([^"]*)"\}\s+(\S+)$')
    return {m.group(1): float(m.group(2)) for m in map(pat.match, path.read_text().splitlines()) if m}


def served_requests(path: Path) -> float:
    """sportsgate's count of answers on the games route (any status)."""
    pat = re.compile(r'^sportsgate_http_requests_total\{route="/v1/leagues/\{league\}/games",.*\}\s+(\S+)$')
    return sum(float(m.group(1)) for m in map(pat.match, path.read_text().splitlines()) if m)


def load_runs(out: Path, meta: dict) -> dict:
    """Every scenario with its rounds (wrk figures + server CPU), its best round and ratios."""
    hz = int(meta.get("clk_tck", 100))  # /proc/PID/stat counts CPU time in these ticks
    scenarios = {}
    for text in (out / "scenarios.txt").read_text().splitlines():
        label, server, route, auth = text.split("|")
        scenarios[label] = {"server": server, "route": route, "path": ROUTE_PATHS[route], "auth": auth, "rounds": []}
    rounds = int(meta["rounds"])
    for label, s in scenarios.items():
        for r in range(1, rounds + 1):
            base = out / "runs" / f"{label}.r{r}"
            w = json.loads(Path(f"{base}.json").read_text())
            ticks = int(Path(f"{base}.ticks").read_text())
            run = {
                "round": r,
                "requests": w["requests"],
                "duration_s": w["duration_s"],
                "rps": w["rps"],
                "lat_us": w["lat_us"],
                "bytes": w["bytes"],
                "server_cpu_s": ticks / hz,
                "server_cpu_us_per_req": round(ticks / hz * 1e6 / max(w["requests"], 1), 2),
                # Well under 100 %: the server was not the limit (wrk, or the shared machine, was).
                "server_cpu_busy": round(ticks / hz / max(w["duration_s"], 1e-9), 3),
            }
            stat = Path(f"{base}.cpustat")
            if stat.exists():
                # The server CPU's own counters: how busy it was with anything (other processes,
                # interrupts) and how much the hypervisor stole, next to this server's share.
                rows_ = [list(map(int, t.split()[1:])) for t in stat.read_text().splitlines()]
                if len(rows_) == 2:
                    d = [a - b for a, b in zip(rows_[1], rows_[0])]
                    total = sum(d[:8]) or 1
                    run["server_cpu_all_busy"] = round((total - d[3] - d[4]) / total, 3)
                    # user + nice + system time not charged to this server: other processes.
                    run["server_cpu_other_procs"] = round(max((d[0] + d[1] + d[2]) / total - run["server_cpu_busy"], 0), 3)
                    run["server_cpu_irq"] = round((d[5] + d[6]) / total, 3)
                    run["server_cpu_steal"] = round(d[7] / total, 3)
            if Path(f"{base}.redis-after").exists():
                before, after = redis_calls(Path(f"{base}.redis-before")), redis_calls(Path(f"{base}.redis-after"))
                delta = {c: after[c] - before.get(c, 0) for c in after if c != "info" and after[c] - before.get(c, 0)}
                run["redis_calls"] = delta
                run["redis_calls_per_req"] = round(sum(delta.values()) / max(w["requests"], 1), 3)
                trips = {
                    o: n - redis_trips(Path(f"{base}.metrics-before")).get(o, 0)
                    for o, n in redis_trips(Path(f"{base}.metrics-after")).items()
                }
                run["redis_round_trips"] = trips
                # "skipped": Redis known down, nothing sent. The health probe's PINGs (once a
                # second) are not the requests' round trips.
                sent = sum(n for o, n in trips.items() if o != "skipped") - delta.get("ping", 0)
                # Divided by the requests sportsgate counted between the two scrapes (wrk's count
                # leaves out the answers still in flight when it stops).
                served = served_requests(Path(f"{base}.metrics-after")) - served_requests(Path(f"{base}.metrics-before"))
                run["redis_requests_served"] = served
                run["redis_round_trips_per_req"] = round(sent / max(served, 1), 3)
                run["redis_cpu_us_per_req"] = round(int(Path(f"{base}.redis-ticks").read_text()) / hz * 1e6 / max(w["requests"], 1), 2)
            s["rounds"].append(run)
        s["best"] = max(s["rounds"], key=lambda x: x["rps"])
    # Ratios to nginx's run of the same body in the same round, and best to best.
    for label, s in scenarios.items():
        ng = scenarios.get(f"{s['route']}.nginx")
        if s["server"] == "nginx" or ng is None:
            continue
        s["rps_ratio_per_round"] = [round(a["rps"] / b["rps"], 3) for a, b in zip(s["rounds"], ng["rounds"])]
        s["rps_ratio_best"] = round(s["best"]["rps"] / ng["best"]["rps"], 3)
        s["p99_ratio_best"] = round(s["best"]["lat_us"]["p99"] / max(ng["best"]["lat_us"]["p99"], 1), 3)
        s["cpu_ratio_best"] = round(s["best"]["server_cpu_us_per_req"] / max(ng["best"]["server_cpu_us_per_req"], 1e-9), 3)
    return scenarios


def report(out_dir: str, results_dir: str) -> int:
    out, results = Path(out_dir), Path(results_dir)
    meta = read_meta(out)
    allocs = meta["allocators"].split()
    primary = meta["primary"]
    scenarios = load_runs(out, meta)
    rss_load = json.loads((out / "rss-load.json").read_text())
    startup = {a: json.loads((out / f"ready-{a}.json").read_text()) for a in allocs}
    bursts = {n: json.loads((out / f"burst-{n}.json").read_text()) for n in ("inprocess", "redis") if (out / f"burst-{n}.json").exists()}
    cg_path = out / "callgrind" / "callgrind.json"
    cg = json.loads(cg_path.read_text()) if cg_path.exists() else None
    notes = [n for n in (out / "notes.txt").read_text().splitlines() if n.strip()]

    memory = {
        a: {
            "idle_kib": int(meta[f"rss_idle_kib_{a}"]),
            "load_max_kib": rss_load.get(f"sg-{a}"),
            "hwm_kib": int(meta[f"rss_hwm_kib_{a}"]),
            "after_kib": int(meta[f"rss_after_kib_{a}"]),
        }
        for a in allocs
    }
    memory["nginx-worker"] = {"load_max_kib": rss_load.get("nginx-worker"), "hwm_kib": int(meta["nginx_worker_hwm_kib"])}
    if "sg-redis" in rss_load:
        memory["sg-redis"] = {"load_max_kib": rss_load["sg-redis"]}
        memory["redis-server"] = {"load_max_kib": rss_load.get("redis-server")}

    def sc(route, auth, server):
        return scenarios.get(f"{route}-{auth}.{server}" if server != "nginx" else f"{route}.nginx")

    def fmt_best(s):
        b = s["best"]
        return f"{b['rps']:,.0f}", ms(b["lat_us"]["p99"])

    md = []
    stamp = meta["stamp"]
    md.append(f"# sportsgate benchmark, {meta['date']}")
    md.append("")
    md.append(
        f"Commit `{meta['commit']}`{'' if meta['dirty'] == 'no' else ' with uncommitted changes (' + meta['dirty'].strip() + ')'}; "
        f"binary profile {', '.join(a + ': ' + meta.get('profile_' + a, '?') for a in allocs)}. "
        f"Written by `bench/run.sh`; raw figures in `{stamp}.json`."
    )
    md.append("")

    others = [r["server_cpu_other_procs"] for sc_ in scenarios.values() for r in sc_["rounds"] if "server_cpu_other_procs" in r]
    if others and sorted(others)[len(others) // 2] > 0.10:
        md.append(f"**Warning: the server CPU was shared.** In the median measured run, "
                  f"{sorted(others)[len(others) // 2] * 100:.0f} % of the pinned server CPU went to other processes: absolute req/s are low and the ratios noisier than on a quiet "
                  "machine. See the \"server CPU busy\" column.")
        md.append("")

    # Headline: the figures the README quotes, primary allocator.
    md.append(f"## Headline ({primary}, best of {meta['rounds']} rounds; ratios are sportsgate ÷ nginx in the same run)")
    md.append("")
    rows = []
    for route in ("sports", "games"):
        ng = sc(route, "", "nginx")
        for auth in ("anon", "key"):
            s = sc(route, auth, f"sg-{primary}")
            if not s:
                continue
            who = "no key (anonymous plan `unlimited`)" if auth == "anon" else "API key (high-limit plan)"
            rows.append([
                f"req/s, cached `{s['path']}`, {who}", f"{ng['best']['rps']:,.0f}", f"{s['best']['rps']:,.0f}",
                f"{s['rps_ratio_best']:.2f}× (rounds: {', '.join(f'{x:.2f}' for x in s['rps_ratio_per_round'])})",
                "≥ 1.0×", "✓" if s["rps_ratio_best"] >= 1.0 else "✗",
            ])
            rows.append([
                f"p99 of that run", ms(ng["best"]["lat_us"]["p99"]), ms(s["best"]["lat_us"]["p99"]),
                f"{s['p99_ratio_best']:.2f}×", "≤ nginx", "✓" if s["p99_ratio_best"] <= 1.0 else "✗",
            ])
    rs, ip = scenarios.get("games-key.sg-redis"), sc("games", "key", f"sg-{primary}")
    if rs and ip:
        b = rs["best"]
        rows.append([f"req/s, keyed `{rs['path']}` with Redis (L2 cache + shared limits) ÷ in-process", "",
                     f"{b['rps']:,.0f} vs {ip['best']['rps']:,.0f}", f"{b['rps'] / ip['best']['rps']:.2f}×", "", ""])
        rows.append(["p99 of those runs, with Redis vs in-process", "", f"{ms(b['lat_us']['p99'])} vs {ms(ip['best']['lat_us']['p99'])}",
                     f"{b['lat_us']['p99'] / max(ip['best']['lat_us']['p99'], 1):.2f}×", "", ""])
        rows.append(["Redis round trips per keyed request (commands run, incl. inside scripts)", "",
                     f"{b['redis_round_trips_per_req']:.2f} ({b['redis_calls_per_req']:.2f})", "", "≤ 1", "✓" if b["redis_round_trips_per_req"] <= 1.01 else "✗"])
    m = memory[primary]
    rows.append(["RSS under load (max of samples; nginx: its worker)", mib(memory["nginx-worker"]["load_max_kib"]),
                 mib(m["load_max_kib"]), "", "≤ 30 MiB", "✓" if (m["load_max_kib"] or 0) <= 30 * 1024 else "✗"])
    st = startup[primary]
    rows.append(["exec → first 200 from /healthz (migrated SQLite file)", "", f"{st['healthz_existing']['median_ms']:.1f} ms",
                 "", "≤ 50 ms", "✓" if st["healthz_existing"]["median_ms"] <= 50 else "✗"])
    rows.append(["exec → first 200 from `/v1/leagues/nfl/games` (migrated SQLite file)", "", f"{st['data_existing']['median_ms']:.1f} ms",
                 "", "≤ 50 ms", "✓" if st["data_existing"]["median_ms"] <= 50 else "✗"])
    rows.append(["exec → first 200 from `/v1/leagues/nfl/games` (new SQLite file)", "", f"{st['data_fresh']['median_ms']:.1f} ms",
                 "", "≤ 50 ms", "✓" if st["data_fresh"]["median_ms"] <= 50 else "✗"])
    for name, b in bursts.items():
        ok = b["statuses"].get("200", 0) == b["requests"] and b["upstream_calls"] == 1
        rows.append([f"cold burst of {b['requests']} keyed requests{' (with Redis)' if name == 'redis' else ''}", "",
                     f"{', '.join(f'{n} × {c}' for c, n in b['statuses'].items())}; {b['upstream_calls']} upstream call(s)",
                     "", f"{b['requests']} × 200, 1 call", "✓" if ok else "✗"])
    if cg:
        for auth in ("anon", "key"):
            s, n = cg.get(f"sports.sportsgate-{auth}"), cg.get("sports.nginx")
            if s and n:
                rows.append([f"instructions per request, `/sports`, {'no key' if auth == 'anon' else 'API key'} (callgrind)",
                             f"{n['per_request']:,}", f"{s['per_request']:,}", f"{s['per_request'] / n['per_request']:.1f}×", "", ""])
    md += table(["figure", "nginx static", "sportsgate", "ratio", "goal", "met"], rows)
    md.append("")

    # Full throughput table.
    md.append(f"## Throughput and latency, every scenario (best of {meta['rounds']} rounds)")
    md.append("")
    rows = []
    for label, s in scenarios.items():
        b = s["best"]
        rows.append([
            f"`{s['path']}`", "—" if s["server"] == "nginx" else ("key" if s["auth"] == "key" else "none"), s["server"],
            f"{b['rps']:,.0f}", " / ".join(f"{x['rps']:,.0f}" for x in s["rounds"]),
            ms(b["lat_us"]["p50"]), ms(b["lat_us"]["p99"]), f"{b['server_cpu_us_per_req']:.1f} µs",
            f"{b['server_cpu_busy'] * 100:.0f} %"
            + (f"; others {b['server_cpu_other_procs'] * 100:.0f} %, irq {b['server_cpu_irq'] * 100:.0f} %" if "server_cpu_all_busy" in b else "")
            + (f", steal {b['server_cpu_steal'] * 100:.0f} %" if b.get("server_cpu_steal", 0) >= 0.005 else ""),
            f"{s['rps_ratio_best']:.2f}×" if "rps_ratio_best" in s else "",
            " / ".join(f"{x:.2f}" for x in s.get("rps_ratio_per_round", [])),
            f"{s['p99_ratio_best']:.2f}×" if "p99_ratio_best" in s else "",
            f"{s['cpu_ratio_best']:.2f}×" if "cpu_ratio_best" in s else "",
        ])
    md += table(["route", "key", "server", "req/s (best)", "req/s per round", "p50", "p99", "server CPU / req", "server CPU busy",
                 "req/s ÷ nginx (best)", "÷ nginx per round", "p99 ÷ nginx", "CPU/req ÷ nginx"], rows)
    md.append("")
    md.append("p50/p99/CPU are those of the best round. Server CPU is utime + stime from `/proc` "
              "(nginx: master + worker; sg-redis: sportsgate only, Redis below) over the measured run; "
              "\"busy\" is that CPU time ÷ the run's duration; from the pinned CPU's `/proc/stat` counters, "
              "\"others\" is the time other processes got on it and \"irq\" the interrupt and softirq time "
              "(mostly the kernel's loopback network work for this traffic). A server well under 100 % with "
              "much \"others\" shared its CPU; with little, it waited for wrk.")
    md.append("")

    # Keyed vs anonymous cost.
    rows = []
    for a in allocs:
        for route in ("sports", "games"):
            an, ke = sc(route, "anon", f"sg-{a}"), sc(route, "key", f"sg-{a}")
            if an and ke:
                rows.append([a, f"`{an['path']}`", f"{ke['best']['rps'] / an['best']['rps']:.2f}×",
                             f"{ke['best']['server_cpu_us_per_req'] - an['best']['server_cpu_us_per_req']:+.1f} µs"])
    if rows:
        md.append("## Cost of the API key (auth + GCRA + quota + usage accounting) over the anonymous path")
        md.append("")
        md += table(["allocator", "route", "keyed req/s ÷ anonymous", "extra server CPU / req"], rows)
        md.append("")

    # Redis.
    rs = scenarios.get("games-key.sg-redis")
    if rs:
        ip = sc("games", "key", f"sg-{primary}")
        b = rs["best"]
        md.append(f"## Redis as L2 cache + shared limits vs in-process (keyed `{rs['path']}`, {primary}, private redis-server {meta.get('redis_version', '')})")
        md.append("")
        rows = [
            ["in-process", f"{ip['best']['rps']:,.0f}", ms(ip["best"]["lat_us"]["p99"]),
             f"{ip['best']['server_cpu_us_per_req']:.1f} µs", "", "0", "0", ""],
            ["Redis", f"{b['rps']:,.0f}", ms(b["lat_us"]["p99"]), f"{b['server_cpu_us_per_req']:.1f} µs",
             f"{b['redis_cpu_us_per_req']:.1f} µs", f"{b['redis_round_trips_per_req']:.3f}", f"{b['redis_calls_per_req']:.3f}",
             ", ".join(f"{c} {n / max(b['requests'], 1):.3f}" for c, n in sorted(b["redis_calls"].items(), key=lambda x: -x[1]))],
        ]
        md += table(["mode", "req/s (best)", "p99", "sportsgate CPU / req", "redis-server CPU / req",
                     "round trips / req", "Redis commands / req", "per command / req"], rows)
        md.append("")
        bad = {o: n for o, n in b["redis_round_trips"].items() if o != "ok" and n}
        md.append(f"Redis with ÷ without: req/s {b['rps'] / ip['best']['rps']:.2f}×, p99 "
                  f"{b['lat_us']['p99'] / max(ip['best']['lat_us']['p99'], 1):.2f}×. Round trips: sportsgate's "
                  "`sportsgate_redis_calls_total` over the measured run (one per call; a pipeline or a script "
                  "is one call) less its once-a-second health PINGs, ÷ the answers it counted on the route; "
                  "background calls (cache refreshes, key-version checks) are in, so ≈ 1.00 means one a request"
                  + (f"; calls that did not succeed: {bad}" if bad else "") + ". Commands: the delta of "
                  "`INFO commandstats` (the bench's own INFO excluded), which also counts the commands a Lua "
                  "script runs inside Redis.")
        md.append("")

    # Memory.
    md.append("## Memory (RSS)")
    md.append("")
    rows = []
    for a in allocs:
        m = memory[a]
        rows.append([f"sportsgate, {a}", mib(m["idle_kib"]), mib(m["load_max_kib"]), mib(m["hwm_kib"]), mib(m["after_kib"])])
    if "sg-redis" in memory:
        rows.append([f"sportsgate with Redis, {primary}", "", mib(memory["sg-redis"]["load_max_kib"]), "", ""])
        rows.append(["redis-server", "", mib(memory["redis-server"]["load_max_kib"]), "", ""])
    rows.append(["nginx worker", "", mib(memory["nginx-worker"]["load_max_kib"]), mib(memory["nginx-worker"]["hwm_kib"]), ""])
    md += table(["process", "idle after start", "under load (max, sampled every 0.2 s)", "peak (VmHWM)", "after the load"], rows)
    md.append("")

    # Start-up.
    md.append(f"## Start-up: exec → first 200 (median of {meta['starts']} starts; min–max)")
    md.append("")
    rows = []
    for a in allocs:
        st = startup[a]
        cell = lambda c: f"{st[c]['median_ms']:.1f} ms ({st[c]['min_ms']:.1f}–{st[c]['max_ms']:.1f})"  # noqa: E731
        rows.append([a, cell("healthz_fresh"), cell("healthz_existing"), cell("data_fresh"), cell("data_existing")])
    md += table(["allocator", "/healthz, new SQLite file", "/healthz, migrated file",
                 "/v1/leagues/nfl/games, new file", "/v1/leagues/nfl/games, migrated file"], rows)
    md.append("")

    # Burst.
    if bursts:
        md.append(f"## Cold burst: {meta['burst']} keyed requests at once on a fresh server ({primary}), ESPN mock with {meta['upstream_delay_ms']} ms delay")
        md.append("")
        rows = []
        for name, b in bursts.items():
            sample_ = b.get("sample_non_200")
            rows.append(["in-process" if name == "inprocess" else "with Redis",
                         ", ".join(f"{n} × {c}" for c, n in b["statuses"].items()),
                         f"{b['upstream_calls']} ({', '.join(f'{p}: {n}' for p, n in b['upstream_calls_by_path'].items())})",
                         f"{b['p50_ms']:.0f} ms / {b['max_ms']:.0f} ms",
                         (f"{sample_['status']}: {sample_['body'][:160]}" if sample_ else "")])
        md += table(["mode", "statuses", "upstream calls during the burst", "latency p50 / max", "a non-200 answer"], rows)
        md.append("")

    # Callgrind.
    if cg:
        md.append(f"## Instructions per request (callgrind, {primary} binary, {meta['cg_requests']} requests over 4 keep-alive connections)")
        md.append("")
        rows = []
        for route in ("sports", "games"):
            n = cg.get(f"{route}.nginx")
            for who in ("nginx", "sportsgate-anon", "sportsgate-key"):
                r = cg.get(f"{route}.{who}")
                if r:
                    rows.append([f"`{ROUTE_PATHS[route]}`", who, f"{r['per_request']:,}",
                                 f"{r['per_request'] / n['per_request']:.1f}×" if n and who != "nginx" else "", f"`{r['dump']}`"])
        md += table(["route", "server", "instructions / request", "÷ nginx", "dump (scratch, not committed)"], rows)
        md.append("")
        md.append("Counts are every thread of the process between `callgrind_control -z` and `-d` (≈7k of "
                  "them are the dump request itself), ÷ requests; sportsgate with `SPORTSGATE_TTL_LIVE=1h`, so no "
                  "cache refresh lands in a window. Repeatable within about 1 % anonymous, 5 % keyed.")
        md.append("")

    # Machine and method.
    md.append("## Machine and method")
    md.append("")
    facts = [
        ["CPU", f"{meta['cpu']}, {meta['nproc']} CPUs"],
        ["RAM", f"{int(meta['ram_kib']) / 1048576:.1f} GiB"],
        ["kernel / OS", f"{meta['kernel']} / {meta.get('os', '?')}"],
        ["load average before / after", f"{meta['load_before']} / {meta['load_after']}"],
        ["layout", meta["layout"]],
        ["load", f"wrk {meta['wrk_version']} -t{meta['threads']} -c{meta['connections']}, {meta['warmup']} s warm-up + "
                 f"{meta['duration']} s measured per scenario, {meta['rounds']} rounds, scenarios interleaved in each round"],
        ["nginx", f"{meta['nginx_version']}: worker_processes 1, the byte-identical bodies as static files, access_log off, "
                  "sendfile, open_file_cache, keepalive_requests 1000000"],
        ["sportsgate", f"replay provider, SQLite store, defaults otherwise; {meta['sg_stdout']}"],
        ["bodies", f"`/sports` {meta['body_bytes_sports']} B, `/v1/leagues/nfl/games` {meta['body_bytes_games']} B"],
    ]
    for a in allocs:
        facts.append([f"binary ({a})", f"profile {meta.get(f'profile_{a}')}, {int(meta[f'binary_bytes_{a}']) / 1048576:.1f} MiB "
                      f"({meta.get(f'binary_kind_{a}', '?')}), sha256 {meta[f'binary_sha256_{a}']}…, from `{meta[f'binary_{a}']}`"])
    tools = []
    for k, v in meta.items():
        if k.endswith("_version"):
            name = k.removesuffix("_version")
            v = v.removeprefix(name).lstrip(" -")  # "valgrind-3.19.0", "rustc 1.95.0 (…)"
            tools.append(f"{name} {v}")
    facts.append(["tools", ", ".join(tools)])
    facts.append(["commit", f"`{meta['commit']}`, uncommitted changes: {meta['dirty']}"])
    md += table(["", ""], facts)
    md.append("")
    if notes:
        md.append("## Notes from this run")
        md.append("")
        md += [f"- {n.removeprefix('note: ')}" for n in notes]
        md.append("")

    raw = {
        "meta": meta,
        "scenarios": scenarios,
        "memory_kib": memory,
        "startup_ms": startup,
        "burst": bursts,
        "callgrind": cg,
        "notes": notes,
    }
    results.mkdir(parents=True, exist_ok=True)
    name = stamp
    i = 2
    while (results / f"{name}.md").exists():
        name = f"{stamp}-{i}"
        i += 1
    text = "\n".join(md).replace(f"`{stamp}.json`", f"`{name}.json`")
    (results / f"{name}.md").write_text(text)
    (results / f"{name}.json").write_text(json.dumps(raw, indent=1, ensure_ascii=False) + "\n")
    (out / "summary.md").write_text(text)
    print(text)
    print(f"\nresults: {results / (name + '.md')} and .json")
    return 0


def main() -> int:
    cmds = {
        "check": (check, 1), "line": (line, 2), "redischeck": (redischeck, 1), "metrics": (metrics, 1), "samebody": (samebody, 2),
        "burstcalls": (burstcalls, 4), "callgrind": (callgrind, 1), "report": (report, 2),
    }
    if len(sys.argv) >= 2 and sys.argv[1] == "sample" and len(sys.argv) >= 4:
        return sample(sys.argv[2], sys.argv[3:])
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or len(sys.argv) != 2 + cmds[sys.argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    fn, _ = cmds[sys.argv[1]]
    return fn(*sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
