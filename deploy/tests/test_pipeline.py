"""The path from commit to production: CI gates the deploy on the same commit, every
action and base image is pinned to something immutable, the image scan and cargo deny run
before anything is pushed, both release paths go through deploy/release.sh, and the
examples cannot hand the account to someone else."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import hcl2
import yaml

from tfmodel import _OPTIONS, ROOT, TF_DIR, Config, dockerfile_instructions

WORKFLOWS = ROOT / ".github" / "workflows"
BUILDSPEC = ROOT / "buildspec.yml"
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def workflow(name: str) -> dict:
    doc = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # PyYAML reads the `on:` key as the boolean True.
    doc["on"] = doc.pop(True, doc.get("on"))
    return doc


def steps(doc: dict) -> list[tuple[str, dict]]:
    return [(job, step) for job, body in doc["jobs"].items() for step in body.get("steps", [])]


# --------------------------------------------------------------------------- #
# GitHub Actions
# --------------------------------------------------------------------------- #


def test_every_action_is_pinned_to_a_commit_with_its_tag_in_a_comment() -> None:
    uses = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)(?:\s+#\s*(\S+))?", line)
            if m and not m.group(1).startswith("./"):
                uses.append((path.name, m.group(1), m.group(2)))
    assert len(uses) >= 15, uses
    for name, ref, tag in uses:
        assert SHA_PIN.match(ref), f"{name}: {ref} is not pinned to a full commit SHA"
        assert tag and re.match(r"^v?\d+(\.\d+)*$", tag), f"{name}: {ref} needs its release tag in a comment"
    # One action, one commit: the same action is never pinned to two different SHAs.
    by_action: dict[str, set[str]] = {}
    for _, ref, _ in uses:
        action, sha = ref.split("@")
        by_action.setdefault(action, set()).add(sha)
    assert all(len(shas) == 1 for shas in by_action.values()), by_action


def test_deploy_runs_only_after_every_check_passed_on_the_same_commit() -> None:
    ci = workflow("ci.yml")
    deploy = workflow("deploy.yml")
    # deploy.yml cannot be started by a push, a schedule or by hand: only ci.yml calls it.
    assert set(deploy["on"]) == {"workflow_call"}, deploy["on"]
    callers = {job: body for job, body in ci["jobs"].items() if body.get("uses") == "./.github/workflows/deploy.yml"}
    assert list(callers) == ["deploy"], callers
    job = callers["deploy"]
    checks = set(ci["jobs"]) - {"deploy"}
    assert {"rust", "supply-chain", "deploy-checks", "image"} <= checks
    assert set(job["needs"]) == checks, f"deploy must wait for every check: needs {job['needs']}, checks {checks}"
    assert job["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert ci["permissions"] == {"contents": "read"}
    for body in deploy["jobs"].values():
        assert body["environment"] == "production"


def test_the_push_happens_only_after_both_architectures_are_scanned() -> None:
    deploy = workflow("deploy.yml")
    build = deploy["jobs"]["build-scan-push"]["steps"]
    names = [s.get("uses", "").split("@")[0] or s.get("name", "") for s in build]
    push = [i for i, s in enumerate(build) if s.get("with", {}).get("push") is True]
    scans = [i for i, s in enumerate(build) if s.get("uses", "").startswith("aquasecurity/trivy-action@")]
    assert len(push) == 1 and len(scans) == 2, names
    assert max(scans) < push[0], "Trivy must run before the push"
    scanned = {build[i]["with"]["image-ref"] for i in scans}
    loaded = {s["with"]["tags"]: s["with"]["platforms"] for s in build if s.get("with", {}).get("load") is True}
    assert set(loaded) == scanned and set(loaded.values()) == {"linux/amd64", "linux/arm64"}, loaded
    assert build[push[0]]["with"]["platforms"] == "linux/amd64,linux/arm64"
    for i in scans:
        w = build[i]["with"]
        assert w["exit-code"] == "1" and w["severity"] == "HIGH,CRITICAL", w
    # The rollout is the shared release script, nothing else.
    release = deploy["jobs"]["release"]
    assert release["needs"] == "build-scan-push"
    assert [s["run"] for s in release["steps"] if "run" in s] == ['bash deploy/release.sh "$IMAGE"']


def test_ci_runs_cargo_deny_trivy_and_terraform_test() -> None:
    ci = workflow("ci.yml")
    all_steps = steps(ci)
    deny = [s for job, s in all_steps if s.get("uses", "").startswith("EmbarkStudios/cargo-deny-action@")]
    assert deny and deny[0]["with"]["command"].split()[1:] == ["advisories", "licenses", "bans", "sources"]
    assert any(s.get("uses", "").startswith("aquasecurity/trivy-action@") for job, s in all_steps if job == "image")
    runs = [s.get("run", "") for job, s in all_steps if job == "deploy-checks"]
    for command in ("init -backend=false", " validate", " test"):
        assert any("terraform -chdir=deploy/terraform" in r and command in r for r in runs), command
    assert "bash deploy/ci-checks.sh" in runs


def test_ci_sets_the_variables_the_tests_read() -> None:
    """CI once set SPORTSGATE_TEST_DATABASE_URL while the tests read ..._POSTGRES_URL."""
    read = set()
    for path in (ROOT / "tests").rglob("*.rs"):
        read |= set(re.findall(r'env::var\("(SPORTSGATE_TEST_[A-Z_]+)"\)', path.read_text(encoding="utf-8")))
    assert "SPORTSGATE_TEST_POSTGRES_URL" in read, read
    ci = workflow("ci.yml")
    set_in_ci = {k for k in ci["jobs"]["rust"].get("env", {}) if k.startswith("SPORTSGATE_TEST_")}
    assert set_in_ci and set_in_ci <= read, f"CI sets {set_in_ci}, tests read {read}"
    assert "SPORTSGATE_TEST_POSTGRES_URL" in BUILDSPEC.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- #
# Images pinned by digest
# --------------------------------------------------------------------------- #


def test_every_base_and_service_image_is_pinned_by_digest(compose: dict) -> None:
    stages = set()
    for kw, arg in dockerfile_instructions():
        if kw != "FROM":
            continue
        parts = [p for p in arg.split() if not p.startswith("--")]
        image = parts[0]
        if image not in stages:
            assert DIGEST.search(image), f"Dockerfile FROM {image} is not pinned by digest"
        if len(parts) == 3 and parts[1].upper() == "AS":
            stages.add(parts[2])
    for name, svc in compose["services"].items():
        if "build" in svc:
            continue  # built from this repository
        assert DIGEST.search(svc["image"]), f"compose {name}: {svc['image']} is not pinned by digest"
    ci = workflow("ci.yml")
    for job in ci["jobs"].values():
        for name, svc in job.get("services", {}).items():
            assert DIGEST.search(svc["image"]), f"ci.yml service {name}: {svc['image']}"
    # CodeBuild's mirror of the same images carries the same digests.
    variables = yaml.safe_load(BUILDSPEC.read_text(encoding="utf-8"))["env"]["variables"]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    rust = variables["RUST_IMAGE"].split("@")[1]
    assert rust in dockerfile, "buildspec's RUST_IMAGE must be the Dockerfile's digest"
    assert DIGEST.search(variables["POSTGRES_IMAGE"])


# --------------------------------------------------------------------------- #
# CodeBuild
# --------------------------------------------------------------------------- #


def test_codebuild_tests_scans_caches_and_releases_like_ci() -> None:
    spec = yaml.safe_load(BUILDSPEC.read_text(encoding="utf-8"))
    phases = spec["phases"]
    pre = "\n".join(phases["pre_build"]["commands"])
    build = "\n".join(phases["build"]["commands"])
    post = "\n".join(phases["post_build"]["commands"])
    assert "cargo test --locked" in pre and "check advisories licenses bans sources" in pre
    # Scan per platform with a failing exit code, then the one push.
    assert build.index("--exit-code 1") < build.index("--push")
    assert "--cache-to" in build and "--cache-from" in build
    assert {"target/**/*", ".cache/cargo-registry/**/*"} <= set(spec["cache"]["paths"])
    assert 'bash deploy/release.sh "$IMAGE_URI"' in post and "imagedefinitions" not in BUILDSPEC.read_text()
    assert "docker.io" not in BUILDSPEC.read_text() and spec["env"]["variables"]["DOCKER_LIBRARY"].startswith(
        "public.ecr.aws/"
    )


# --------------------------------------------------------------------------- #
# cargo deny policy
# --------------------------------------------------------------------------- #


def test_deny_toml_allows_only_crates_io_and_named_licenses() -> None:
    policy = tomllib.loads((ROOT / "deny.toml").read_text(encoding="utf-8"))
    allowed = policy["licenses"]["allow"]
    assert allowed and not any(l.startswith(("GPL", "AGPL", "LGPL")) for l in allowed), allowed
    sources = policy["sources"]
    assert sources["unknown-registry"] == "deny" and sources["unknown-git"] == "deny"
    assert policy["bans"]["wildcards"] == "deny"


# --------------------------------------------------------------------------- #
# Examples and ECR
# --------------------------------------------------------------------------- #


def test_examples_name_no_deploy_repository_and_reuse_the_oidc_provider(tf: Config) -> None:
    examples = sorted((TF_DIR / "examples").glob("*.example"))
    assert len(examples) == 2, examples
    for path in examples:
        doc = hcl2.loads(path.read_text(encoding="utf-8"), serialization_options=_OPTIONS)
        assert "github_repository" not in doc, f"{path.name} must not name a deploy repository"
        assert doc.get("create_github_oidc_provider", False) is False, path.name
    root = tf.variables["."]
    assert root["github_repository"]["default"] is None
    assert root["create_github_oidc_provider"]["default"] is False
    assert "your-org" in json.dumps(root["github_repository"]["validation"])
    (data,) = tf.data_of_type("aws_iam_openid_connect_provider")
    assert data.body["count"] == "${var.create_oidc_provider ? 0 : 1}"


def test_ecr_lifecycle_counts_releases_and_never_expires_children(tf: Config) -> None:
    (repo,) = [r for r in tf.of_type("aws_ecr_repository") if r.name == "this"]
    assert repo.body["name"] == "${var.name}"
    assert tf.module_call("ecr").body["name"] == "${local.name}", "the repository name must carry the environment"
    assert tf.local(".", "name") == "${var.name}-${var.environment}"
    (policy,) = [p for p in tf.of_type("aws_ecr_lifecycle_policy") if p.body["repository"] == "${aws_ecr_repository.this.name}"]
    expr = policy.body["policy"]
    statuses = re.findall(r'tagStatus\s*=\s*"(\w+)"', expr)
    # A rule on untagged or "any" images can expire the arm64 child of a live release (and
    # counts children as images); only tagged release indexes are counted.
    assert statuses == ["tagged"], expr
    assert re.search(r'countType\s*=\s*"imageCountMoreThan"', expr) and "var.keep_releases" in expr
    assert tf.variables["modules/ecr"]["keep_releases"]["default"] >= 50


# --------------------------------------------------------------------------- #
# One owner of the task definition
# --------------------------------------------------------------------------- #


def test_terraform_publishes_the_task_definition_releases_start_from(tf: Config) -> None:
    (param,) = [p for p in tf.of_type("aws_ssm_parameter") if p.name == "release_template"]
    assert param.body["value"] == "${aws_ecs_task_definition.this.arn}"
    (service,) = tf.of_type("aws_ecs_service")
    assert service.body["lifecycle"][0]["ignore_changes"] == ["${desired_count}", "${task_definition}"] or set(
        service.body["lifecycle"][0]["ignore_changes"]
    ) == {"desired_count", "task_definition"}
    # The deploy role may read exactly that parameter, and no module-wide depends_on
    # defers the ECS module's data sources (spurious revisions).
    assert tf.module_call("ci_deploy_role").body["release_parameter_arn"] == "${module.ecs_service.release_parameter_arn}"
    assert "depends_on" not in tf.module_call("ecs_service").body
    release = (ROOT / "deploy" / "release.sh").read_text(encoding="utf-8")
    assert "RELEASE_PARAMETER" in release and "update-service" in release
    # No document suggests rolling the service outside the release script.
    for doc in (ROOT / "deploy" / "README.md", ROOT / "README.md"):
        text = doc.read_text(encoding="utf-8")
        assert "update-service" not in text, f"{doc.name}: use deploy/release.sh, not update-service"
