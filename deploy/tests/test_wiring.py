"""The deployment checked against itself and against the binary it deploys: ports line
up end to end, the security-group graph is exactly the request path, every secret ARN
points at the parameter named like its variable, the health checks and public routes hit
paths the binary serves, and every variable Terraform, compose or the Dockerfile sets is
one the binary reads (`sportsgate config --env-names`)."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import hcl2

from conftest import http_status
from tfmodel import _OPTIONS, COMPOSE, ROOT, TF_DIR, Config, as_list, container_definitions, dockerfile_instructions

CONTAINER_PORT = 8080
# The no-Docker recipe (three replicas behind nginx on loopback).
LOCAL_SCRIPT = ROOT / "deploy" / "local" / "run-replicas.sh"
# Operations endpoints: probed and scraped inside the VPC, never routed publicly.
PRIVATE_PATHS = {"/metrics", "/readyz"}
# Set for the container but read by the OS layer, not sportsgate's config: SQLite and
# the standard library put temporary files in TMPDIR (the root filesystem is read-only).
PROCESS_ENV = {"TMPDIR"}


def _int(tf: Config, module: str, value: Any) -> Any:
    """A literal, or the default of the module variable it names (the expression itself
    when the variable has no default)."""
    if isinstance(value, str):
        m = re.fullmatch(r"\$\{var\.([A-Za-z0-9_]+)\}", value)
        if m and tf.variables[module][m.group(1)].get("default") is not None:
            return tf.variables[module][m.group(1)]["default"]
    return value


# --------------------------------------------------------------------------- #
# Ports
# --------------------------------------------------------------------------- #


def test_container_port_is_one_number_from_dockerfile_to_alb(tf: Config) -> None:
    for module in ("security_groups", "alb", "ecs_service"):
        assert tf.module_call(module).body["container_port"] == CONTAINER_PORT, module
    instructions = dockerfile_instructions()
    exposed = " ".join(arg for kw, arg in instructions if kw == "EXPOSE").split()
    assert exposed == [str(CONTAINER_PORT)], exposed
    env = " ".join(arg for kw, arg in instructions if kw == "ENV")
    assert re.search(rf"SPORTSGATE_LISTEN=0\.0\.0\.0:{CONTAINER_PORT}\b", env), env
    # The task's listen address and port mapping use the same variable the SGs and the
    # target group get.
    for td, cdef in container_definitions(tf):
        env_by_name = {e["name"]: e.get("value") for e in tf.entries(td.module, cdef["environment"])}
        assert env_by_name["SPORTSGATE_LISTEN"] == "0.0.0.0:${var.container_port}", env_by_name
        assert [p["containerPort"] for p in cdef["portMappings"]] == ["${var.container_port}"]
    (tg,) = tf.of_type("aws_lb_target_group")
    assert tg.body["port"] == "${var.container_port}" and tg.body["health_check"][0]["port"] == "traffic-port"


def test_listener_port_follows_the_certificate_on_both_ends(tf: Config) -> None:
    listeners = {l.name: l.body for l in tf.of_type("aws_lb_listener")}
    assert listeners["http"]["port"] == 80 and listeners["https"]["port"] == 443
    assert listeners["http"]["count"] == "${local.https ? 0 : 1}"
    assert listeners["https"]["count"] == "${local.https ? 1 : 0}"
    assert tf.local("modules/alb", "https") == "${var.certificate_arn != null}"
    assert tf.module_call("alb").body["certificate_arn"] == "${var.alb_certificate_arn}"
    # The SG rules between VPC link and ALB open the port the listener really has.
    assert tf.local(".", "https_listener") == "${var.alb_certificate_arn != null}"
    assert tf.module_call("security_groups").body["listener_port"] == "${local.https_listener ? 443 : 80}"
    assert tf.module_call("api_gateway").body["alb_listener_arn"] == "${module.alb.listener_arn}"
    assert tf.output("modules/alb", "listener_arn") == (
        "${local.https ? aws_lb_listener.https[0].arn : aws_lb_listener.http[0].arn}"
    )


# --------------------------------------------------------------------------- #
# Security-group graph
# --------------------------------------------------------------------------- #


def _sg_name(tf: Config, module: str, expr: str, depth: int = 0) -> str:
    """Resolve an SG id expression (across module outputs) to `<module>/<resource name>`."""
    assert depth < 10, expr
    m = re.fullmatch(r"\$\{aws_security_group\.([a-z_]+)(?:\[0\])?\.id\}", expr)
    if m:
        return f"{module.split('/')[-1]}/{m.group(1)}"
    m = re.fullmatch(r"\$\{var\.([a-z_]+)\}", expr)
    assert m, f"{module}: unexpected security group expression {expr!r}"
    passed = tf.call_of(module).body[m.group(1)]
    m = re.fullmatch(r"\$\{module\.([a-z_]+)\.([a-z_]+)\}", passed)
    assert m, f"root passes {passed!r} to {module}"
    source = tf.module_call(m.group(1)).body["source"].removeprefix("./")
    return _sg_name(tf, source, "${" + tf.output(source, m.group(2)).strip("${}") + "}", depth + 1)


def _sg_edges(tf: Config, kind: str) -> set[tuple[str, str, Any]]:
    """(from, to, port) for every SG-to-SG rule of `kind` (ingress or egress)."""
    edges = set()
    for rule in tf.of_type(f"aws_vpc_security_group_{kind}_rule"):
        ref = rule.body.get("referenced_security_group_id")
        if ref is None:
            continue
        own = _sg_name(tf, rule.module, rule.body["security_group_id"])
        other = _sg_name(tf, rule.module, ref)
        port = _int(tf, rule.module, rule.body["from_port"])
        assert rule.body["to_port"] == rule.body["from_port"], f"{rule.address}: one port per rule"
        edges.add((other, own, port) if kind == "ingress" else (own, other, port))
    return edges


def test_security_group_graph_is_exactly_the_request_path(tf: Config) -> None:
    ingress = _sg_edges(tf, "ingress")
    egress = _sg_edges(tf, "egress")
    listener = "${var.listener_port}"
    expected = {
        ("security_groups/vpc_link", "security_groups/alb", listener),
        ("security_groups/alb", "security_groups/tasks", CONTAINER_PORT),
        ("security_groups/tasks", "data_stores/postgres", 5432),
        ("security_groups/tasks", "data_stores/redis", 6379),
    }
    assert ingress == expected, f"ingress edges: {sorted(ingress, key=str)}"
    # Each hop is opened on both ends (egress of the caller, ingress of the callee).
    assert egress == expected, f"egress edges: {sorted(egress, key=str)}"
    # Only the interface endpoints admit a CIDR (the VPC's own), only on 443.
    cidr_rules = [
        r
        for r in tf.of_type("aws_vpc_security_group_ingress_rule")
        if "referenced_security_group_id" not in r.body
    ]
    assert [r.address for r in cidr_rules] == ["modules/network:aws_vpc_security_group_ingress_rule.endpoints_https"]
    assert cidr_rules[0].body["cidr_ipv4"] == "${aws_vpc.this.cidr_block}" and cidr_rules[0].body["from_port"] == 443


# --------------------------------------------------------------------------- #
# Secrets: variable name -> SSM parameter named the same
# --------------------------------------------------------------------------- #


def test_every_secret_arn_points_at_the_parameter_named_like_its_variable(tf: Config) -> None:
    ((td, cdef),) = container_definitions(tf)
    secrets = list(tf.entries(td.module, cdef["secrets"]))
    assert {s["name"] for s in secrets} == {
        "SPORTS_API_KEY",
        "SPORTSGATE_ADMIN_TOKEN",
        "SPORTSGATE_DATABASE_URL",
        "SPORTSGATE_REDIS_URL",
    }
    ecs_call = tf.call_of("modules/ecs_service").body
    for secret in secrets:
        var = re.fullmatch(r"\$\{var\.([a-z_]+)\}", secret["valueFrom"]).group(1)
        passed = ecs_call[var]
        m = re.fullmatch(r"\$\{module\.([a-z_]+)\.([a-z_]+)\}", passed)
        assert m, f"{var} = {passed!r}"
        source = tf.module_call(m.group(1)).body["source"].removeprefix("./")
        value = tf.output(source, m.group(2))
        params = set(re.findall(r"aws_ssm_parameter\.([a-z_]+)(?:\[0\])?\.arn", value))
        assert len(params) == 1, f"{source} output {m.group(2)} = {value!r}"
        (param,) = [p for p in tf.of_type("aws_ssm_parameter") if p.module == source and p.name in params]
        assert param.body["name"] == "${var.parameter_prefix}/" + secret["name"], (secret["name"], param.body["name"])
        assert param.body["type"] == "SecureString"


# --------------------------------------------------------------------------- #
# Against the binary
# --------------------------------------------------------------------------- #


def _task_env_names(tf: Config) -> set[str]:
    ((td, cdef),) = container_definitions(tf)
    names = {e["name"] for e in tf.entries(td.module, cdef["environment"])}
    names |= {s["name"] for s in tf.entries(td.module, cdef["secrets"])}
    # extra_environment: the root's own additions and the examples' values.
    names |= set(re.findall(r"\b([A-Z][A-Z0-9_]{2,}) = ", json.dumps(tf.local(".", "extra_environment"))))
    for example in sorted((TF_DIR / "examples").glob("*.example")):
        doc = hcl2.loads(example.read_text(encoding="utf-8"), serialization_options=_OPTIONS)
        names |= set(doc.get("extra_environment", {}))
    return names


def test_every_variable_the_deployment_sets_is_read_by_the_binary(tf: Config, compose: dict, env_names: set[str]) -> None:
    task = _task_env_names(tf)
    assert {"SPORTSGATE_LISTEN", "SPORTS_API_KEY", "SPORTSGATE_SERPAPI_MONTHLY_BUDGET", "SPORTSGATE_TTL_LIVE"} <= task
    shared = {"SPORTSGATE_DATABASE_URL", "SPORTSGATE_REDIS_URL"}
    assert shared <= task, "every task must reach the shared PostgreSQL and Redis"
    app = compose["services"]["sportsgate"]
    compose_env = set(app.get("environment", {}))
    assert shared <= compose_env, "compose's replicas must share its postgres and redis"
    local_script = set(re.findall(r"\b(SPORTS[A-Z0-9_]*)=", LOCAL_SCRIPT.read_text(encoding="utf-8")))
    assert shared <= local_script, "the no-Docker replicas must share PostgreSQL and Redis"
    example = (ROOT / "deploy" / "compose" / "env.example").read_text(encoding="utf-8")
    # .env is the app's env_file: every SPORTS* name it documents reaches the binary.
    # Names compose.yaml interpolates (e.g. the LB's published port) are compose's own.
    interpolated = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text(encoding="utf-8")))
    env_file = set(re.findall(r"^\s*#?\s*(SPORTS[A-Z0-9_]*)=", example, re.M)) - interpolated
    docker_env = {
        pair.split("=", 1)[0] for kw, arg in dockerfile_instructions() if kw == "ENV" for pair in arg.split()
    }
    for origin, names in (
        ("Terraform task definition", task),
        ("compose.yaml", compose_env),
        ("deploy/compose/env.example", env_file),
        ("Dockerfile", docker_env),
        ("deploy/local/run-replicas.sh", local_script),
    ):
        assert names, f"nothing found in {origin}"
        unread = names - env_names - PROCESS_ENV
        assert not unread, f"{origin} sets {sorted(unread)}, which sportsgate never reads"


def test_alb_and_container_health_checks_hit_what_the_binary_serves(tf: Config, server, binary: Path) -> None:
    (tg,) = tf.of_type("aws_lb_target_group")
    hc = tg.body["health_check"][0]
    # Liveness, not readiness: /readyz is 503 while PostgreSQL is unreachable, and ECS replaces
    # tasks failing this check, which would drop the keys they keep serving from memory.
    assert hc["path"] == "/healthz", hc["path"]
    assert http_status(server.base + hc["path"]) == int(hc["matcher"]), hc["path"]
    ((_, cdef),) = container_definitions(tf)
    command = cdef["healthCheck"]["command"]
    assert command[0] == "CMD", command
    # The image installs the binary at the path the command names...
    copies = [arg for kw, arg in dockerfile_instructions() if kw == "COPY" and "/out/sportsgate" in arg]
    assert copies and copies[-1].split()[-1] == command[1], (copies, command)
    # ...and that subcommand really checks a server: 0 against ours, 1 against nothing.
    ok = subprocess.run([binary, *command[2:], "--url", f"{server.base}/healthz"], capture_output=True, timeout=30, env={})
    assert ok.returncode == 0, ok.stdout
    dead = subprocess.run([binary, *command[2:], "--url", "http://127.0.0.1:9/healthz"], capture_output=True, timeout=30, env={})
    assert dead.returncode == 1


def _matches(route_key: str, path: str) -> bool:
    """API Gateway HTTP API matching: exact path, `{name}` one segment, `{name+}` the rest."""
    route = route_key.split(" ", 1)[1]
    segments = route.strip("/").split("/") if route != "/" else []
    pattern = "^"
    for segment in segments:
        if re.fullmatch(r"\{[A-Za-z0-9_]+\+\}", segment):
            pattern += "/.+"
        elif re.fullmatch(r"\{[A-Za-z0-9_]+\}", segment):
            pattern += "/[^/]+"
        else:
            pattern += "/" + re.escape(segment)
    return re.match((pattern if segments else "^/") + "$", path) is not None


def _binary_paths(base: str) -> set[str]:
    with urllib.request.urlopen(f"{base}/openapi.json", timeout=10) as r:
        paths = json.load(r)["paths"]
    concrete = {re.sub(r"\{[^}]+\}", "nfl", p) for p in paths}
    return concrete | {"/openapi.json", "/docs", "/docs/index.css", "/assets/app.css"}


def test_public_routes_cover_the_api_and_nothing_private(tf: Config, server) -> None:
    public = tf.local("modules/api_gateway", "public_route_keys")
    admin = tf.local("modules/api_gateway", "admin_route_keys")
    assert tf.variables["modules/api_gateway"]["expose_admin"]["default"] is False
    assert tf.variables["."]["expose_admin"]["default"] is False
    assert "$default" not in json.dumps([r.body for r in tf.of_type("aws_apigatewayv2_route")])
    paths = _binary_paths(server.base)
    assert PRIVATE_PATHS <= paths, "the binary's operations endpoints moved: update PRIVATE_PATHS"
    for path in sorted(paths):
        public_hit = [r for r in public if _matches(r, path)]
        admin_hit = [r for r in admin if _matches(r, path)]
        if path in PRIVATE_PATHS:
            assert not public_hit and not admin_hit, f"{path} must not be routed publicly: {public_hit + admin_hit}"
        elif path.startswith("/admin"):
            assert not public_hit and admin_hit, f"{path}: only the admin routes (expose_admin) may reach it"
        else:
            assert public_hit, f"the binary serves {path} but no public route reaches it"
    # Every route reaches something real, probed on the binary.
    for route in public + admin:
        hits = sorted(p for p in paths if _matches(route, p))
        assert hits, f"{route} reaches no path the binary serves"
        assert http_status(server.base + hits[0]) != 404, f"{route}: {hits[0]} answers 404"


def _filter_matches(pattern: str, line: dict) -> bool:
    """CloudWatch Logs JSON filter `{ ($.a.b = N) || ... }` evaluated on one log line."""
    terms = re.findall(r"\(\s*\$\.([A-Za-z0-9_.]+)\s*=\s*(\d+)\s*\)", pattern)
    assert terms and set(re.sub(r"\(\s*\$\.[A-Za-z0-9_.]+\s*=\s*\d+\s*\)", "", pattern)) <= set("{}| "), pattern

    def lookup(path: str) -> Any:
        node: Any = line
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node

    return any(lookup(path) == int(value) for path, value in terms)


def _log_lines(server) -> list[dict]:
    return [json.loads(l) for l in server.log.read_text(encoding="utf-8").splitlines() if l.startswith("{")]


def test_rate_limit_alarm_filter_matches_the_binarys_429_log_line(tf: Config, server) -> None:
    before = len(_log_lines(server))
    statuses = [http_status(f"{server.base}/v1/leagues") for _ in range(40)]
    assert 429 in statuses, f"anonymous burst not limited: {statuses}"
    # The access log is written in batches by a background thread: wait (bounded) until
    # all 40 lines are out, nudging it with a request to another route.
    deadline = time.monotonic() + 10
    while True:
        lines = [l for l in _log_lines(server)[before:] if l.get("route") == "/v1/leagues"]
        if len(lines) >= len(statuses) or time.monotonic() > deadline:
            break
        http_status(f"{server.base}/healthz")
        time.sleep(0.1)
    pattern = tf.variables["."]["rate_limit_log_pattern"]["default"]
    assert tf.module_call("monitoring").body["rate_limit_log_pattern"] == "${var.rate_limit_log_pattern}"
    matched = [l for l in lines if _filter_matches(pattern, l)]
    assert len(matched) == statuses.count(429), f"{pattern}: {len(matched)} lines for {statuses.count(429)} 429s"
    assert all(l.get("status") == 429 for l in matched)


def test_metrics_listen_only_on_the_tasks_loopback(tf: Config) -> None:
    ((td, cdef),) = container_definitions(tf)
    env = {e["name"]: e.get("value") for e in tf.entries(td.module, cdef["environment"])}
    host, _, port = env["SPORTSGATE_METRICS_LISTEN"].rpartition(":")
    assert host == "127.0.0.1" and int(port) != CONTAINER_PORT, env["SPORTSGATE_METRICS_LISTEN"]
    # Nothing maps that port out of the task.
    assert [p["containerPort"] for p in cdef["portMappings"]] == ["${var.container_port}"]
