"""API budgets before deploying: requests per hour per credential, summed over the enabled collectors.

Each collector's requests per run are measured from one run (offline from its cassettes, or
live), each request put down to its credential (``toolkit.sources.budget``). Its runs per hour
come from its schedule in the Helm values; the limit from the collector's ``rate_limits`` or,
failing that, from the ``X-RateLimit-Limit``/``RateLimit-Limit`` headers its answers carried.
``apiBudgets.margin`` in the values (default 1.0) is the share of each limit the enabled
collectors may plan to use. ``dd-toolkit cost --api`` prints it; ``doctor`` fails a collector
whose credentials are over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..engine import CollectorRef, load, run_collectors
from ..model import ratelimits, schedule_gaps
from .values import Values

DEFAULT_MARGIN = 1.0


@dataclass(frozen=True)
class CollectorUse:
    """One collector's use of one credential."""

    collector: str
    enabled: bool
    schedule: str
    requests_per_run: int
    gap: int  # the schedule's shortest gap between runs, seconds

    def runs_per(self, window: int) -> int:
        return ratelimits.runs_per_window(self.gap, window)

    @property
    def runs_per_hour(self) -> int:
        return self.runs_per(ratelimits.HOUR)

    @property
    def requests_per_hour(self) -> int:
        return self.requests_per_run * self.runs_per_hour


@dataclass
class CredentialBudget:
    """One credential: the collectors that use it and their sum against its limit."""

    credential: str
    limit: ratelimits.Limit | None = None
    margin: float = DEFAULT_MARGIN
    uses: list[CollectorUse] = field(default_factory=list)
    remaining: int | None = None  # what the provider said was left, in the measured runs

    @property
    def counted(self) -> list[CollectorUse]:
        return [u for u in self.uses if u.enabled]

    @property
    def requests_per_hour(self) -> int:
        return sum(u.requests_per_hour for u in self.counted)

    @property
    def requests_per_window(self) -> int:
        window = self.limit.window if self.limit is not None else ratelimits.HOUR
        return sum(u.requests_per_run * u.runs_per(window) for u in self.counted)

    @property
    def allowed(self) -> float | None:
        return None if self.limit is None else self.limit.requests * self.margin

    @property
    def over(self) -> bool:
        return self.allowed is not None and self.requests_per_window > self.allowed

    def line(self) -> str:
        names = ", ".join(u.collector for u in self.counted) or "no enabled collector"
        window = "" if self.limit is None or self.limit.window == ratelimits.HOUR else f" ({self.requests_per_window:,} {self.limit.per_window})"
        if self.limit is None:
            against = "no known limit (declare rate_limits on the collector)"
        else:
            share = "" if self.margin == 1 else f" x margin {self.margin:g} = {self.allowed:,.0f}"
            against = f"against {self.limit.text()} ({self.limit.source}){share}"
        verdict = " OVER" if self.over else ""
        idle = [u.collector for u in self.uses if not u.enabled]
        not_counted = f" (not enabled, not counted: {', '.join(idle)})" if idle else ""
        return f"{self.credential}: {self.requests_per_hour:,} requests an hour{window} from {names}, {against}{verdict}{not_counted}"

    def to_json(self) -> dict[str, Any]:
        return {
            "requests_per_hour": self.requests_per_hour,
            "requests_per_window": self.requests_per_window,
            "limit": self.limit.requests if self.limit else None,
            "limit_window_seconds": self.limit.window if self.limit else None,
            "limit_source": self.limit.source if self.limit else None,
            "margin": self.margin,
            "over": self.over,
            "remaining": self.remaining,
            "collectors": {
                u.collector: {"enabled": u.enabled, "schedule": u.schedule, "requests_per_run": u.requests_per_run,
                              "runs_per_hour": u.runs_per_hour, "requests_per_hour": u.requests_per_hour}
                for u in self.uses
            },
        }


def margin(values: Values) -> float:
    raw = ((values.data.get("apiBudgets") or {}) if isinstance(values.data.get("apiBudgets"), dict) else {}).get("margin")
    try:
        return float(raw) if raw is not None and not isinstance(raw, bool) else DEFAULT_MARGIN
    except (TypeError, ValueError):
        return DEFAULT_MARGIN  # the schema check names a malformed one


def measure(refs: Sequence[CollectorRef], *, offline: bool, timeout: float | None = None):
    """Run each collector once; returns (results, {name: declared limits}, {name: why it was not measured})."""
    results = run_collectors(refs, timeout=timeout, offline=offline)
    declared: dict[str, dict[str, ratelimits.Limit]] = {}
    failed: dict[str, str] = {}
    for ref, result in zip(refs, results, strict=True):
        if result.fatal is not None:
            failed[ref.name] = f"{result.fatal.type}: {result.fatal.message}"
            continue
        collector, _ = load(ref)
        declared[ref.name] = ratelimits.declared_limits(getattr(collector, "rate_limits", None), type(collector).__name__)
    return [r for r in results if r.collector not in failed], declared, failed


def budgets(results, declared: dict[str, dict[str, ratelimits.Limit]], values: Values) -> dict[str, CredentialBudget]:
    """Per credential, the measured collectors that used it against its limit, from ``values``' schedules."""
    entries = values.collectors
    share = margin(values)
    out: dict[str, CredentialBudget] = {}
    for result in results:
        entry = entries.get(result.collector)
        schedule = entry.schedule if entry is not None else "*/15 * * * *"
        shortest, _ = schedule_gaps(schedule)
        for name, use in ratelimits.credential_uses(result.requests).items():
            budget = out.setdefault(name, CredentialBudget(name, margin=share))
            limit = declared.get(result.collector, {}).get(name) or use.learned
            if limit is not None and (budget.limit is None or (budget.limit.source != "declared" and limit.source == "declared")):
                budget.limit = limit
            elif limit is not None and limit.source == "declared" and limit.per_hour < budget.limit.per_hour:
                budget.limit = limit  # two declarations: the stricter one
            budget.uses.append(CollectorUse(result.collector, bool(entry is not None and entry.enabled), schedule, use.requests, shortest))
            if use.remaining is not None:
                budget.remaining = use.remaining if budget.remaining is None else min(budget.remaining, use.remaining)
    for budget in out.values():
        budget.uses.sort(key=lambda u: u.collector)
    return dict(sorted(out.items()))


@dataclass
class Plan:
    """What ``cost --api`` prints and ``doctor`` checks: the credentials of the named collectors."""

    credentials: dict[str, CredentialBudget]
    unmeasured: dict[str, str]  # collector -> why its run could not be measured
    uncredited: list[str]  # named collectors whose requests no credential was found for

    @property
    def over(self) -> list[CredentialBudget]:
        return [b for b in self.credentials.values() if b.over]

    def to_json(self) -> dict[str, Any]:
        return {"credentials": {n: b.to_json() for n, b in self.credentials.items()}, "unmeasured": self.unmeasured,
                "uncredited": self.uncredited}


def plan(refs: Sequence[CollectorRef], values: Values, available: dict[str, CollectorRef], *, offline: bool,
         timeout: float | None = None) -> Plan:
    """The credentials ``refs`` use, each summed over every enabled collector of ``values`` that uses it too.

    ``available``: every collector by name (``engine.discover``), for the enabled ones not named.
    """
    named = {ref.name for ref in refs}
    others = [available[n] for n in values.enabled if n in available and n not in named]
    results, declared, failed = measure([*refs, *others], offline=offline, timeout=timeout)
    every = budgets(results, declared, values)
    used = {name for name, b in every.items() if any(u.collector in named for u in b.uses)}
    credited = {u.collector for b in every.values() for u in b.uses}
    return Plan(
        {name: b for name, b in every.items() if name in used},
        failed,
        sorted(r.collector for r in results if r.collector in named and r.collector not in credited and r.requests),
    )


__all__ = ["CollectorUse", "CredentialBudget", "Plan", "budgets", "margin", "measure", "plan"]
