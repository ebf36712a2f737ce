"""deploy/cost/estimate.md is what deploy/cost/estimate.py writes, and the script's idea
of each profile is what the Terraform builds."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import hcl2

from tfmodel import _OPTIONS, ROOT, TF_DIR, Config

SCRIPT = ROOT / "deploy" / "cost" / "estimate.py"


def load_estimate():
    spec = importlib.util.spec_from_file_location("estimate", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_estimate_is_what_the_script_writes() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_profiles_match_the_terraform_and_the_examples(tf: Config) -> None:
    estimate = load_estimate()
    network = tf.module_call("network").body
    # interface_endpoints = local.low_cost ? [] : [...]
    m = re.fullmatch(r'\$\{local\.low_cost \? \[\] : \[(.*)\]\}', network["interface_endpoints"])
    assert m, network["interface_endpoints"]
    hardened_endpoints = re.findall(r'"([a-z.]+)"', m.group(1).replace('\\"', '"'))
    assert estimate.PROFILES["hardened"]["interface_endpoints"] == hardened_endpoints
    assert estimate.PROFILES["low_cost"]["interface_endpoints"] == []
    assert network["single_nat_gateway"] == "${var.single_nat_gateway || local.low_cost}"
    assert tf.local("modules/network", "nat_count") == "${var.single_nat_gateway ? 1 : length(local.azs)}"
    assert estimate.PROFILES["hardened"]["nat_gateways"] == estimate.AZS == 2
    assert estimate.PROFILES["low_cost"]["nat_gateways"] == 1
    assert tf.variables["."]["min_capacity"]["default"] == estimate.TASKS
    for name, profile in estimate.PROFILES.items():
        doc = hcl2.loads((TF_DIR / "examples" / profile["example"]).read_text(), serialization_options=_OPTIONS)
        assert doc["cost_profile"] == name
        assert doc["task_cpu"] == profile["task_vcpu"] * 1024 and doc["task_memory"] == profile["task_gb"] * 1024
        assert doc.get("min_capacity", 2) == estimate.TASKS
        # The data stores the example sizes (the root variables' defaults where it is silent).
        for key in ("db_instance_class", "db_multi_az", "redis_node_type", "redis_num_cache_clusters"):
            assert doc.get(key, tf.variables["."][key]["default"]) == profile[key], (name, key)
    (db,) = tf.of_type("aws_db_instance")
    assert db.body["allocated_storage"] == estimate.DB_STORAGE_GB
