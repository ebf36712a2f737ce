#!/usr/bin/env python3
"""Helpers for bench/run.sh (standard library only).

  summarize.py check RUN_JSON      exit 1 unless the wrk run completed requests with no errors
  summarize.py metrics METRICS     exit 1 if sportsgate's /metrics shows a non-200 for a benched route;
                                   else print the count of 200s on them
  summarize.py report OUT_DIR      print the summary table and write OUT_DIR/summary.md
"""
import json
import os
import re
import sys
from pathlib import Path

ROUTES = [("games", "/v1/leagues/nfl/games"), ("sports", "/sports")]
SERVERS = ["sportsgate", "nginx"]
EXTRAS = [
    ("games.sportsgate", "/v1/leagues/nfl/games", "access log JSON → /dev/null (the main run; anonymous caller, unmetered plan)"),
    ("games.sportsgate-key", "/v1/leagues/nfl/games", "with an API key on a high-limit plan (auth + GCRA + quota + usage accounting)"),
    ("games.sportsgate-logfile", "/v1/leagues/nfl/games", "access log JSON → a file on disk"),
    ("games.sportsgate-nolog", "/v1/leagues/nfl/games", "access log filtered out (RUST_LOG=warn)"),
    ("healthz.sportsgate", "/healthz", "framework + middleware floor (tiny handler, logs → /dev/null)"),
]


def check(path: str) -> int:
    r = json.loads(Path(path).read_text())
    bad = {k: v for k, v in r["errors"].items() if v}
    if r["requests"] == 0:
        print(f"FAIL {path}: no request completed", file=sys.stderr)
        return 1
    if bad:
        print(f"FAIL {path}: errors during the run: {bad} (status = non-2xx/3xx responses)", file=sys.stderr)
        return 1
    return 0


def metrics(path: str) -> int:
    """Every counted request to a benched route must have been a 200."""
    pat = re.compile(r'^sportsgate_http_requests_total\{(?P<labels>[^}]*)\}\s+(?P<n>\S+)')
    benched = {"/v1/leagues/{league}/games", "/sports", "/healthz"}
    bad, ok = [], 0
    for line in Path(path).read_text().splitlines():
        m = pat.match(line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group("labels")))
        if labels.get("route") not in benched:
            continue
        n = float(m.group("n"))
        if labels.get("status") == "200":
            ok += n
        elif n:
            bad.append(line)
    if bad:
        print("FAIL /metrics counted non-200 responses on benched routes:\n  " + "\n  ".join(bad), file=sys.stderr)
        return 1
    if ok == 0:
        print("FAIL /metrics counted no 200 on the benched routes (did the scrape work?)", file=sys.stderr)
        return 1
    print(f"/metrics: {int(ok)} responses on benched routes, all 200", file=sys.stderr)
    print(int(ok))
    return 0


def read_meta(out: Path) -> dict:
    meta = {}
    p = out / "meta.txt"
    if p.exists():
        for line in p.read_text().splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                meta[k.strip()] = v.strip()
    return meta


def load_run(out: Path, label: str):
    p = out / "runs" / f"{label}.json"
    if not p.exists():
        return None
    r = json.loads(p.read_text())
    cpu = out / "runs" / f"{label}.cpu"
    r["cpu_s"] = float(cpu.read_text().strip()) if cpu.exists() else None
    return r


def ms(us) -> str:
    v = us / 1000.0
    return f"{v:.2f} ms" if v < 10 else f"{v:.1f} ms"


def cpu_per_req(r) -> str:
    if not r.get("cpu_s") or not r["requests"]:
        return "n/a"
    return f"{r['cpu_s'] * 1e6 / r['requests']:.1f} µs"


def mib(kib) -> str:
    return f"{int(kib) / 1024:.1f} MiB"


def table(header, rows) -> list:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def report(out_dir: str) -> int:
    out = Path(out_dir)
    meta = read_meta(out)
    ready = json.loads((out / "ready.json").read_text()) if (out / "ready.json").exists() else None
    md = []
    md.append(f"# sportsgate benchmark ({meta.get('date', '?')})")
    md.append("")
    md.append(
        f"Commit `{meta.get('commit', '?')}`{' (with uncommitted changes)' if meta.get('dirty') == '1' else ''}; "
        f"{meta.get('cpu', '?')}, {meta.get('nproc', '?')} CPUs; load average before/after: "
        f"{meta.get('load_before', '?')} / {meta.get('load_after', '?')}."
    )
    md.append("")
    md.append(
        f"Load: {meta.get('wrk_version', 'wrk')}, {meta.get('threads')} threads, {meta.get('connections')} "
        f"keep-alive connections, {meta.get('warmup')} s warm-up then {meta.get('duration')} s measured, per "
        f"route and server, loopback only. **The load generator shares the {meta.get('nproc', '?')} CPUs with "
        "the server under test**, so req/s is what server + client together reach on this machine, and the "
        "server-CPU-per-request column is the fairer efficiency figure. Latency is wrk's (closed loop: "
        "each connection sends its next request when the previous answer arrives)."
    )
    md.append("")
    md.append(
        f"sportsgate: {meta.get('binary_desc', 'release build')}, replay provider, default settings, {meta.get('sg_stdout', '?')}. "
        f"nginx {meta.get('nginx_version', '?')}: the byte-identical bodies as static files, "
        f"worker_processes {meta.get('nginx_workers', '?')}, access_log off, sendfile, open_file_cache, "
        "keepalive_requests 1000000."
    )
    md.append("")

    rows, ratio_rows = [], []
    for key, path in ROUTES:
        runs = {s: load_run(out, f"{key}.{s}") for s in SERVERS}
        for s in SERVERS:
            r = runs[s]
            if r is None:
                continue
            rows.append([
                f"`{path}`", s, f"{r['rps']:,.0f}", ms(r["lat_us"]["p50"]), ms(r["lat_us"]["p99"]),
                ms(r["lat_us"]["max"]), cpu_per_req(r), f"{r['bytes'] / max(r['requests'], 1):,.0f} B",
            ])
        if runs["sportsgate"] and runs["nginx"]:
            a, b = runs["sportsgate"], runs["nginx"]
            ratio_rows.append([
                f"`{path}`", f"{a['rps'] / b['rps']:.2f}×",
                f"{a['lat_us']['p99'] / max(b['lat_us']['p99'], 1):.2f}×",
                f"{(a['cpu_s'] / a['requests']) / (b['cpu_s'] / b['requests']):.2f}×"
                if a.get("cpu_s") and b.get("cpu_s") else "n/a",
            ])
    md.append("## Throughput and latency")
    md.append("")
    md += table(["route", "server", "req/s", "p50", "p99", "max", "server CPU / req", "bytes / resp (incl. headers)"], rows)
    md.append("")
    md.append("## sportsgate ÷ nginx")
    md.append("")
    md += table(["route", "req/s ratio (higher is better)", "p99 ratio (lower is better)", "CPU/req ratio (lower is better)"], ratio_rows)
    md.append("")

    md.append("## sportsgate process")
    md.append("")
    facts = []
    if "binary_bytes" in meta:
        facts.append(["release binary size", f"{int(meta['binary_bytes']) / 1048576:.1f} MiB ({int(meta['binary_bytes']):,} bytes{', ' + meta['binary_kind'] if meta.get('binary_kind') else ''})"])
    if ready:
        facts.append(["start-to-ready (exec → first 200 from /healthz)",
                      f"median {ready['median_ms']:.1f} ms over {len(ready['runs_ms'])} starts "
                      f"(min {ready['min_ms']:.1f}, max {ready['max_ms']:.1f})"])
    if "cold_games_ms" in meta:
        facts.append(["first `/v1/leagues/nfl/games` after start (cache miss, replay read + normalize + render)", f"{meta['cold_games_ms']} ms"])
    if "rss_idle_kib" in meta:
        facts.append(["RSS idle after start", mib(meta["rss_idle_kib"])])
    if "rss_sampled_max_kib" in meta:
        facts.append(["RSS under load (max of samples every 0.2 s)", mib(meta["rss_sampled_max_kib"])])
    if "rss_hwm_kib" in meta:
        facts.append(["RSS peak (VmHWM, whole life)", mib(meta["rss_hwm_kib"])])
    if "rss_after_kib" in meta:
        facts.append(["RSS after the load", mib(meta["rss_after_kib"])])
    if "rss_after_kib" in meta and "rss_idle_kib" in meta and meta.get("sg_requests"):
        grew = int(meta["rss_after_kib"]) - int(meta["rss_idle_kib"])
        n = int(meta["sg_requests"])
        facts.append([f"RSS growth over the {n:,} requests served (no /metrics scrape until the end)",
                      f"{grew / 1024:.1f} MiB ≈ {grew * 1024 / max(n, 1):.0f} B per request"])
    if "nginx_rss_kib" in meta:
        facts.append(["for comparison: nginx master + workers RSS after load (sum, shared pages counted twice)", mib(meta["nginx_rss_kib"])])
    md += table(["measure", "value"], facts)
    md.append("")

    extra_rows = []
    for label, path, what in EXTRAS:
        r = load_run(out, label)
        if r is None:
            continue
        extra_rows.append([f"`{path}`", what, f"{r['rps']:,.0f}", ms(r["lat_us"]["p50"]), ms(r["lat_us"]["p99"]), cpu_per_req(r)])
    if len(extra_rows) > 1:
        md.append("## Where sportsgate's time goes (same load, sportsgate only)")
        md.append("")
        md += table(["route", "variant", "req/s", "p50", "p99", "server CPU / req"], extra_rows)
        if "log_bytes_per_req" in meta:
            md.append("")
            md.append(f"The access log writes {meta['log_bytes_per_req']} bytes a request (one JSON line).")
        anon, keyed = load_run(out, "games.sportsgate"), load_run(out, "games.sportsgate-key")
        if anon and keyed:
            md.append("")
            md.append(
                f"Cost of the API-key path (key check + GCRA + quota + usage accounting) against the anonymous "
                f"unmetered baseline: throughput {keyed['rps'] / anon['rps']:.2f}× "
                f"({(1 - keyed['rps'] / anon['rps']) * 100:+.1f}% lost), p99 "
                f"{keyed['lat_us']['p99'] / max(anon['lat_us']['p99'], 1):.2f}×."
            )
        md.append("")
    notes = out / "notes.txt"
    if notes.exists() and notes.read_text().strip():
        md.append("## Notes from this run")
        md.append("")
        md += [f"- {line}" for line in notes.read_text().strip().splitlines()]
        md.append("")
    text = "\n".join(md)
    (out / "summary.md").write_text(text)
    print(text)
    return 0


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in ("check", "metrics", "report"):
        print(__doc__, file=sys.stderr)
        return 2
    return {"check": check, "metrics": metrics, "report": report}[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    sys.exit(main())
