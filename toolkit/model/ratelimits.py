"""API rate limits per credential: what a provider's headers say, what a collector declares, and
the arithmetic of requests an hour against a limit. Pure: ``sources.budget`` applies it at run
time, ``cost --api`` and ``doctor`` before deploying.

The headers read are the two families providers send (docs/budgets.md has each provider's
page): GitHub's and Asana's ``X-RateLimit-Limit`` / ``-Remaining`` / ``-Reset`` (an epoch time at
GitHub) and the IETF draft's ``RateLimit-Limit`` / ``-Remaining`` / ``-Reset`` (seconds left in
the window), with the window from ``X-RateLimit-Period`` (Datadog) or a policy's ``w=``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import MetricDefinitionError

HOUR = 3600
_UNITS = {"second": 1, "sec": 1, "s": 1, "minute": 60, "min": 60, "m": 60, "hour": HOUR, "h": HOUR, "day": 86400, "d": 86400}
_LIMIT = re.compile(r"^\s*(\d[\d_,]*)\s*/\s*(\d+\s*)?([a-z]+)\s*$")
_WINDOW = re.compile(r"(?:^|;)\s*w\s*=\s*(\d+)")


@dataclass(frozen=True)
class Limit:
    """``requests`` per ``window`` seconds, for one credential; ``source`` says where it came from."""

    requests: int
    window: int = HOUR
    source: str = "declared"

    @property
    def per_hour(self) -> float:
        return self.requests * HOUR / self.window

    @property
    def per_window(self) -> str:
        """``an hour``, ``a minute``, ``every 600s``: how its window reads after "requests"."""
        return {1: "a second", 60: "a minute", HOUR: "an hour", 86400: "a day"}.get(self.window, f"every {self.window}s")

    def text(self) -> str:
        unit = {1: "second", 60: "minute", HOUR: "hour", 86400: "day"}.get(self.window)
        return f"{self.requests:,}/{unit}" if unit else f"{self.requests:,}/{self.window}s"


def parse_limit(text: str, where: str = "rate_limits") -> Limit:
    """``"5000/hour"``, ``"150/minute"``, ``"1500/10 minutes"`` as a ``Limit``; MetricDefinitionError names the fix."""
    match = _LIMIT.match(str(text).lower().rstrip("s") if isinstance(text, str) else "")
    unit = _UNITS.get(match.group(3).rstrip("s")) if match else None
    if match is None or unit is None:
        raise MetricDefinitionError(f"{where}: {text!r} is not a rate limit like '5000/hour' or '150/minute'")
    count = int(match.group(1).replace(",", "").replace("_", ""))
    return Limit(count, unit * int(match.group(2) or 1))


def declared_limits(declared: Mapping[str, str] | None, where: str) -> dict[str, Limit]:
    """A collector class's ``rate_limits`` ({secret name: "5000/hour"}) parsed."""
    return {name: parse_limit(text, f"{where}.rate_limits[{name!r}]") for name, text in (declared or {}).items()}


@dataclass(frozen=True)
class RateHeaders:
    """What one answer said of its credential's budget (None: not said)."""

    limit: int | None = None
    window: int | None = None  # seconds, when the answer states it
    remaining: int | None = None
    reset_at: float | None = None  # epoch seconds

    def reset_text(self, now: float) -> str:
        return reset_text(self.reset_at, now)


def reset_text(reset_at: float | None, now: float) -> str:
    if reset_at is None:
        return "an unknown time (the API sent no reset)"
    minutes = max(0, math.ceil((reset_at - now) / 60))
    return f"{datetime.fromtimestamp(reset_at, UTC):%Y-%m-%d %H:%M:%S} UTC (in {minutes} min)"


def _int(text: str | None) -> int | None:
    match = re.match(r"\s*(\d+)", text or "")
    return int(match.group(1)) if match else None


def rate_headers(headers: Mapping[str, str], now: float) -> RateHeaders | None:
    """The rate-limit headers of one answer, or None when it carried none; ``now`` is epoch seconds
    (a reset given as seconds left is made an epoch time from it)."""

    def get(name: str) -> str | None:
        value = headers.get(f"X-{name}")
        return value if value is not None else headers.get(name)

    remaining, limit_text = _int(get("RateLimit-Remaining")), get("RateLimit-Limit")
    if remaining is None and limit_text is None:
        return None
    window = _int(headers.get("X-RateLimit-Period"))
    for text in (limit_text, headers.get("RateLimit-Policy")):
        found = _WINDOW.search(text or "")
        if window is None and found:
            window = int(found.group(1))
    reset_at = None
    try:
        reset = float(get("RateLimit-Reset") or "")
    except ValueError:
        pass
    else:  # GitHub sends an epoch time; the IETF draft and Datadog the seconds left in the window
        reset_at = reset if reset > 1e9 else now + reset
    return RateHeaders(_int(limit_text), window or None, remaining, reset_at)


def runs_per_window(shortest_gap: int, window: int = HOUR) -> int:
    """The most runs of a schedule inside one window: a daily run still spends its whole run in one hour."""
    return max(1, math.ceil(window / shortest_gap))


@dataclass(frozen=True)
class CredentialUse:
    """One collector's requests with one credential in one run, and what its answers said."""

    credential: str
    requests: int
    learned: Limit | None = None  # from X-RateLimit-Limit / RateLimit-Limit
    remaining: int | None = None  # the provider's count after the run (the newest window's lowest)


def credential_uses(exchanges: Iterable) -> dict[str, CredentialUse]:
    """Per credential: the requests sent (each try counts: a retry spends the budget too) and
    what the answers' headers said, from a run's ``HttpExchange``s."""
    sent: dict[str, int] = {}
    limits: dict[str, Limit] = {}
    newest: dict[str, tuple[float, int]] = {}  # credential -> (window's reset, lowest remaining in it)
    for exchange in exchanges:
        name = exchange.credential
        if name is None:
            continue
        sent[name] = sent.get(name, 0) + exchange.attempts
        rate = exchange.rate
        if rate is None:
            continue
        if rate.limit is not None:
            # a window the answer does not state is taken as an hour: GitHub's, Asana's per-minute
            # limit is declared by the collector (rate_limits), which wins over what is learned
            limits[name] = Limit(rate.limit, rate.window or HOUR, "learned" if rate.window else "learned, window taken as an hour")
        if rate.remaining is not None:
            reset = rate.reset_at or 0.0
            was = newest.get(name)
            if was is None or reset > was[0]:
                newest[name] = (reset, rate.remaining)
            elif reset == was[0]:
                newest[name] = (reset, min(was[1], rate.remaining))
    return {name: CredentialUse(name, sent[name], limits.get(name), newest[name][1] if name in newest else None) for name in sent}


__all__ = [
    "HOUR",
    "CredentialUse",
    "Limit",
    "RateHeaders",
    "credential_uses",
    "declared_limits",
    "parse_limit",
    "rate_headers",
    "reset_text",
    "runs_per_window",
]
