"""Offline replay: serve a collector's recorded cassettes instead of the network.

A replay directory (``tests/cassettes/<collector>/``) holds vcrpy cassettes (``*.yaml``, the
format ``dd-toolkit record`` writes) and ``replay.json``::

    {"recorded_at": "2026-11-20T12:00:00Z",        # the frozen clock for 7-day windows
     "config": {"GITHUB_REPOSITORIES": "..."},      # the settings it was recorded with
     "secrets": {"github/token": "placeholder"},    # get_secret() answers (never real values)
     "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
     "optional": ["GET /api/items?page=3"]}           # may be left unplayed (strict replay)

Strict replay: a test that replays a directory fails when one of its interactions was never
asked for (``ReplayTransport.unplayed``, enforced by ``toolkit.testing``): a stale
interaction is how a cassette rots. An interaction a scenario may legitimately leave unused
(the success after a retry that the run gave up before) is listed under ``optional`` as
``"METHOD URL"``: a full URL, or a path (with ``?query`` to compare the query too). The list
lives in ``replay.json`` rather than in the cassette because ``record --mode new`` rewrites a
cassette through vcrpy, which drops keys it does not know, while it keeps ``replay.json``'s.

The replay is an httpx transport of its own rather than vcrpy's global patching: the engine
runs metric functions in threads, and a transport handed to one run is thread-safe and
touches nothing else in the process. Cassettes are vcrpy's files (``dd-toolkit record`` writes
them with vcrpy), read here with PyYAML and matched by vcrpy's matcher names; importing the
``vcr`` package itself would pull in botocore and requests (~180 ms) on every offline start.
Nothing here can reach the network: an unmatched request is an error naming the cassette
directory and how to re-record.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from ..errors import ReplayError
from ..model import current_run, defaults, redact
from ..sources import httpx
from .bounded_yaml import MEMO_MAX_BYTES, read_text
from .bounded_yaml import load as load_yaml
from .matching import MATCHERS, Recorded, matches

DEFAULT_MATCH_ON = ("method", "scheme", "host", "port", "path", "query")
REPLAY_FILE = "replay.json"


@dataclass
class Replay:
    directory: Path
    interactions: list[tuple[Recorded, dict]]  # (recorded request, vcrpy response dict)
    match_on: tuple[str, ...] = DEFAULT_MATCH_ON
    config: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    recorded_at: datetime | None = None
    optional: tuple[str, ...] = ()  # "METHOD URL" entries that may be left unplayed

    def is_optional(self, rec: Recorded) -> bool:
        return any(_optional_matches(entry, rec) for entry in self.optional)

    def clock(self) -> datetime:
        return self.recorded_at or datetime.now(UTC)

    def transport(self) -> ReplayTransport:
        return ReplayTransport(self)


def load_replay(directory: Path, collector: str = "") -> Replay:
    """Read a replay directory; a missing or empty one is a ``ReplayError`` naming the fix."""
    directory = Path(directory)
    record = f"`dd-toolkit record {collector}`" if collector else "`dd-toolkit record NAME`"
    cassettes = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not cassettes:
        raise ReplayError(f"no cassettes in {directory}; record them with {record} or run without --offline")
    interactions = read_interactions(directory, collector)
    meta = _read_meta(directory / REPLAY_FILE)
    recorded_at = meta.get("recorded_at")
    try:
        recorded = datetime.fromisoformat(recorded_at.replace("Z", "+00:00")) if recorded_at else None
    except (AttributeError, ValueError):
        raise ReplayError(f"{directory / REPLAY_FILE}: recorded_at {recorded_at!r} is not an ISO 8601 time such as 2026-11-20T12:00:00Z") from None
    return Replay(
        directory=directory,
        interactions=interactions,
        match_on=tuple(_strings(meta.get("match_on", list(DEFAULT_MATCH_ON)), "match_on", directory / REPLAY_FILE)),
        config=_mapping(meta.get("config", {}), "config", directory / REPLAY_FILE),
        secrets=_mapping(meta.get("secrets", {}), "secrets", directory / REPLAY_FILE),
        recorded_at=recorded,
        optional=_optional(meta.get("optional", []), directory / REPLAY_FILE),
    )


def _strings(value: Any, key: str, path: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ReplayError(f'{path}: "{key}" must be a list of strings; fix or delete it')
    return value


def _mapping(value: Any, key: str, path: Path) -> dict[str, str]:
    """``config`` or ``secrets``: names to values, as strings."""
    if not isinstance(value, dict) or not all(isinstance(v, str | int | float | bool) for v in value.values()):
        raise ReplayError(f'{path}: "{key}" must map names to values, e.g. {{"GITHUB_REPOSITORIES": "org/repo"}}; fix or delete it')
    return {k: str(v) for k, v in value.items()}


def _optional(entries: Any, path: Path) -> tuple[str, ...]:
    if not isinstance(entries, list) or not all(isinstance(e, str) and len(e.split(" ", 1)) == 2 and e.split(" ", 1)[1] for e in entries):
        raise ReplayError(f'{path}: "optional" must be a list of "METHOD URL" strings such as "GET /api/items?page=3"')
    return tuple(entries)


def _optional_matches(entry: str, rec: Recorded) -> bool:
    method, target = entry.split(" ", 1)
    if method.upper() != rec.method.upper():
        return False
    if not target.startswith("/"):
        return target == rec.uri
    path, _, query = target.partition("?")
    parts = rec.parts
    return path == (parts.path or "/") and ("?" not in target or query == parts.query)


def read_interactions(directory: Path, collector: str = "") -> list[tuple[Recorded, dict]]:
    """Every interaction of a directory's ``*.yaml`` cassettes, in file order (none: an empty list)."""
    record = f"`dd-toolkit record {collector}`" if collector else "`dd-toolkit record NAME`"
    interactions: list[tuple[Recorded, dict]] = []
    for path in sorted(Path(directory).glob("*.yaml")) if Path(directory).is_dir() else []:
        try:
            interactions.extend(_read_cassette(path, f"re-record it with {record}"))
        except ReplayError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ReplayError(f"cassette {path} cannot be read ({type(exc).__name__}: {exc}); re-record it with {record}") from exc
    return interactions


def _read_cassette(path: Path, fix: str) -> list[tuple[Recorded, dict]]:
    """A cassette's interactions, parsed once per version of the file: the dashboard replays a
    collector again and again, and parsing its YAML each time held the GIL a key was waiting on.
    A file written again (``record``, an edit) has another mtime, size or inode: it is read anew.
    What is returned is shared and read only (every reader of interactions only reads them)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ReplayError(f"cannot read {path}: {exc.strerror or exc}; {fix}") from None
    return list(_parsed_cassette(str(path.resolve()), stat.st_mtime_ns, stat.st_size, stat.st_ino, fix))


@functools.lru_cache(maxsize=256)
def _parsed_cassette(path: str, mtime_ns: int, size: int, inode: int, fix: str) -> tuple[tuple[Recorded, dict], ...]:
    return tuple(_parse_cassette(Path(path), fix))


def _parse_cassette(path: Path, fix: str) -> list[tuple[Recorded, dict]]:
    # libyaml's parser when present (the pure-Python one takes ~0.2 s on a 100 KB cassette), within
    # the bounds of every YAML the toolkit reads (nesting, alias expansion). A cassette of usual
    # size is read whole, so what it parses to is remembered for the next run (model.memo); a
    # larger one (a 30 MB body) is fed from the file as it parses, never copied whole.
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise ReplayError(f"cannot read {path}: {exc.strerror or exc}; {fix}") from None
    with stream:
        if os.fstat(stream.fileno()).st_size <= MEMO_MAX_BYTES:
            try:
                content: bytes | IO[bytes] = stream.read()
            except OSError as exc:
                raise ReplayError(f"cannot read {path}: {exc.strerror or exc}; {fix}") from None
        else:
            content = stream
        data = load_yaml(content, where=f"cassette {path}", error=ReplayError, fix=fix, fast=True) or {}
    if not isinstance(data, dict):
        raise ValueError(f"a cassette is a mapping with version and interactions, not a {type(data).__name__}")
    if data.get("version") != 1:
        raise ValueError("not a vcrpy version 1 cassette")
    out = []
    for n, item in enumerate(data["interactions"], 1):
        request = item["request"]
        where = f"{path.name} #{n}"
        out.append((Recorded(request["method"], request["uri"], request.get("body"), request.get("headers") or {}, where), item["response"]))
    return out


def _read_meta(path: Path) -> dict[str, Any]:
    return read_json_object(path, "fix or delete it") or {}


def read_json_object(path: Path, fix: str) -> dict[str, Any] | None:
    """A file holding one JSON object (replay.json, golden.json); None when it does not exist.

    Broken JSON or another value is a ``ReplayError`` naming the file, where, and ``fix``.
    """
    if not path.exists():
        return None
    text = read_text(path, max_bytes=None, error=ReplayError, fix=fix)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReplayError(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}); {fix}") from exc
    except RecursionError:  # nested deeper than the stack
        raise ReplayError(f"{path} nests too deeply to be read; {fix}") from None
    if not isinstance(data, dict):
        raise ReplayError(f"{path} must hold a JSON object; {fix}")
    return data


class ReplayTransport(httpx.BaseTransport):
    """Answers each request with the first unplayed matching interaction, then repeats the last.

    Repeats are allowed because a run may ask the same thing twice (two metrics reading one
    endpoint); "unplayed first" keeps recorded sequences, such as a 500 followed by a 200 for a
    retried request, in their recorded order.
    """

    def __init__(self, replay: Replay) -> None:
        unknown = [m for m in replay.match_on if m not in MATCHERS]
        if unknown:
            raise ReplayError(f"{replay.directory}/replay.json: unknown match_on {unknown}; use {', '.join(MATCHERS)}")
        self._replay = replay
        # How far the wall clock is from the recording's: a window the collector computed from
        # datetime.now() (the seed guide's way) is that much later than the recorded one.
        self._shift = datetime.now(UTC) - replay.recorded_at if replay.recorded_at is not None else None
        self._played: set[int] = set()
        self._lock = threading.Lock()
        self.requests: list[httpx.Request] = []  # what was asked, for tests and `record` reports

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        with self._lock:
            self.requests.append(request)
        return _to_httpx(self.answer(request.method, str(request.url), body, dict(request.headers)), request)

    def answer(self, method: str, url: str, body: Any, headers: dict) -> dict:
        """The recorded response (vcrpy's dict) for a request; shared by the httpx and boto3 replays."""
        wanted = Recorded(method, url, body, headers)
        with self._lock:
            found = [i for i, (rec, _) in enumerate(self._replay.interactions) if matches(wanted, rec, self._replay.match_on)]
            if not found:
                found = [i for i, (rec, _) in enumerate(self._replay.interactions) if self._matches_shifted(wanted, rec)]
            if not found:
                raise ReplayError(
                    f"no recorded response for {method} {_safe_url(url)} in {self._replay.directory}"
                    f"{self._closest(wanted)}; re-record with `dd-toolkit record` or add the interaction to the cassette"
                )
            unplayed = [i for i in found if i not in self._played]
            index = unplayed[0] if unplayed else found[-1]
            self._played.add(index)
        return self._replay.interactions[index][1]

    def _matches_shifted(self, wanted: Recorded, rec: Recorded) -> bool:
        """A request matching ``rec`` but for query values that are times, each later than the
        recorded one by the time since the recording (within a run's length): the seed's
        ``since = (datetime.now(timezone.utc) - timedelta(days=7)).isoformat()``, replayed."""
        if self._shift is None or "query" not in self._replay.match_on or "uri" in self._replay.match_on:
            return False
        if not matches(wanted, rec, tuple(m for m in self._replay.match_on if m != "query")):
            return False
        asked, recorded = MATCHERS["query"](wanted), MATCHERS["query"](rec)
        if len(asked) != len(recorded) or asked == recorded:
            return False
        return any(self._shifted_by(asked, recorded, shift) for shift in self._shifts())

    def _shifts(self) -> list:
        """The wall clock's distance from the recording, and the run's clock's when it is frozen
        elsewhere: an offline backfill or catch-up collects each window with ``now()`` at its end,
        so a time computed from ``now()`` (``created>=now-7d``) is that much before the recorded one."""
        shifts = [self._shift]
        run = current_run()
        if run is not None and run.window is not None and run.clock is not None and self._replay.recorded_at is not None:
            shifts.append(run.clock() - self._replay.recorded_at)
        return shifts

    @staticmethod
    def _shifted_by(asked, recorded, shift) -> bool:
        for (key, value), (rkey, rvalue) in zip(asked, recorded, strict=True):
            if key != rkey:
                return False
            if value != rvalue:
                # GitHub's search qualifiers put a comparison before the time (created=>=2026-11-20T12:00:00Z)
                (op, value), (rop, rvalue) = _comparison(value), _comparison(rvalue)
                when, then = _instant(value), _instant(rvalue)
                if op != rop or when is None or then is None or abs((when - shift - then).total_seconds()) > SHIFT_TOLERANCE:
                    return False
        return True

    def _closest(self, wanted: Recorded) -> str:
        """The recorded request differing in the fewest matchers, and what differed (as vcrpy's
        ``find_requests_with_most_matches`` reports); query parameters are named, never valued."""
        best: tuple[int, Recorded, list[str]] | None = None
        for rec, _ in self._replay.interactions:
            differ = [m for m in self._replay.match_on if MATCHERS[m](wanted) != MATCHERS[m](rec)]
            if best is None or len(differ) < best[0]:
                best = (len(differ), rec, differ)
        if best is None:
            return ""
        _, rec, differ = best
        fields = []
        for name in differ:
            if name in ("query", "uri"):
                a, b = dict(MATCHERS["query"](wanted)), dict(MATCHERS["query"](rec))
                params = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
                fields.append("query parameter " + ", ".join(params) if params and name == "query" else name)
            else:
                fields.append(name)
        return f" (closest: {rec.method} {_safe_url(rec.uri)}, differing in {'; '.join(fields)})"

    @property
    def replay(self) -> Replay:
        return self._replay

    def unplayed(self, *, optional: bool = False) -> list[Recorded]:
        """The interactions never answered; those listed as ``optional`` only when asked for."""
        with self._lock:
            return [
                rec for i, (rec, _) in enumerate(self._replay.interactions)
                if i not in self._played and (optional or not self._replay.is_optional(rec))
            ]

    def unplayed_problem(self) -> str | None:
        """``None`` when every required interaction was played, else a message naming each one."""
        stale = self.unplayed()
        if not stale:
            return None
        lines = [f"  {rec.where}: {rec.method} {_safe_url(rec.uri)}" for rec in stale]
        return (
            f"{len(stale)} recorded interaction(s) in {self._replay.directory} were never played (a stale cassette):\n"
            + "\n".join(lines)
            + f'\ntrim them from the cassette, re-record it, or list them under "optional" in {REPLAY_FILE} if the run may legitimately skip them'
        )


# A request is made up to a run's length after the recording started (recorded_at), at record
# time and at replay time alike: a shifted time within this many seconds is the same window.
SHIFT_TOLERANCE = defaults.RUN_TIMEOUT


def _comparison(value: str) -> tuple[str, str]:
    """``(">=", "2026-11-20T12:00:00Z")`` for ``>=2026-11-20T12:00:00Z``; ``("", value)`` without one."""
    op = next((op for op in (">=", "<=", ">", "<") if value.startswith(op)), "")
    return op, value[len(op):]


def _instant(value: str) -> datetime | None:
    """A query value that is an ISO 8601 date and time (not a bare date), as an aware time."""
    if len(value) < 16 or value[10:11] not in ("T", " "):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _safe_url(url: httpx.URL | str) -> str:
    return redact(str(url))


def _to_httpx(recorded: dict, request: httpx.Request) -> httpx.Response:
    if "status_code" in recorded:  # vcrpy's older httpx layout
        status, headers, content = recorded["status_code"], recorded["headers"], recorded.get("content", "")
    else:
        status = recorded["status"]["code"]
        headers = recorded["headers"]
        content = recorded["body"]["string"]
    if isinstance(content, str):
        content = content.encode("utf-8")
    pairs = [(name, value) for name, values in headers.items() for value in (values if isinstance(values, list) else [values])]
    # The recorded bytes are what the server sent (still compressed if it was): the client
    # decodes them as it would have live.
    return httpx.Response(status, headers=pairs, stream=httpx.ByteStream(content or b""), request=request)
