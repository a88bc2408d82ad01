"""Zero-fill and retirement of a windowed count's tag sets.

A count over tags (merged pull requests per repository) that has no event for a tag set in its
window would send nothing for it, and Datadog shows "no data", not 0 (monitors on it misfire).
So a windowed count sends 0 for each tag set it had an event for within its last
``retire_after`` windows and returned nothing for now. A tag set with no event for longer is
retired: named once in the result (``retired``), in the first window past the limit, and no
longer filled. A tag set the metric function returns itself (with 0) is always sent as returned;
one it returned last window with no event in the limit (a repository with no merge, removed from
the configuration) is retired at once: only the function sends a tag set with no recent event,
so its 0s stop with it, and the retirement is its sign.

What was sent before comes from the store (``datadog/state.py``): per metric, each tag set, the
time of its last non-zero point (``known``) and of its last point of any value (``seen``).
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
    seen: dict[str, dict[tuple[str, ...], datetime]] | None = None,
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
            if tags in have:
                continue
            if last is None:  # only 0s, never filled: returned by the function; gone since the last window?
                sent = (seen or {}).get(outcome.name, {}).get(tags)
                if sent is not None and len(windows_between(schedule, sent, window.end)) == 1:
                    result.retired.append(f"{outcome.name}{{{','.join(tags)}}}")
                continue
            absent = len(windows_between(schedule, last, window.end))  # windows since its last event, this one included
            if absent <= retire_after:
                filled.append(Series(outcome.name, 0.0, tags, spec.unit, "count", interval=window.seconds))
            elif absent == retire_after + 1:
                result.retired.append(f"{outcome.name}{{{','.join(tags)}}}")
        if filled:
            result.outcomes[i] = replace(outcome, status=OK, series=outcome.series + tuple(filled), value=outcome.value)
