"""EC2 metrics: one DescribeInstances and one DescribeVolumes listing per region, shared per run."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

from toolkit import aws_client, get_config, get_config_list, metric, per_run

DEFAULT_REGIONS = "us-east-1"
# AWS limits: DescribeInstances MaxResults 5-1000, DescribeVolumes 5-500. Big pages, few calls.
INSTANCE_PAGE_SIZE = 1000
VOLUME_PAGE_SIZE = 500
# Instance families with GPUs: p* (p3, p4d, p5, p6-b200...), g* (g4dn, g5, g6...), gr6.
_GPU_FAMILY = re.compile(r"^(p|g|gr)\d")


def _regions() -> list[str]:
    return get_config_list("EC2_REGIONS", DEFAULT_REGIONS)


def _client(region: str) -> Any:
    return aws_client("ec2", region, endpoint_url=get_config("EC2_ENDPOINT_URL"))


@per_run
def running_instances(region: str) -> list[dict]:
    """Every running instance in ``region`` (instances are nested in reservations)."""
    paginator = _client(region).get_paginator("describe_instances")
    pages = paginator.paginate(
        Filters=[{"Name": "instance-state-name", "Values": ["running"]}],
        PaginationConfig={"PageSize": INSTANCE_PAGE_SIZE},
    )
    return [instance for page in pages for reservation in page["Reservations"] for instance in reservation["Instances"]]


@per_run
def unattached_volumes(region: str) -> list[dict]:
    """EBS volumes in state ``available``, i.e. attached to no instance."""
    paginator = _client(region).get_paginator("describe_volumes")
    pages = paginator.paginate(
        Filters=[{"Name": "status", "Values": ["available"]}],
        PaginationConfig={"PageSize": VOLUME_PAGE_SIZE},
    )
    return [volume for page in pages for volume in page["Volumes"]]


def lifecycle(instance: dict) -> str:
    """``spot`` (or ``scheduled``, ``capacity-block``...); AWS omits the field for On-Demand."""
    return instance.get("InstanceLifecycle") or "on-demand"


def is_gpu(instance_type: str) -> bool:
    return bool(_GPU_FAMILY.match(instance_type.split(".", 1)[0]))


@cache
def price_table() -> dict[str, dict[str, float]]:
    data = json.loads((Path(__file__).with_name("prices.json")).read_text(encoding="utf-8"))
    return data["regions"]


def hourly_price(region: str, instance_type: str) -> float | None:
    return price_table().get(region, {}).get(instance_type)


def _per_region(count) -> dict[tuple[str, ...], float]:
    return {(f"region:{region}",): count(region) for region in _regions()}


@metric("ec2.instances.running", unit="count")
def instances_running():
    """Running instances, per region."""
    return _per_region(lambda region: len(running_instances(region)))


@metric("ec2.instances.by_type", unit="count")
def instances_by_type():
    """Running instances per region, instance type and lifecycle (spot / on-demand)."""
    counts: Counter[tuple[str, ...]] = Counter()
    for region in _regions():
        for instance in running_instances(region):
            counts[(f"region:{region}", f"instance_type:{instance['InstanceType']}", f"lifecycle:{lifecycle(instance)}")] += 1
    return dict(counts)


@metric("ec2.instances.gpu", unit="count")
def instances_gpu():
    """Running GPU instances (p*, g*, gr* families), per region."""
    return _per_region(lambda region: sum(1 for i in running_instances(region) if is_gpu(i["InstanceType"])))


@metric("ec2.volumes.unattached", unit="count")
def volumes_unattached():
    """EBS volumes attached to no instance (state available), per region."""
    return _per_region(lambda region: len(unattached_volumes(region)))


@metric("ec2.volumes.unattached_size", unit="gb")
def volumes_unattached_size():
    """Total size of unattached EBS volumes in GiB, per region."""
    return _per_region(lambda region: sum(v["Size"] for v in unattached_volumes(region)))


@metric("ec2.cost.hourly_estimate", unit="usd")
def cost_hourly_estimate():
    """Estimated cost per hour of the running instances (On-Demand prices from the shipped table), per region."""

    def cost(region: str) -> float:
        prices = [hourly_price(region, i["InstanceType"]) for i in running_instances(region)]
        return round(sum(p for p in prices if p is not None), 6)

    return _per_region(cost)


@metric("ec2.cost.unpriced_instances", unit="count")
def cost_unpriced_instances():
    """Running instances whose type has no price in the shipped table (left out of the estimate), per region."""
    return _per_region(lambda region: sum(1 for i in running_instances(region) if hourly_price(region, i["InstanceType"]) is None))
