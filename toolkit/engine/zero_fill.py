"""Zero-fill and retirement of a windowed count's tag sets.

A count over tags (merged pull requests per repository) that has no event for a tag set in its
window would send nothing for it, and Datadog shows "no data", not 0 (monitors on it misfire).
So a windowed count sends 0 for each tag set it had an event for within its last
``retire_after`` windows and returned nothing for now. A tag set with no event for longer is
retired: named once in the result (``retired``), in the first window past the limit, and no
longer filled. A tag set the metric function returns itself (with 0) is always sent as returned.

What was sent before comes from the store (``datadog/state.py``): per metric, each tag set and
the time of its last non-zero point.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..model import OK, CollectionResult, MetricSpec, Series, windows_between

RETIRE_AFTER = 4  # windows (an hour of */15) a tag set with no event is still sent as 0


def zero_fill(
    result: CollectionResult,
    specs: list[MetricSpec],
    known: dict[str, dict[tuple[str, ...], datetime | None]],
    *,
    schedule: str | None,
    retire_after: int = RETIRE_AFTER,
) -> None:
    """Add a 0 for each known tag set a windowed count did not return; note the ones retired now."""
    if result.window is None:
        return
    window = result.window
    windowed = {spec.name: spec for spec in specs if spec.window}
    for i, outcome in enumerate(result.outcomes):
        spec = windowed.get(outcome.name)
        if spec is None or outcome.error is not None:  # a failed count is no evidence that nothing happened
            continue
        have = {s.tags for s in outcome.series} | {e.tags for e in outcome.item_errors}
        filled = []
        for tags, last in sorted(known.get(outcome.name, {}).items()):
            if tags in have or last is None:
                continue
            absent = len(windows_between(schedule, last, window.end))  # windows since its last event, this one included
            if absent <= retire_after:
                filled.append(Series(outcome.name, 0.0, tags, spec.unit, "count", interval=window.seconds))
            elif absent == retire_after + 1:
                result.retired.append(f"{outcome.name}{{{','.join(tags)}}}")
        if filled:
            result.outcomes[i] = replace(outcome, status=OK, series=outcome.series + tuple(filled), value=outcome.value)
