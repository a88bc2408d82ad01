"""Rate budgets per credential, shared by every client of the process.

Each request is put down to the credential it authenticates with: the secret an
``http_client(auth_secret=...)`` names, or the secret whose value (``get_secret``'s) one of its
header values carries, Basic credentials decoded. Its answer's rate-limit headers
(``X-RateLimit-Remaining``/``RateLimit-Remaining``, ``-Reset``) set that credential's budget,
one per process: every collector of a ``run --all`` draws on the same one.

Live, a request that would take the budget down past its floor (``BaseCollector.rate_floors``,
default 0) is not sent: ``RateBudgetSpent`` names the credential and when it resets, and the
metric that needed it records that error while the others carry on. Until an answer has told the
budget, one request per credential is in flight at a time, so a pool of metrics cannot spend
more than the provider has left before it is known. Retries are not gated (the retry layer
already waits for the window's reset). Offline, the recorded headers are read and counted but
never gate: a replay answers what was recorded.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections.abc import Mapping

from ..errors import RateBudgetSpent
from ..model import RunContext, current_run, ratelimits
from ._httpx import httpx
from .secrets import secret_names_by_value

_MIN_SECRET = 8  # shorter values (a "1", a region) would match headers by chance
_FLOORS = ("dd-toolkit rate floors",)  # run.cache key: the collector's rate_floors


class Budget:
    """One credential's budget in this process: what its provider said is left, less what is in flight."""

    def __init__(self, credential: str) -> None:
        self.credential = credential
        self._cond = threading.Condition()
        self.remaining: int | None = None  # None: not known yet
        self.reset_at: float | None = None
        self.metered = True  # False once an answer came without a remaining count
        self._probing = False
        self._in_flight = 0

    def acquire(self, floor: int, now: float, deadline: float | None) -> bool:
        """Take one request from the budget; True when it is the probe that will tell the budget.

        Raises ``RateBudgetSpent`` when the budget is at its floor, or the run's deadline
        passed waiting for the probe's answer.
        """
        with self._cond:
            while True:
                if self.reset_at is not None and now >= self.reset_at:
                    self.remaining, self.reset_at = None, None  # a new window: ask again
                if not self.metered:
                    self._in_flight += 1
                    return False
                if self.remaining is not None:
                    if self.remaining <= floor:
                        raise RateBudgetSpent(
                            f"skipped for the rate budget: {self.credential} has {self.remaining} request(s) left "
                            f"(floor {floor}) until it resets at {ratelimits.reset_text(self.reset_at, now)}"
                        )
                    self.remaining -= 1
                    self._in_flight += 1
                    return False
                if not self._probing:
                    self._probing = True
                    self._in_flight += 1
                    return True
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise RateBudgetSpent(
                        f"skipped for the rate budget: the run's deadline passed waiting for {self.credential}'s first answer"
                    )
                self._cond.wait(timeout=left)
                now = time.time()

    def release(self, probe: bool, rate: ratelimits.RateHeaders | None, answered: bool) -> None:
        """The request's answer (``answered``: one came), with its headers when it carried them."""
        with self._cond:
            self._in_flight -= 1
            if probe:
                self._probing = False
            self._update(rate, answered)

    def note(self, rate: ratelimits.RateHeaders | None) -> None:
        """A retry's answer: not gated, it still tells what is left."""
        with self._cond:
            self._update(rate, answered=False)

    def _update(self, rate: ratelimits.RateHeaders | None, answered: bool) -> None:
        if rate is not None and rate.remaining is not None:
            fresh = rate.remaining - self._in_flight  # the others still out will spend theirs too
            new_window = rate.reset_at is not None and (self.reset_at is None or rate.reset_at > self.reset_at + 1)
            if self.remaining is None or new_window:
                self.remaining = fresh
            else:
                self.remaining = min(self.remaining, fresh)
            self.reset_at = rate.reset_at or self.reset_at
            self.metered = True
        elif answered and self.remaining is None:
            self.metered = False  # this API says nothing of a budget: nothing to wait for
        self._cond.notify_all()


_budgets: dict[str, Budget] = {}
_budgets_lock = threading.Lock()


def budget(credential: str) -> Budget:
    """The process's budget of ``credential``."""
    with _budgets_lock:
        found = _budgets.get(credential)
        if found is None:
            found = _budgets[credential] = Budget(credential)
        return found


def reset_budgets() -> None:
    """Forget every credential's budget (tests; a long-lived process between unrelated runs)."""
    with _budgets_lock:
        _budgets.clear()


def set_rate_floors(run: RunContext, floors: Mapping[str, int]) -> None:
    """The requests the run leaves in each credential's budget (its collector's ``rate_floors``)."""
    with run.cache_lock:
        run.cache[_FLOORS] = dict(floors)


def _floor(run: RunContext | None, credential: str) -> int:
    if run is None:
        return 0
    return int((run.cache.get(_FLOORS) or {}).get(credential, 0))


def credential_of(request: httpx.Request) -> str | None:
    """The secret a request's headers carry (longest value first), Basic credentials decoded."""
    known = sorted(((v, n) for v, n in secret_names_by_value().items() if len(v) >= _MIN_SECRET), key=lambda vn: -len(vn[0]))
    if not known:
        return None
    texts = []
    for name, value in request.headers.items():
        texts.append(value)
        if name.lower() == "authorization" and value[:6].lower() == "basic ":
            try:
                texts.append(base64.b64decode(value[6:].strip(), validate=True).decode("utf-8", "replace"))
            except (binascii.Error, ValueError):
                pass
    for value, name in known:
        if any(value in text for text in texts):
            return name
    return None


def _epoch(run: RunContext | None) -> float:
    clock = run.clock if run is not None else None
    return clock().timestamp() if clock is not None else time.time()


class BudgetedTransport(httpx.BaseTransport):
    """Under the recorder, above each try: puts the request down to its credential, reads the
    answer's rate-limit headers into the exchange, and live refuses a first try the budget cannot pay."""

    def __init__(self, inner: httpx.BaseTransport, credential: str | None = None, exchange=None) -> None:
        self._inner = inner
        self._credential = credential
        self._exchange = exchange  # the http module's ContextVar of the request being recorded

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        run = current_run()
        credential = self._credential or credential_of(request)
        exchange = self._exchange.get() if self._exchange is not None else None
        if credential is None:
            return self._inner.handle_request(request)
        if exchange is not None:
            exchange.credential = credential
        first_try = exchange is None or exchange.attempts == 0
        if (run is not None and run.offline) or not first_try:
            response = self._inner.handle_request(request)
            self._read(response, run, exchange, credential, None)
            return response
        shared = budget(credential)
        probe = shared.acquire(_floor(run, credential), _epoch(run), run.deadline if run is not None else None)
        try:
            response = self._inner.handle_request(request)
        except BaseException:
            shared.release(probe, None, answered=False)
            raise
        self._read(response, run, exchange, credential, (shared, probe))
        return response

    @staticmethod
    def _read(response: httpx.Response, run: RunContext | None, exchange, credential: str, held) -> None:
        rate = ratelimits.rate_headers(response.headers, _epoch(run))
        if exchange is not None and rate is not None:
            exchange.rate = rate
        if held is not None:
            held[0].release(held[1], rate, answered=True)
        elif run is None or not run.offline:
            budget(credential).note(rate)

    def close(self) -> None:
        self._inner.close()


__all__ = ["Budget", "BudgetedTransport", "budget", "credential_of", "reset_budgets", "set_rate_floors"]
