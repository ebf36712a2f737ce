#!/usr/bin/env python3
"""Fixed monthly cost of the two Terraform profiles, from list prices.

    python3 deploy/cost/estimate.py          # print the table (Markdown)
    python3 deploy/cost/estimate.py --write  # refresh deploy/cost/estimate.md
    python3 deploy/cost/estimate.py --check  # exit 1 if estimate.md is stale

What is counted: what runs whether or not anyone calls the API (NAT gateways and their
public IPv4 addresses, interface endpoints, the ALB at one LCU, two Fargate tasks, the
shared RDS PostgreSQL and ElastiCache Redis the tasks need, the KMS key, the alarms and the
dashboard). Not counted: traffic (API Gateway requests, NAT and endpoint data processing,
log ingestion), shown per unit below the table, Container Insights metrics, RDS enhanced
monitoring logs and backups beyond the free allowance. Prices: AWS on-demand list prices for us-east-1, Linux/ARM64 Fargate, as
written in PRICES (check the pricing pages before relying on them; other regions differ
by up to ~20%). Stdlib only, no network.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HOURS = 730  # AWS's month
ROOT = Path(__file__).resolve().parents[2]
RESULT = Path(__file__).with_name("estimate.md")

PRICES = {  # USD
    "nat_gateway_hour": 0.045,
    "public_ipv4_hour": 0.005,
    "interface_endpoint_az_hour": 0.01,
    "alb_hour": 0.0225,
    "alb_lcu_hour": 0.008,
    "fargate_arm_vcpu_hour": 0.03238,
    "fargate_arm_gb_hour": 0.00356,
    "rds_postgres_hour": {"db.t4g.micro": 0.016, "db.t4g.medium": 0.065},  # single-AZ; Multi-AZ doubles
    "rds_gp3_gb_month": 0.115,  # single-AZ; Multi-AZ doubles
    "elasticache_node_hour": {"cache.t4g.micro": 0.016, "cache.t4g.small": 0.032},
    "kms_key_month": 1.00,
    "alarm_month": 0.10,
    "dashboard_month": 3.00,
    # per unit of traffic, not in the fixed total
    "http_api_million_requests": 1.00,
    "nat_gb": 0.045,
    "interface_endpoint_gb": 0.01,
    "logs_ingest_gb": 0.50,
}

AZS = 2
TASKS = 2
DB_STORAGE_GB = 20  # allocated_storage in modules/data_stores
# What each profile builds (deploy/terraform/main.tf; deploy/tests/test_cost.py checks
# these against the Terraform) and the task size its example tfvars uses.
PROFILES = {
    "hardened": {
        "nat_gateways": AZS,
        "interface_endpoints": ["ecr.api", "ecr.dkr", "logs", "ssm"],
        "task_vcpu": 0.5,
        "task_gb": 1.0,
        "db_instance_class": "db.t4g.medium",
        "db_multi_az": True,
        "redis_node_type": "cache.t4g.small",
        "redis_num_cache_clusters": 2,
        "example": "terraform.tfvars.example",
    },
    "low_cost": {
        "nat_gateways": 1,
        "interface_endpoints": [],
        "task_vcpu": 0.25,
        "task_gb": 0.5,
        "db_instance_class": "db.t4g.micro",
        "db_multi_az": False,
        "redis_node_type": "cache.t4g.micro",
        "redis_num_cache_clusters": 1,
        "example": "low-cost.tfvars.example",
    },
}


def alarm_count() -> int:
    text = (ROOT / "deploy/terraform/modules/monitoring/main.tf").read_text(encoding="utf-8")
    return len(re.findall(r'^resource "aws_cloudwatch_metric_alarm"', text, re.M))


def lines(profile: dict) -> list[tuple[str, float]]:
    p = PRICES
    nat = profile["nat_gateways"]
    endpoints = len(profile["interface_endpoints"]) * AZS
    task_hour = profile["task_vcpu"] * p["fargate_arm_vcpu_hour"] + profile["task_gb"] * p["fargate_arm_gb_hour"]
    alarms = alarm_count()
    db_copies = 2 if profile["db_multi_az"] else 1
    db_az = "Multi-AZ" if profile["db_multi_az"] else "single-AZ"
    redis_nodes = profile["redis_num_cache_clusters"]
    return [
        (f"NAT gateways ({nat})", nat * p["nat_gateway_hour"] * HOURS),
        (f"their public IPv4 addresses ({nat})", nat * p["public_ipv4_hour"] * HOURS),
        (f"interface endpoints ({endpoints} ENIs)", endpoints * p["interface_endpoint_az_hour"] * HOURS),
        ("ALB (1 LCU)", (p["alb_hour"] + p["alb_lcu_hour"]) * HOURS),
        (
            f"Fargate ARM64, {TASKS} tasks of {profile['task_vcpu']} vCPU / {profile['task_gb']} GB",
            TASKS * task_hour * HOURS,
        ),
        (
            f"RDS PostgreSQL {profile['db_instance_class']} ({db_az})",
            db_copies * p["rds_postgres_hour"][profile["db_instance_class"]] * HOURS,
        ),
        (f"its gp3 storage ({DB_STORAGE_GB} GB, {db_az})", db_copies * DB_STORAGE_GB * p["rds_gp3_gb_month"]),
        (
            f"ElastiCache Redis {profile['redis_node_type']} ({redis_nodes} node{'s' if redis_nodes > 1 else ''})",
            redis_nodes * p["elasticache_node_hour"][profile["redis_node_type"]] * HOURS,
        ),
        ("KMS key", p["kms_key_month"]),
        (f"CloudWatch alarms ({alarms})", alarms * p["alarm_month"]),
        ("CloudWatch dashboard", p["dashboard_month"]),
    ]


def render() -> str:
    out = [
        "# Monthly fixed cost of the Terraform profiles",
        "",
        "Written by `python3 deploy/cost/estimate.py --write` from the list prices in that",
        "script (us-east-1, on-demand, 730 hours a month). Traffic is extra (per unit below);",
        "not counted: Container Insights metrics, RDS enhanced-monitoring logs, backups beyond",
        "the free allowance.",
        "",
    ]
    totals = {}
    for name, profile in PROFILES.items():
        rows = lines(profile)
        totals[name] = sum(v for _, v in rows)
        out += [f"## `cost_profile = \"{name}\"` (`examples/{profile['example']}`)", ""]
        out += ["| item | USD / month |", "| --- | ---: |"]
        out += [f"| {label} | {value:.2f} |" for label, value in rows]
        out += [f"| **total** | **{totals[name]:.2f}** |", ""]
    p = PRICES
    out += [
        "## Per unit of traffic (both profiles)",
        "",
        f"- API Gateway HTTP API: ${p['http_api_million_requests']:.2f} per million requests",
        f"- NAT data processing: ${p['nat_gb']:.3f} per GB (upstream calls; in low_cost also image pulls, logs, SSM)",
        f"- interface endpoint data: ${p['interface_endpoint_gb']:.2f} per GB (hardened only)",
        f"- CloudWatch Logs ingestion: ${p['logs_ingest_gb']:.2f} per GB",
        "",
        f"low_cost saves ${totals['hardened'] - totals['low_cost']:.2f} a month: one NAT gateway instead of one",
        "per AZ (an AZ outage cuts upstream egress until it recovers), no interface endpoints",
        "(AWS API traffic goes through the NAT gateway, still HTTPS), smaller tasks, a",
        "single-AZ micro PostgreSQL and one micro Redis node (no failover: a node failure puts",
        "the tasks in Redis degraded mode until ElastiCache replaces it).",
        "",
    ]
    return "\n".join(out)


def main() -> int:
    text = render()
    if "--write" in sys.argv:
        RESULT.write_text(text, encoding="utf-8")
    elif "--check" in sys.argv:
        if not RESULT.is_file() or RESULT.read_text(encoding="utf-8") != text:
            print(f"{RESULT} is stale: run python3 deploy/cost/estimate.py --write", file=sys.stderr)
            return 1
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
