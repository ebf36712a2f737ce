"""Security properties of the deployment files, checked statically (deploy/README.md,
"Security properties"). Every test first asserts that the things it inspects exist, so
deleting a resource fails the test instead of silently passing it.

Run: deploy/.venv/tests/bin/pytest deploy/tests  (deploy/ci-checks.sh does it).
"""

from __future__ import annotations

import json
import re
from typing import Any

import hcl2
import pytest
import yaml

from tfmodel import (
    _OPTIONS,
    COMPOSE,
    CREDENTIAL_URL_NAMES,
    EXPECTED_MODULES,
    NO_RESOURCE_LEVEL_ACTIONS,
    OPEN_CIDRS,
    ROOT,
    SECRET_ENV_NAMES,
    TF_DIR,
    Block,
    Config,
    as_list,
    container_definitions,
    dockerfile_instructions,
    final_stage,
    flatten_strings,
)


# --------------------------------------------------------------------------- #
# Terraform: inventory
# --------------------------------------------------------------------------- #


def test_terraform_tree_is_complete(tf: Config) -> None:
    modules = {p.parent.name for p in tf.files if p.parent.parent.name == "modules"}
    assert EXPECTED_MODULES <= modules, f"missing modules: {EXPECTED_MODULES - modules}"
    for required in ("versions.tf", "variables.tf", "outputs.tf", "main.tf"):
        assert (TF_DIR / required).is_file(), f"root {required} missing"
    for name in EXPECTED_MODULES:
        assert tf.module_call(name).body["source"] == f"./modules/{name}"
    assert (TF_DIR / "examples" / "terraform.tfvars.example").is_file()


def test_aws_provider_is_pinned(tf: Config) -> None:
    versions = hcl2.load((TF_DIR / "versions.tf").open(), serialization_options=_OPTIONS)
    terraform_block = versions["terraform"][0]
    providers = terraform_block["required_providers"][0]
    aws = providers["aws"]
    assert aws["source"] == "hashicorp/aws"
    assert re.match(r"^(~>|>=)\s*\d+\.\d+", aws["version"]), aws["version"]
    assert "required_version" in terraform_block


def test_root_variables_are_validated(tf: Config) -> None:
    root_vars = tf.variables["."]
    for name in ("aws_region", "image_tag", "cpu_architecture", "task_cpu", "log_retention_days", "vpc_cidr"):
        assert name in root_vars, f"variable {name} missing"
        assert root_vars[name].get("validation"), f"variable {name} has no validation"
    for secret in ("sports_api_key", "admin_token"):
        assert root_vars[secret].get("sensitive") is True, f"{secret} must be sensitive"
        assert root_vars[secret].get("ephemeral") is True, f"{secret} must be ephemeral (kept out of state)"
        assert root_vars[secret].get("default") is None


# --------------------------------------------------------------------------- #
# Terraform: network exposure
# --------------------------------------------------------------------------- #


def ingress_rules(tf: Config) -> list[tuple[str, dict]]:
    rules: list[tuple[str, dict]] = []
    for sg in tf.of_type("aws_security_group"):
        for inline in as_list(sg.body.get("ingress")):
            rules.append((sg.address + " (inline)", inline))
    for rule in tf.of_type("aws_security_group_rule"):
        if rule.body.get("type") == "ingress":
            rules.append((rule.address, rule.body))
    for rule in tf.of_type("aws_vpc_security_group_ingress_rule"):
        rules.append((rule.address, rule.body))
    return rules


def test_no_ingress_from_the_internet(tf: Config) -> None:
    rules = ingress_rules(tf)
    assert len(rules) >= 4, f"expected the VPC-link, ALB, task and endpoint ingress rules, found {len(rules)}"
    for address, rule in rules:
        cidrs = set()
        for key in ("cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6"):
            cidrs.update(flatten_strings(rule.get(key)))
        assert not cidrs & OPEN_CIDRS, f"{address} allows ingress from {cidrs & OPEN_CIDRS}"
    # Nothing public may be attached to a load balancer or a task.
    for sg in tf.of_type("aws_security_group"):
        assert "ingress" not in sg.body, f"{sg.address}: use separate ingress rule resources"


def test_alb_is_internal(tf: Config) -> None:
    albs = tf.of_type("aws_lb") + tf.of_type("aws_alb")
    assert albs, "no load balancer found"
    for alb in albs:
        assert alb.body.get("internal") is True, f"{alb.address} must be internal"
        assert alb.body.get("drop_invalid_header_fields") is True, f"{alb.address} must drop invalid headers"
        assert "enable_deletion_protection" in alb.body
    # ...placed in the private subnets by the root module.
    assert tf.module_call("alb").body["subnet_ids"] == "${module.network.private_subnet_ids}"


def test_public_subnets_do_not_assign_public_ips(tf: Config) -> None:
    subnets = tf.of_type("aws_subnet")
    assert len(subnets) >= 2
    for subnet in subnets:
        assert subnet.body.get("map_public_ip_on_launch", False) is False, subnet.address


def _port(tf: Config, module: str, value: Any) -> Any:
    """A port literal, or the default of the module variable it names."""
    if isinstance(value, str):
        m = re.fullmatch(r"\$\{var\.([A-Za-z0-9_]+)\}", value)
        if m:
            return tf.variables[module][m.group(1)].get("default")
    return value


def test_task_ingress_only_from_alb_on_8080(tf: Config) -> None:
    tasks_sg = [sg for sg in tf.of_type("aws_security_group") if sg.name == "tasks"]
    assert len(tasks_sg) == 1, "expected exactly one tasks security group"
    sg = tasks_sg[0]
    own_ref = f"${{aws_security_group.{sg.name}.id}}"
    rules = [
        r
        for r in tf.of_type("aws_vpc_security_group_ingress_rule") + tf.of_type("aws_security_group_rule")
        if (r.module == sg.module and r.body.get("security_group_id") == own_ref)
        or r.body.get("security_group_id") == "${var.tasks_security_group_id}"
    ]
    rules = [r for r in rules if r.kind != "aws_security_group_rule" or r.body.get("type") == "ingress"]
    assert len(rules) == 1, f"the tasks SG must have exactly one ingress rule, found {[r.address for r in rules]}"
    rule = rules[0].body
    assert rule.get("referenced_security_group_id") == "${aws_security_group.alb.id}", rule
    for key in ("cidr_ipv4", "cidr_ipv6", "cidr_blocks", "prefix_list_id"):
        assert key not in rule, f"tasks ingress must not use {key}"
    assert rule.get("ip_protocol") == "tcp"
    assert _port(tf, sg.module, rule["from_port"]) == 8080
    assert _port(tf, sg.module, rule["to_port"]) == 8080
    assert tf.module_call("security_groups").body.get("container_port", 8080) == 8080


def test_alb_ingress_only_from_vpc_link(tf: Config) -> None:
    rules = [
        r
        for r in tf.of_type("aws_vpc_security_group_ingress_rule")
        if r.body.get("security_group_id") == "${aws_security_group.alb.id}"
    ]
    assert len(rules) == 1, [r.address for r in rules]
    assert rules[0].body["referenced_security_group_id"] == "${aws_security_group.vpc_link.id}"
    assert rules[0].body["from_port"] == rules[0].body["to_port"] == "${var.listener_port}"


def test_security_groups_are_attached(tf: Config) -> None:
    """Backs the CKV2_AWS_5 skips: each SG is wired to its consumer."""
    assert tf.module_call("alb").body["security_group_id"] == "${module.security_groups.alb_security_group_id}"
    assert tf.module_call("ecs_service").body["security_group_id"] == "${module.security_groups.tasks_security_group_id}"
    assert (
        tf.module_call("api_gateway").body["vpc_link_security_group_id"]
        == "${module.security_groups.vpc_link_security_group_id}"
    )
    (alb,) = tf.of_type("aws_lb")
    assert alb.body["security_groups"] == ["${var.security_group_id}"]
    (link,) = tf.of_type("aws_apigatewayv2_vpc_link")
    assert link.body["security_group_ids"] == ["${var.vpc_link_security_group_id}"]
    (service,) = tf.of_type("aws_ecs_service")
    assert service.body["network_configuration"][0]["security_groups"] == ["${var.security_group_id}"]


def test_ecs_service_is_private_and_rolls_back(tf: Config) -> None:
    services = tf.of_type("aws_ecs_service")
    assert services, "no ECS service"
    for service in services:
        net = as_list(service.body.get("network_configuration"))
        assert net and net[0].get("assign_public_ip") is False, f"{service.address} must not get public IPs"
        breaker = as_list(service.body.get("deployment_circuit_breaker"))
        assert breaker and breaker[0].get("enable") is True and breaker[0].get("rollback") is True
        assert _port(tf, service.module, service.body["desired_count"]) >= 2
    assert tf.module_call("ecs_service").body["subnet_ids"] == "${module.network.private_subnet_ids}"


def test_api_gateway_reaches_alb_through_vpc_link(tf: Config) -> None:
    integrations = tf.of_type("aws_apigatewayv2_integration")
    assert integrations
    for integ in integrations:
        assert integ.body.get("connection_type") == "VPC_LINK"
        # The stage name must not leak into the backend path (/prod/healthz).
        assert integ.body.get("request_parameters", {}).get("overwrite:path") == "$request.path"
    (stage,) = tf.of_type("aws_apigatewayv2_stage")
    assert stage.body.get("access_log_settings"), "stage needs access logs"
    throttle = stage.body["default_route_settings"][0]
    assert "throttling_burst_limit" in throttle and "throttling_rate_limit" in throttle
    assert tf.module_call("api_gateway").body.get("stage_name") == "prod"


# --------------------------------------------------------------------------- #
# Terraform: containers and secrets
# --------------------------------------------------------------------------- #


def test_secrets_come_from_ssm_not_environment(tf: Config) -> None:
    defs = container_definitions(tf)
    for td, cdef in defs:
        secrets = list(tf.entries(td.module, cdef.get("secrets")))
        by_name = {s.get("name"): s for s in secrets}
        for name in SECRET_ENV_NAMES:
            assert name in by_name, f"{td.address}: {name} must be in `secrets`"
            value_from = by_name[name].get("valueFrom")
            assert value_from, f"{td.address}: {name} needs valueFrom"
            assert re.fullmatch(r"\$\{var\.[a-z_]+_parameter_arn\}", value_from), (
                f"{td.address}: {name} valueFrom must be an SSM parameter ARN variable, got {value_from!r}"
            )
        for name in CREDENTIAL_URL_NAMES:
            if name in by_name:
                assert by_name[name].get("valueFrom"), f"{name} must use valueFrom"

        env_entries = list(tf.entries(td.module, cdef.get("environment")))
        assert env_entries, f"{td.address}: environment is empty/unreadable"
        env_names = {e.get("name") for e in env_entries}
        assert not env_names & SECRET_ENV_NAMES, f"secrets in environment: {env_names & SECRET_ENV_NAMES}"
        # The shared stores' URLs are secrets only: no plain (e.g. per-task SQLite) fallback.
        assert not env_names & CREDENTIAL_URL_NAMES, f"plain env: {env_names & CREDENTIAL_URL_NAMES}"
        # No secret name hides anywhere in the raw environment expression either.
        raw_env = json.dumps(tf.resolve(td.module, cdef.get("environment")))
        for name in SECRET_ENV_NAMES:
            assert name not in raw_env

    # The parameters those ARNs point at are KMS-encrypted SecureStrings...
    # (The release template parameter holds a task-definition ARN, not a secret.)
    params = [p for p in tf.of_type("aws_ssm_parameter") if p.name != "release_template"]
    assert len(params) >= 2
    names = {p.name for p in params}
    assert {"sports_api_key", "admin_token"} <= names
    for param in params:
        assert param.body.get("type") == "SecureString", f"{param.address} must be a SecureString"
        assert param.body.get("key_id"), f"{param.address} must use the CMK"
        literal = param.body.get("value")
        assert literal is None or "${" in literal, f"{param.address} has a literal secret value"
    # ...and the root module wires exactly those into the service.
    ecs = tf.module_call("ecs_service").body
    assert ecs["sports_api_key_parameter_arn"] == "${module.secrets.sports_api_key_parameter_arn}"
    assert ecs["admin_token_parameter_arn"] == "${module.secrets.admin_token_parameter_arn}"
    # Plain extra environment refuses secret names.
    extra = tf.variables["modules/ecs_service"]["extra_environment"]
    assert "SPORTS_API_KEY" in json.dumps(extra["validation"])


def test_containers_are_locked_down(tf: Config) -> None:
    for td, cdef in container_definitions(tf):
        assert cdef.get("readonlyRootFilesystem") is True, f"{td.address}: readonlyRootFilesystem must be true"
        user = str(cdef.get("user", ""))
        assert user and user.split(":")[0] not in {"0", "root"}, f"{td.address}: must run as non-root, got {user!r}"
        assert cdef.get("privileged") is False
        assert cdef.get("stopTimeout") == 30
        health = cdef.get("healthCheck", {}).get("command", [])
        assert health[:1] == ["CMD"] and "healthcheck" in health, f"healthCheck must exec `sportsgate healthcheck`: {health}"
        log = cdef.get("logConfiguration", {})
        assert log.get("logDriver") == "awslogs"
        assert log["options"]["awslogs-group"].startswith("${aws_cloudwatch_log_group.")
        drop = cdef.get("linuxParameters", {}).get("capabilities", {}).get("drop", [])
        assert "ALL" in drop
        platform = td.body["runtime_platform"][0]
        assert platform["cpu_architecture"] == "${var.cpu_architecture}"
    arch = tf.variables["modules/ecs_service"]["cpu_architecture"]
    assert "ARM64" in json.dumps(arch["validation"]) and "X86_64" in json.dumps(arch["validation"])


def test_log_groups_have_retention_and_kms(tf: Config) -> None:
    groups = tf.of_type("aws_cloudwatch_log_group")
    assert len(groups) >= 3, "expected app, API access and flow-log groups"
    for group in groups:
        assert group.body.get("retention_in_days") not in (None, 0), f"{group.address} needs retention_in_days"
        assert group.body.get("kms_key_id"), f"{group.address} needs kms_key_id"
    retention = tf.variables["."]["log_retention_days"]
    assert retention["default"] >= 365


def test_ecr_is_immutable_and_scanned(tf: Config) -> None:
    repos = {r.name: r for r in tf.of_type("aws_ecr_repository")}
    assert {"this", "build_cache"} <= set(repos), set(repos)
    release = repos["this"]
    assert release.body.get("image_tag_mutability") == "IMMUTABLE", release.address
    for repo in repos.values():
        scanning = as_list(repo.body.get("image_scanning_configuration"))
        assert scanning and scanning[0].get("scan_on_push") is True, repo.address
        enc = as_list(repo.body.get("encryption_configuration"))
        assert enc and enc[0].get("encryption_type") == "KMS" and enc[0].get("kms_key"), repo.address
    # Only the build cache may rewrite a tag, and nothing deploys from it: the release
    # role pushes to and the execution role pulls from the release repository only.
    assert tf.module_call("ecs_service").body["ecr_repository_arn"] == "${module.ecr.repository_arn}"
    assert tf.module_call("ci_deploy_role").body["ecr_repository_arn"] == "${module.ecr.repository_arn}"


# --------------------------------------------------------------------------- #
# Terraform: IAM
# --------------------------------------------------------------------------- #


def policy_statements(tf: Config) -> list[tuple[Block, dict]]:
    docs = tf.data_of_type("aws_iam_policy_document")
    assert docs, "no aws_iam_policy_document found"
    return [(doc, st) for doc in docs for st in as_list(doc.body.get("statement"))]


def test_iam_policies_have_no_wildcard_actions(tf: Config) -> None:
    statements = policy_statements(tf)
    assert len(statements) >= 8
    for doc, st in statements:
        assert "not_actions" not in st, f"{doc.address}: NotAction is not allowed"
        actions = as_list(st.get("actions"))
        assert actions, f"{doc.address}: statement without actions"
        for action in actions:
            assert "*" not in action, f"{doc.address}: wildcard action {action!r}"
        # Outside the KMS key policy (where "*" means "this key"), "*" as a
        # resource is allowed only for actions without resource-level
        # permissions (ECR registry login, task-definition registration).
        if doc.module != "modules/kms" and "*" in as_list(st.get("resources")):
            assert set(actions) <= NO_RESOURCE_LEVEL_ACTIONS, f"{doc.address}: resource * with {actions}"
    # Inline policies go through policy documents (so the checks above see them).
    for rp in tf.of_type("aws_iam_role_policy") + tf.of_type("aws_iam_policy"):
        assert re.fullmatch(r"\$\{data\.aws_iam_policy_document\.[a-z_]+\.json\}", rp.body["policy"]), rp.address
    # No broad AWS-managed policies.
    for att in tf.of_type("aws_iam_role_policy_attachment"):
        assert att.body["policy_arn"].endswith("service-role/AmazonRDSEnhancedMonitoringRole"), att.address


def test_execution_role_reads_only_named_parameters(tf: Config) -> None:
    role_policies = [rp for rp in tf.of_type("aws_iam_role_policy") if rp.body.get("role") == "${aws_iam_role.execution.id}"]
    assert len(role_policies) == 1, "the execution role needs exactly one inline policy"
    doc_name = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.([a-z_]+)\.json\}", role_policies[0].body["policy"]).group(1)
    (doc,) = [d for d in tf.data_of_type("aws_iam_policy_document") if d.name == doc_name and d.module == role_policies[0].module]
    statements = as_list(doc.body["statement"])
    ssm = [st for st in statements if any(a.startswith("ssm:") for a in as_list(st.get("actions")))]
    assert len(ssm) == 1, "exactly one SSM statement expected"
    assert as_list(ssm[0]["actions"]) == ["ssm:GetParameters"], "no GetParametersByPath or write access"
    resources = ssm[0]["resources"]
    raw = json.dumps(resources)
    assert "*" not in raw, f"SSM access must name parameters, got {raw}"
    # Resolve local.secret_parameter_arns -> the valueFrom ARNs of the container secrets.
    arns = resources if isinstance(resources, list) else None
    if arns is None:
        m = re.fullmatch(r"\$\{local\.([a-z_]+)\}", resources)
        assert m, f"unexpected SSM resource expression {resources!r}"
        expr = tf.local(doc.module, m.group(1))
        assert re.fullmatch(r"\$\{\[for s in local\.secrets : s\.valueFrom\]\}", expr), expr
        arns = [s["valueFrom"] for s in tf.entries(doc.module, "${local.secrets}")]
    assert arns and all(re.fullmatch(r"\$\{var\.[a-z_]+_parameter_arn\}", a) for a in arns), arns
    assert {"${var.sports_api_key_parameter_arn}", "${var.admin_token_parameter_arn}"} <= set(arns)

    kms = [st for st in statements if as_list(st.get("actions")) == ["kms:Decrypt"]]
    assert len(kms) == 1 and kms[0]["resources"] == ["${var.kms_key_arn}"]
    assert any(c["variable"] == "kms:ViaService" for c in as_list(kms[0].get("condition")))

    ecr = [st for st in statements if "ecr:BatchGetImage" in as_list(st.get("actions"))]
    assert len(ecr) == 1 and ecr[0]["resources"] == ["${var.ecr_repository_arn}"], "pull only this repository"
    assert tf.module_call("ecs_service").body["ecr_repository_arn"] == "${module.ecr.repository_arn}"


def test_task_role_has_no_permissions(tf: Config) -> None:
    roles = [r for r in tf.of_type("aws_iam_role") if r.name == "task"]
    assert len(roles) == 1
    for rtype in ("aws_iam_role_policy", "aws_iam_role_policy_attachment", "aws_iam_policy_attachment"):
        for res in tf.of_type(rtype):
            assert "aws_iam_role.task." not in json.dumps(res.body), f"{res.address} grants the task role permissions"
    assert "inline_policy" not in roles[0].body and "managed_policy_arns" not in roles[0].body


def test_data_stores_are_encrypted_and_private(tf: Config) -> None:
    (db,) = tf.of_type("aws_db_instance")
    assert db.body["storage_encrypted"] is True and db.body.get("kms_key_id")
    assert db.body["publicly_accessible"] is False
    assert db.body.get("iam_database_authentication_enabled") is True or "password_wo" in db.body
    assert "password" not in db.body, "use password_wo (write-only) so the password stays out of state"
    (redis,) = tf.of_type("aws_elasticache_replication_group")
    assert redis.body["at_rest_encryption_enabled"] is True and redis.body.get("kms_key_id")
    assert redis.body["transit_encryption_enabled"] is True and redis.body["transit_encryption_mode"] == "required"
    assert "auth_token" not in redis.body, "use auth_token_wo (write-only) so the token stays out of state"
    assert redis.body["auth_token_wo"].startswith("${ephemeral.random_password.")
    # Both stores always exist (no count/for_each switch): 2+ tasks cannot run on per-task SQLite.
    for store in (db, redis):
        assert "count" not in store.body and "for_each" not in store.body, f"{store.address} must not be optional"
    assert not {"enable_postgres", "enable_redis"} & set(tf.variables["."]), "shared state must not be switchable off"
    assert tf.variables["."]["min_capacity"]["default"] >= 2


def test_store_urls_use_tls_and_the_same_write_only_credentials(tf: Config) -> None:
    params = {p.name: p.body for p in tf.of_type("aws_ssm_parameter") if p.module == "modules/data_stores"}
    redis_url, db_url = params["redis_url"]["value_wo"], params["database_url"]["value_wo"]
    assert redis_url.startswith("rediss://:${ephemeral.random_password.redis_auth.result}@"), redis_url
    assert db_url.startswith("postgres://sportsgate:${ephemeral.random_password.postgres.result}@"), db_url
    assert db_url.endswith("?sslmode=require")
    (redis,) = tf.of_type("aws_elasticache_replication_group")
    (db,) = tf.of_type("aws_db_instance")
    # The URL is rewritten whenever the credential rotates (same version variable).
    assert params["redis_url"]["value_wo_version"] == redis.body["auth_token_wo_version"]
    assert params["database_url"]["value_wo_version"] == db.body["password_wo_version"]


def test_alarm_topic_is_encrypted_and_alarms_exist(tf: Config) -> None:
    (topic,) = tf.of_type("aws_sns_topic")
    assert topic.body.get("kms_master_key_id")
    alarms = {a.name: a for a in tf.of_type("aws_cloudwatch_metric_alarm")}
    for expected in ("api_5xx_rate", "alb_5xx_rate", "target_latency_p99", "unhealthy_targets", "rate_limit_rejections"):
        assert expected in alarms, f"alarm {expected} missing"
        assert alarms[expected].body.get("alarm_actions"), f"{expected} has no action"
    assert tf.of_type("aws_cloudwatch_dashboard")
    # The 429 filter is checked against a real log line in test_wiring.py.


# --------------------------------------------------------------------------- #
# Dockerfile
# --------------------------------------------------------------------------- #


def test_dockerfile_final_stage_is_minimal_and_non_root() -> None:
    stage = final_stage()
    base = stage[0][1]
    assert re.match(r"^(scratch|gcr\.io/distroless/static[\w.-]*:nonroot)\b", base), f"final base: {base}"
    users = [arg for kw, arg in stage if kw == "USER"]
    assert users, "final stage has no USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, f"final USER is {users[-1]}"
    exposes = " ".join(arg for kw, arg in stage if kw == "EXPOSE").split()
    assert "8080" in exposes or "8080/tcp" in exposes, f"EXPOSE: {exposes}"


def test_dockerfile_healthcheck_is_exec_form() -> None:
    stage = final_stage()
    checks = [arg for kw, arg in stage if kw == "HEALTHCHECK"]
    assert len(checks) == 1, "final stage needs exactly one HEALTHCHECK"
    m = re.search(r"\bCMD\s+(\[.*\])\s*$", checks[0])
    assert m, f"HEALTHCHECK must use exec form CMD [...]: {checks[0]}"
    argv = json.loads(m.group(1))
    assert argv[0].endswith("sportsgate") and argv[1:] == ["healthcheck"], argv
    entry = [json.loads(arg) for kw, arg in stage if kw == "ENTRYPOINT"]
    cmd = [json.loads(arg) for kw, arg in stage if kw == "CMD"]
    assert entry and entry[-1][0].endswith("sportsgate")
    assert cmd and cmd[-1] == ["serve"]


# --------------------------------------------------------------------------- #
# compose.yaml
# --------------------------------------------------------------------------- #


def test_compose_publishes_only_the_load_balancer(compose: dict) -> None:
    services = compose.get("services", {})
    assert {"lb", "sportsgate", "postgres", "redis"} <= set(services), set(services)
    published = {name for name, svc in services.items() if svc.get("ports")}
    assert published == {"lb"}, f"only the load balancer may publish ports, found {published}"
    for name, svc in services.items():
        assert svc.get("network_mode") != "host", f"{name} uses host networking"
    assert compose["networks"]["backend"].get("internal") is True


def test_compose_services_have_healthchecks_and_ordering(compose: dict) -> None:
    services = compose["services"]
    for name, svc in services.items():
        test = svc.get("healthcheck", {}).get("test")
        assert test, f"{name} has no healthcheck"
        assert svc.get("read_only") is True, f"{name} must have a read-only root filesystem"
    app = services["sportsgate"]
    assert app["healthcheck"]["test"][-1] == "healthcheck"
    assert app.get("deploy", {}).get("replicas", 1) >= 2, "run at least two replicas"
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    # The replicas reach redis by its service name, on the internal network only.
    assert app["environment"]["SPORTSGATE_REDIS_URL"] == "redis://redis:6379"
    assert services["redis"]["networks"] == ["backend"] and services["postgres"]["networks"] == ["backend"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert services["lb"]["depends_on"]["sportsgate"]["condition"] == "service_healthy"


def test_compose_secrets_come_from_gitignored_env_file(compose: dict) -> None:
    app = compose["services"]["sportsgate"]
    assert ".env" in [e if isinstance(e, str) else e.get("path") for e in app.get("env_file", [])]
    env = app.get("environment", {})
    for name in SECRET_ENV_NAMES:
        assert name not in env, f"{name} must come from .env, not compose.yaml"
    gitignore = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in gitignore, ".env must be git-ignored"
    example = (ROOT / "deploy" / "compose" / "env.example").read_text(encoding="utf-8")
    for name in SECRET_ENV_NAMES:
        lines = [l for l in example.splitlines() if re.match(rf"^\s*#?\s*{name}=", l)]
        assert lines, f"env.example must document {name}"
        assert all(re.fullmatch(rf"#\s*{name}=", l.strip()) for l in lines), f"env.example must not set {name}: {lines}"
