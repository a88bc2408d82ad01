"""Custom metrics as Datadog bills them, counted from a run's series.

https://docs.datadoghq.com/account_management/billing/custom_metrics/ : a custom metric is a
unique combination of a metric name and tag values. Gauges, counts and rates are one per tag
set; a distribution is billed for five aggregations per tag set (count, sum, min, max, avg),
and five more per tag set with percentiles enabled (not counted here: percentiles are switched
on in Datadog, not in the code). The tags the push adds to every series (env, service,
version, source, collector) are the same for a collector's every series, so they add no tag
set; they are why two deployments (two envs) are billed twice.

The default billing model is per tag set. On contracts with metric-name pricing, the figure is
the number of distinct names (``by_name``); every figure says which model it uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

DISTRIBUTION_AGGREGATIONS = 5
PER_TAG_SET = "per tag set"
PER_METRIC_NAME = "per metric name"
# An example only, never a default: Datadog's public list price for extra custom metrics on
# https://www.datadoghq.com/pricing/ (Infrastructure, "custom metrics"), $5 per 100 per month
# when seen in 2026. Contracts differ: pass --price or set budget.pricePer100 in the values.
EXAMPLE_PRICE_PER_100 = 5.0


@dataclass
class MetricCount:
    metric: str
    type: str
    tag_sets: set[frozenset[str]] = field(default_factory=set)

    @property
    def custom_metrics(self) -> int:
        per_set = DISTRIBUTION_AGGREGATIONS if self.type == "distribution" else 1
        return len(self.tag_sets) * per_set


def count_series(series: Iterable[Any]) -> dict[str, MetricCount]:
    """Per metric name: its tag sets and what they are billed as (``series``: ``Series``)."""
    counts: dict[str, MetricCount] = {}
    for s in series:
        entry = counts.setdefault(s.metric, MetricCount(s.metric, s.type))
        entry.tag_sets.add(frozenset(s.tags))
    return counts


def total(counts: dict[str, MetricCount]) -> int:
    return sum(c.custom_metrics for c in counts.values())


def to_json(counts: dict[str, MetricCount]) -> dict[str, Any]:
    """The counts as ``run --json`` and ``cost --json`` carry them (the baseline's shape)."""
    return {
        "billing": PER_TAG_SET,
        "total": total(counts),
        "by_name": len(counts),
        "metrics": {
            name: {"type": c.type, "custom_metrics": c.custom_metrics, "tag_sets": sorted(sorted(t) for t in c.tag_sets)}
            for name, c in counts.items()
        },
    }


def monthly_estimate(custom_metrics: int, price_per_100: float) -> float:
    return custom_metrics / 100 * price_per_100
