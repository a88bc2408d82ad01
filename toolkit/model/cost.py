"""Custom metrics as Datadog bills them, counted from a run's series.

Datadog's "Custom Metrics Billing" page (https://docs.datadoghq.com/account_management/billing/custom_metrics/;
DataDog/documentation content/en/account_management/billing/custom_metrics.md at
c2b35df9181ce21aa34bf66ea7f60c033a5c8fc3): a custom metric is a unique combination of a metric
name and tag values. Gauges, counts and rates are one per tag set; a distribution is five per
tag set (the server-side aggregations count, sum, min, max, avg), and five more per tag set when
percentile aggregations (p50, p75, p90, p95, p99) are added: those are switched on in Datadog,
not in the code, so they are not counted here. The tags the push adds to every series (env,
service, version, source, collector) are the same for a collector's every series, so they add
no tag set; they are why two deployments (two envs) are billed twice.

The default billing model is per tag set. On contracts with metric-name pricing
(content/en/account_management/billing/metric_name_pricing.md in the same repository), the
figure is the number of distinct names (``by_name``); every figure says which model it uses.
Neither page states a list price for indexed custom metrics: beyond the allotment (100 per host
on Pro, 200 on Enterprise), each 100 costs "an amount that is specified in your current
contract", so an estimate needs the user's price. (The billing page's one figure, $0.10 per 100
ingested custom metrics, applies only to metrics configured with Metrics without Limits.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

DISTRIBUTION_AGGREGATIONS = 5
PER_TAG_SET = "per tag set"
PER_METRIC_NAME = "per metric name"


@dataclass
class MetricCount:
    """One metric name's series, and what they are billed as."""

    metric: str
    type: str
    series: list[Any] = field(default_factory=list)  # ``Series``
    distinct: bool = True  # the series' tag sets are known to be distinct (one metric's, from to_series)
    columns: list[Any] = field(default_factory=list)  # a wide metric's ``SeriesColumn``: its tags read, no Series made

    @property
    def tag_sets(self) -> set[frozenset[str]]:
        return {frozenset(s.tags) for s in self.series} | {frozenset(t) for c in self.columns for t in c.tag_sets()}

    @property
    def series_count(self) -> int:
        """Its distinct tag sets (built as sets only when a name's series came in twice)."""
        return len(self.series) + sum(map(len, self.columns)) if self.distinct else len(self.tag_sets)

    @property
    def custom_metrics(self) -> int:
        per_set = DISTRIBUTION_AGGREGATIONS if self.type == "distribution" else 1
        return self.series_count * per_set


def count_series(series_by_metric: Iterable[Sequence[Any]]) -> dict[str, MetricCount]:
    """Per metric name: its series and what they are billed as.

    ``series_by_metric``: each metric's series, as ``CollectionResult.series_by_metric`` gives
    them. Within one metric the tag sets are distinct (``to_series`` refuses a repeat), so
    counting them builds no set per series; a name met in two sequences is counted by its
    distinct tag sets.
    """
    from .result import SeriesColumn

    counts: dict[str, MetricCount] = {}
    owners: dict[str, int] = {}

    def entry_of(metric: str, type: str, i: int) -> MetricCount:
        entry = counts.get(metric)
        if entry is None:
            entry = counts[metric] = MetricCount(metric, type)
            owners[metric] = i
        elif owners[metric] != i:
            entry.distinct = False
        return entry

    for i, seq in enumerate(series_by_metric):
        if type(seq) is SeriesColumn:
            if seq:
                entry_of(seq.metric, seq.type, i).columns.append(seq)
            continue
        for s in seq:
            entry_of(s.metric, s.type, i).series.append(s)
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
    """The month's cost of ``custom_metrics`` (per tag set) at the user's price per 100.

    Datadog bills the month's average of hourly distinct custom metrics, so a collector whose
    tag sets stay the same all month costs this; there is no default price (see the docstring).
    """
    return custom_metrics / 100 * price_per_100
