"""deploy/release.sh, the one release flow, run against a fake `aws` CLI that records
every call: it must start from Terraform's published revision (never from what runs),
change only the image, roll the service and fail when ECS rolls the release back."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tfmodel import ROOT

RELEASE = ROOT / "deploy" / "release.sh"
TEMPLATE_ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/sportsgate-prod:7"
RUNNING_ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/sportsgate-prod:9"
NEW_ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/sportsgate-prod:10"
REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sportsgate-prod"

FAKE_AWS = r'''#!/usr/bin/env python3
import json, os, sys
state = os.environ["FAKE_STATE"]
args = sys.argv[1:]
with open(os.path.join(state, "calls.jsonl"), "a") as f:
    f.write(json.dumps(args) + "\n")
scenario = json.load(open(os.path.join(state, "scenario.json")))
def arg(name):
    return args[args.index(name) + 1]
op = args[:2]
if op == ["ssm", "get-parameter"]:
    assert arg("--name") == "/sportsgate/prod/release/task-definition-arn"
    print(scenario["template_arn"])
elif op == ["ecs", "describe-task-definition"]:
    print(json.dumps(scenario["task_definitions"][arg("--task-definition")]))
elif op == ["ecs", "register-task-definition"]:
    body = open(arg("--cli-input-json").removeprefix("file://")).read()
    open(os.path.join(state, "registered.json"), "w").write(body)
    print(scenario["new_arn"])
elif op == ["ecs", "update-service"]:
    print("sportsgate-prod")
elif op == ["ecs", "describe-services"]:
    n = sum(1 for l in open(os.path.join(state, "calls.jsonl")) if "describe-services" in l)
    states = scenario["service_states"]
    print(json.dumps(states[min(n - 1, len(states) - 1)]))
else:
    sys.exit(f"unexpected aws call {args}")
'''


def task_definition(image: str, env_value: str) -> dict:
    return {
        "taskDefinitionArn": "ignored",
        "revision": 7,
        "status": "ACTIVE",
        "requiresAttributes": [{"name": "ecs.capability.secrets.ssm.environment-variables"}],
        "compatibilities": ["EC2", "FARGATE"],
        "registeredAt": "2026-12-01T00:00:00Z",
        "registeredBy": "arn:aws:sts::123456789012:assumed-role/terraform",
        "family": "sportsgate-prod",
        "cpu": "512",
        "memory": "1024",
        "containerDefinitions": [
            {
                "name": "sportsgate",
                "image": image,
                "environment": [{"name": "SPORTSGATE_LOG_FORMAT", "value": env_value}],
                "secrets": [{"name": "SPORTS_API_KEY", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/x"}],
            }
        ],
    }


def service(primary_arn: str, rollout: str) -> dict:
    return {"taskDefinition": primary_arn, "deployments": [{"status": "PRIMARY", "taskDefinition": primary_arn, "rolloutState": rollout, "rolloutStateReason": "r"}]}


def run_release(tmp_path: Path, scenario: dict, *args: str) -> tuple[subprocess.CompletedProcess, list[list[str]]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    aws = bin_dir / "aws"
    aws.write_text(FAKE_AWS)
    aws.chmod(0o755)
    (tmp_path / "scenario.json").write_text(json.dumps(scenario))
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_STATE": str(tmp_path),
        "ECS_CLUSTER": "sportsgate-prod",
        "ECS_SERVICE": "sportsgate-prod",
        "RELEASE_PARAMETER": "/sportsgate/prod/release/task-definition-arn",
        "POLL_SECONDS": "0.2",
        "WAIT_SECONDS": "2",
    }
    done = subprocess.run(["bash", str(RELEASE), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    calls_file = tmp_path / "calls.jsonl"
    calls = [json.loads(l) for l in calls_file.read_text().splitlines()] if calls_file.exists() else []
    return done, calls


@pytest.fixture
def scenario() -> dict:
    return {
        "template_arn": TEMPLATE_ARN,
        "new_arn": NEW_ARN,
        "task_definitions": {
            # Terraform's revision: new environment, old bootstrap image.
            TEMPLATE_ARN: task_definition(f"{REPO}:bootstrap", "json"),
            # What runs now: an older environment with the last release's image.
            RUNNING_ARN: task_definition(f"{REPO}:aaaaaaa", "pretty"),
        },
        "service_states": [service(NEW_ARN, "IN_PROGRESS"), service(NEW_ARN, "COMPLETED")],
    }


def test_a_release_is_terraforms_revision_with_only_the_image_changed(tmp_path: Path, scenario: dict) -> None:
    done, calls = run_release(tmp_path, scenario, f"{REPO}:bbbbbbb")
    assert done.returncode == 0, done.stderr
    registered = json.loads((tmp_path / "registered.json").read_text())
    expected = task_definition(f"{REPO}:bbbbbbb", "json")
    for field in ("taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy"):
        expected.pop(field)
    assert registered == expected
    ops = [c[:2] for c in calls]
    assert ops[:4] == [["ssm", "get-parameter"], ["ecs", "describe-task-definition"], ["ecs", "register-task-definition"], ["ecs", "update-service"]]
    update = calls[3]
    assert update[update.index("--task-definition") + 1] == NEW_ARN
    assert ops.count(["ecs", "describe-services"]) == 2, "waits until the rollout completed"


def test_a_rolled_back_release_fails(tmp_path: Path, scenario: dict) -> None:
    scenario["service_states"] = [service(NEW_ARN, "IN_PROGRESS"), service(RUNNING_ARN, "IN_PROGRESS")]
    done, _ = run_release(tmp_path, scenario, f"{REPO}:bbbbbbb")
    assert done.returncode == 1
    assert "rolled back" in done.stderr


def test_a_release_that_never_settles_fails_at_the_deadline(tmp_path: Path, scenario: dict) -> None:
    scenario["service_states"] = [service(NEW_ARN, "IN_PROGRESS")]
    done, _ = run_release(tmp_path, scenario, f"{REPO}:bbbbbbb")
    assert done.returncode == 1 and "still IN_PROGRESS" in done.stderr


def test_current_rereleases_the_running_image_on_terraforms_revision(tmp_path: Path, scenario: dict) -> None:
    scenario["service_states"] = [{"taskDefinition": RUNNING_ARN, **service(NEW_ARN, "COMPLETED")}]
    scenario["service_states"][0]["taskDefinition"] = RUNNING_ARN
    done, _ = run_release(tmp_path, scenario, "--current")
    assert done.returncode == 0, done.stderr
    registered = json.loads((tmp_path / "registered.json").read_text())
    container = registered["containerDefinitions"][0]
    assert container["image"] == f"{REPO}:aaaaaaa", "the running image"
    assert container["environment"] == [{"name": "SPORTSGATE_LOG_FORMAT", "value": "json"}], "Terraform's settings"


def test_a_mutable_or_missing_tag_is_refused_before_any_call(tmp_path: Path, scenario: dict) -> None:
    for case, image in (("latest", f"{REPO}:latest"), ("untagged", REPO)):
        work = tmp_path / case
        work.mkdir()
        done, calls = run_release(work, scenario, image)
        assert done.returncode == 2 and calls == [], (case, done.stderr)
