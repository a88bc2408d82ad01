"""Catch-up and zero-fill for ``run --push``: what earlier runs pushed, read back from Datadog.

For each collector that ran, the store (``datadog.DatadogState``: the metrics query API, both
keys) says which window was pushed last. The windows missed since then are collected (their
windowed metrics, the clock frozen at each one's end, within the run's deadline) and pushed
oldest first before the current one; those older than the intake takes are named, in the
summary and in ``collector.<name>.windows_missed``. Each windowed count then gets its 0s and
retirements (``engine.zero_fill``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

LOOKBACK = timedelta(days=1)  # how far back the last pushed window is looked for


def _utcnow() -> datetime:
    return datetime.now(UTC)


def catch_up_and_fill(
    refs, results, env, schedules: Mapping[str, str | None], *, began: float, timeout: float | None, interrupt=None,
    state=None, retire_after: int | Mapping[str, int | None] | None = None, say: Callable[[str], None] | None = None,
    clock: Callable[[], datetime] | None = None, push_budget: float | None = None,
) -> list:
    """``results`` (one current run per collector) with each one's caught-up windows before it, every window zero-filled."""
    from ..datadog import ACCEPTS_PAST_SECONDS, DatadogState
    from ..engine import RETIRE_AFTER, collect_past_windows, load
    from ..errors import ToolkitError
    from ..model import catch_up, defaults

    push_budget = defaults.PUSH_TIMEOUT if push_budget is None else push_budget

    say = say or (lambda line: print(f"dd-toolkit: {line}", file=sys.stderr))
    state = state or DatadogState(env.endpoint, env.api_key, env.app_key)
    limits = retire_after if isinstance(retire_after, Mapping) else {}
    by_name = {ref.name: ref for ref in refs}
    out = []
    for current in results:
        ref = by_name.get(current.collector)
        if current.fatal is not None or current.window is None or ref is None:
            out.append(current)
            continue
        schedule = schedules.get(current.collector)
        limit = limits.get(current.collector) if limits else retire_after
        limit = RETIRE_AFTER if limit is None else limit
        try:
            last = state.last_window_end(current.collector, current.window.end - LOOKBACK, current.window.end)
        except ToolkitError as exc:
            say(f"{current.collector}: no catch-up or zero-fill this run: {exc}")
            out.append(current)
            continue
        # the oldest end the intake still takes when these points reach it: after collecting and pushing
        not_before = (clock or _utcnow)() - timedelta(seconds=ACCEPTS_PAST_SECONDS) + timedelta(seconds=(timeout or defaults.RUN_TIMEOUT) + push_budget)
        todo, too_old = catch_up(schedule, current.window, last, not_before=not_before)
        past = collect_past_windows(ref, todo, started=began, timeout=timeout, schedule=schedule, interrupt=interrupt) if todo else []
        past = [r for r in past if r.fatal is None]
        done = {r.window for r in past}
        current.windows_missed = too_old + [w for w in todo if w not in done]
        if past:
            say(f"{current.collector}: caught up {len(past)} missed window(s): {', '.join(r.window.label() for r in past)}")
        if current.windows_missed:
            say(f"{current.collector}: could not catch up {len(current.windows_missed)} window(s) "
                f"({', '.join(w.label() for w in current.windows_missed)}): older than the intake takes "
                f"({ACCEPTS_PAST_SECONDS // 60} minutes) or past the deadline; `dd-toolkit backfill {current.collector}` with historical metrics ingestion can")
        collector, _ = load(ref)
        specs = collector.metric_specs() if collector is not None else []
        try:
            _fill(past + [current], specs, state, schedule, limit)
        except ToolkitError as exc:
            say(f"{current.collector}: no zero-fill this run: {exc}")
        for r in past + [current]:
            for name in r.retired:
                say(f"{current.collector}: {name} retired: no event in {limit} windows, no longer sent as 0")
        out.extend(past + [current])
    return out


def _fill(results: Sequence, specs, state, schedule: str | None, retire_after: int) -> None:
    """Zero-fill each window in turn: an event caught up in one window keeps its tag set alive in the next."""
    from ..engine import zero_fill

    windowed = [spec for spec in specs if spec.window]
    if not windowed:
        return
    first = results[0].window
    since = first.start - timedelta(seconds=first.seconds * (retire_after + 1))
    known: dict[str, dict[tuple[str, ...], datetime | None]] = {}
    seen: dict[str, dict[tuple[str, ...], datetime]] = {}
    for spec in windowed:
        keys = sorted({t.split(":", 1)[0] for r in results for o in r.outcomes if o.name == spec.name for s in o.series for t in s.tags})
        keys = keys or state.tag_keys(spec.name)  # no tag set this run: the keys it was pushed with
        pushed = state.tag_sets(results[0].collector, spec.name, keys, since, first.start)
        known[spec.name] = {tags: last for tags, (last, _) in pushed.items()}
        seen[spec.name] = {tags: sent for tags, (_, sent) in pushed.items()}
    for r in results:
        zero_fill(r, specs, known, schedule=schedule, retire_after=retire_after, seen=seen)
        for o in r.outcomes:
            if o.name in known:
                for s in o.series:
                    seen[o.name][s.tags] = r.window.end
                    if s.value:
                        known[o.name][s.tags] = r.window.end
                    else:
                        known[o.name].setdefault(s.tags, None)
