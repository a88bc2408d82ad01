"""Recording cassettes: run a collector live under vcrpy, scrubbed before anything touches disk.

``record(collector)`` is what ``dd-toolkit record NAME`` runs:

1. Credentials first: every secret the collector lists is read with ``get_secret`` (and, for a
   collector with ``aws_services``, boto3's credential chain is resolved) *before* recording
   starts, so a credential exchange (Secrets Manager, STS, IMDS) never reaches a cassette and
   every credential value is known to the scrubber.
2. The collector runs live, serially (``max_workers = 1``: vcrpy can lose interactions recorded
   from a pool of threads), with vcrpy recording into ``<name>.yaml`` of a new directory built
   beside the collector's cassette directory (a copy of it, less its main cassettes in mode
   ``all``). vcrpy patches httpx and botocore's connection pools, so both kinds of collector
   record. The run's ``now()`` is frozen at one instant, which is the ``recorded_at`` written
   (mode ``new`` adding to a kept recording: that recording's ``recorded_at``), so what a window
   computed from ``now()`` asks live is what the replay asks.
3. vcrpy's ``before_record_request`` / ``before_record_response`` hooks scrub each interaction
   before it is stored: credential headers (Authorization, cookies, API-key and AWS signature
   headers), credential-named query and body parameters (replaced, so replays still match),
   every secret value wherever it appears, credential-shaped strings (GitHub, AWS, Slack
   tokens, bearer values), and STS/IMDS/Secrets Manager exchanges (dropped whole).
   A secret the collector fetches with ``get_secret`` during the run without listing it, and
   a credential in a setting it reads with ``get_config`` (a URL's password, a ``*_TOKEN``),
   are registered for redaction when read; the scrubber scrubs every registered value from
   then on, and drops a Secrets Manager or STS exchange at any address (``AWS_ENDPOINT_URL``).
4. The written cassette is read back and checked for every secret value (those read during
   the run too); a hit refuses it.
5. ``replay.json`` is written beside it: ``recorded_at`` = the run's frozen clock, ``config`` = the collector's settings
   from the environment (scrubbed like the cassette: a URL keeps its address, its password is
   the placeholder), ``secrets`` = a placeholder for every secret the run read, listed or not.
6. The engine's ``verify`` replays the new directory offline; only when that gives the live
   run's values and errors is the new directory swapped in for the old one, whole
   (``toolkit.model.files.staged_directory``). A run that failed or recorded nothing, a refusal,
   an exception or a kill leaves the old directory byte-identical. A lock on the directory
   (``directory_lock``) makes a second concurrent recording of it refuse at once.

Placeholders: a scrubbed value becomes ``placeholder`` (``PLACEHOLDER``), the same value offline
``get_secret`` returns from ``replay.json``, so a token the collector sends in a query string or
body is recorded as the placeholder it will send offline. A secret whose value is a plain
``http(s)`` URL (``skypilot/api-url``) is not a credential: it is kept in the cassette's URIs
and in ``replay.json`` so the replay asks the same host. A URL carrying a user, password or
query string is treated as a credential and scrubbed whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import RecordError
from ..model import CollectionResult, credential_values, files, is_plain_url, known_secrets, register_secret
from .replay import REPLAY_FILE, read_json_object
from .scrub import PLACEHOLDER, Scrubber
from .writer import CassettePersister

MODES = ("new", "all")
RECORD_MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")

@dataclass
class RecordReport:
    collector: str
    cassette: Path
    mode: str
    interactions: list[tuple[str, str, int]] = field(default_factory=list)  # method, redacted uri, status
    scrubbed: Counter = field(default_factory=Counter)
    replaced_files: list[Path] = field(default_factory=list)
    result: Any = None  # the CollectionResult of the live run
    replaced_examples: bool = False  # the scaffold's example cassette was replaced
    meta: dict[str, Any] = field(default_factory=dict)
    unchanged: str | None = None  # why nothing was written (the directory is as it was)
    played: int = 0  # with ``unchanged``: requests answered from the kept cassettes (mode new)

    @property
    def ok(self) -> bool:
        """The live run did not fail, and it was either written or all already recorded."""
        return not self.result.failed and (self.unchanged is None or self.played > 0)

    def lines(self) -> list[str]:
        if self.unchanged is not None:
            return [f"{self.unchanged} ({self.cassette.parent} is unchanged)"]
        out = [f"recorded {len(self.interactions)} interactions into {self.cassette} (mode {self.mode})"]
        out += [f"  {method} {uri} -> {status}" for method, uri, status in self.interactions]
        if self.replaced_files:
            out.append("replaced: " + ", ".join(str(p) for p in self.replaced_files))
        if self.replaced_examples:
            out.append("the template's example interactions were replaced by the real ones; "
                       "review the values, then `pytest --update-golden` to rewrite golden.json")
        out.append("scrubbed before writing:" if self.scrubbed else "scrubbed before writing: nothing matched")
        out += [f"  {what}: {count}" for what, count in sorted(self.scrubbed.items())]
        secrets = ", ".join(f"{k}={v}" for k, v in self.meta.get("secrets", {}).items()) or "none"
        config = ", ".join(self.meta.get("config", {})) or "none"
        out.append(f"{self.cassette.parent / 'replay.json'}: recorded_at {self.meta.get('recorded_at')}; config {config}; secrets {secrets}")
        return out


# The AWS keys an offline command can know without asking AWS: the environment's.
AWS_KEY_VARIABLES = {"access_key": "AWS_ACCESS_KEY_ID", "secret_key": "AWS_SECRET_ACCESS_KEY", "token": "AWS_SESSION_TOKEN"}


def resolve_secrets(collector: Any, also: tuple[str, ...] = (), *, local_only: bool = False) -> tuple[dict[str, str], dict[str, str]]:
    """Read every credential the collector needs, before recording starts: the secrets it lists
    (and ``also``: the names a kept capture says it read), the credentials in its declared
    settings, its AWS credentials.

    ``local_only`` (``record --adopt``, an offline command): only what the environment holds,
    never AWS (no Secrets Manager, no credential chain: on a laptop that is an instance-metadata
    lookup); a secret the environment lacks is left out.

    Returns (values to scrub by label, replay.json placeholders by secret name).
    """
    from ..sources import env_var_for, get_secret

    scrub: dict[str, str] = {}
    placeholders: dict[str, str] = {}
    for name in dict.fromkeys((*collector.secrets, *also)):
        if local_only and not os.environ.get(env_var_for(name)):
            continue
        value = get_secret(name)
        placeholders[name] = placeholder_for(value)
        if placeholders[name] == PLACEHOLDER:
            scrub[name] = value
    for name in collector.config:
        for value in credential_values(name, os.environ.get(name, "")):
            register_secret(value)
            scrub.setdefault(f"config {name}", value)
    if collector.aws_services:
        from ..sources import resolve_credentials

        found = {key: os.environ.get(var, "") for key, var in AWS_KEY_VARIABLES.items()} if local_only else resolve_credentials()
        for key, value in (found or {}).items():
            if value:
                register_secret(value)
                scrub[f"AWS {key}"] = value
    # Anything else this process has seen through get_secret (another collector, a DD key).
    for value in known_secrets():
        if value not in scrub.values() and not is_plain_url(value):
            scrub.setdefault(f"known secret #{len(scrub) + 1}", value)
    return scrub, placeholders


def placeholder_for(value: str) -> str:
    """What replay.json holds for a secret: a plain ``http(s)`` URL is an address, not a
    credential (the replay must ask the same host), anything else is ``PLACEHOLDER``."""
    return value if is_plain_url(value) else PLACEHOLDER


class _Unchanged(Exception):
    """Raised inside the staging to drop it: the run recorded nothing to keep."""


def record(
    collector: Any,
    run: Callable[[datetime], CollectionResult],
    *,
    directory: Path,
    mode: str = "new",
    verify: Callable[[Path, CollectionResult], str | None] | None = None,
    keep_failed: bool = False,
) -> RecordReport:
    """Record the HTTP of ``run(recorded_at)`` (a live run of ``collector``) into ``directory``.

    ``run`` is the engine's run of the collector, serial (one worker: vcrpy can lose
    interactions recorded from a pool of threads), with ``now()`` frozen at the instant it is
    given, which is the ``recorded_at`` written: a window computed from ``now()`` asks the same
    thing live and offline. ``toolkit.engine.record_collector`` builds it.

    A transaction: the new directory is built beside ``directory`` (a copy of it with the new
    cassette and ``replay.json``) and swapped in whole only once complete and, with ``verify``,
    replayed offline to the live values (``verify(staged, live)`` says what differs, or returns
    ``None``; a difference is a ``RecordError``). A failure or a signal leaves ``directory`` as it
    was; so does a run that recorded nothing, or that failed (unless ``keep_failed``, the flight
    recorder's choice): ``report.unchanged`` then says why. One recording of a directory at a time
    (``directory_lock``); a second one is a ``RecordError`` at once.
    """
    import vcr

    if mode not in MODES:
        raise RecordError(f"mode must be one of {', '.join(MODES)}")
    directory = Path(directory)
    scrub, placeholders = resolve_secrets(collector)  # before vcrpy patches anything
    from ..sources import watch_secrets

    with directory_lock(directory):
        old_meta = read_json_object(directory / REPLAY_FILE, "fix or delete it") or {}
        # A scaffold's cassette holds the template's examples, not the API's answers: the first
        # recording replaces them whatever the mode (keeping them would replay invented responses).
        examples = bool(old_meta.pop("examples", False))
        if examples:
            mode = "all"
        kept = sorted(directory.glob("*.yaml"))
        report = RecordReport(collector.name, directory / f"{collector.name}.yaml", mode)
        scrubber = Scrubber(scrub)
        appended: list[int] = []  # one per interaction vcrpy keeps (its `dirty` is reset by saving)

        def keep_response(response: Any) -> Any:
            kept = scrubber.response(response)
            if kept is not None:
                appended.append(1)
            return kept

        match_on = tuple(old_meta.get("match_on") or RECORD_MATCH_ON)
        recorder = vcr.VCR(
            record_mode="new_episodes" if mode == "new" else "all",
            match_on=match_on,
            before_record_request=scrubber.request,
            before_record_response=keep_response,
            decode_compressed_response=True,
        )
        persister = CassettePersister()  # one interaction at a time, a large body in slices
        recorder.register_persister(persister)
        # Mode new adds to a recording made at its recorded_at: the run must see that instant, or
        # the kept interactions would no longer match what it asks.
        recorded_at = (_recorded_at(old_meta) if mode == "new" and kept else None) or datetime.now(UTC)
        try:
            with files.staged_directory(directory) as staged:
                copy_kept(directory, staged, drop_cassettes=mode == "all")
                cassette = staged / report.cassette.name
                with watch_secrets() as fetched, recorder.use_cassette(str(cassette)) as tape:
                    appended.clear()  # loading the kept cassette appended its interactions through the hook
                    report.result = run(recorded_at)
                # What vcrpy holds (every body) is on disk now: free it before the checks and the replay.
                played = tape.play_count
                tape.data.clear()
                # every secret the run read, listed or not: offline, get_secret gives what the cassette holds
                placeholders.update({name: placeholder_for(value) for name, value in fetched.items() if name not in placeholders})
                report.scrubbed = scrubber.total
                if report.result.failed and not keep_failed:
                    raise _Unchanged(f"the live run failed ({_first_error(report.result)}); nothing was written")
                if not appended:
                    raise _Unchanged(
                        "nothing new to record: every request was answered from the kept cassettes; nothing was written" if played
                        else "the live run recorded no HTTP interaction; nothing was written"
                    )
                read = {f"read during the run #{i}": v for i, v in enumerate(known_secrets()) if not is_plain_url(v)}
                _check_written(cassette, {**read, **scrub})
                report.interactions = persister.written if cassette.exists() else []
                report.meta = {
                    **old_meta,
                    "recorded_at": recorded_at.isoformat().replace("+00:00", "Z"),
                    "config": {k: scrubber.text(os.environ[k], "replay.json config") for k in collector.config if os.environ.get(k)},
                    "secrets": placeholders,
                    "match_on": list(match_on),
                }
                (staged / REPLAY_FILE).write_text(json.dumps(report.meta, indent=2) + "\n", encoding="utf-8")
                problem = verify(staged, report.result) if verify is not None else None
                if problem:
                    raise RecordError(f"the recording would not replay to the live run: {problem}; nothing was written")
        except _Unchanged as exc:
            report.unchanged = str(exc)
            report.played = played
            return report
        report.replaced_examples = examples
        if mode == "all":
            report.replaced_files = kept
        return report


def directory_lock(directory: Path):
    """An exclusive lock on recording into ``directory``; a second recorder refuses at once.

    The lock file lives in the system's temporary directory (named for the directory's path), not
    beside the cassettes: nothing for a project to ignore or commit.
    """
    import hashlib
    import tempfile

    from filelock import FileLock, Timeout

    resolved = str(Path(directory).resolve())
    locks = Path(tempfile.gettempdir()) / "dd-toolkit-locks"
    locks.mkdir(exist_ok=True)
    path = locks / (hashlib.sha256(resolved.encode()).hexdigest()[:32] + ".lock")
    lock = FileLock(str(path), timeout=0)

    @contextlib.contextmanager
    def held():
        try:
            lock.acquire()
        except Timeout:
            raise RecordError(f"another recording into {directory} is running (lock {path}); wait for it to finish, then try again") from None
        try:
            yield
        finally:
            lock.release()

    return held()


def _recorded_at(meta: dict[str, Any]) -> datetime | None:
    value = meta.get("recorded_at")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except (AttributeError, ValueError):
        return None


def copy_kept(directory: Path, staged: Path, *, drop_cassettes: bool) -> None:
    """What the new directory keeps of the old: everything (mode new) or all but its main cassettes."""
    if not directory.is_dir():
        return

    def ignore(folder: str, names: list[str]) -> list[str]:
        if drop_cassettes and Path(folder) == directory:
            return [n for n in names if n.endswith(".yaml")]
        return []

    shutil.copytree(directory, staged, ignore=ignore, dirs_exist_ok=True, symlinks=True)


def _first_error(result: CollectionResult) -> str:
    errors = result.errors  # the fatal one first
    return f"{errors[0].type}: {errors[0].message}" if errors else "no error"


def _check_written(cassette: Path, scrub: dict[str, str]) -> None:
    """Belt and braces: a cassette holding any secret value is deleted, not kept.

    Read a slice at a time (a cassette may hold a 30 MB body), each slice overlapping the last by
    the longest value less one character, so a value across two slices is still found.
    """
    if not cassette.exists():
        return
    values = {label: value for label, value in scrub.items() if value}
    overlap = max((len(v) for v in values.values()), default=1) - 1
    leaked: set[str] = set()
    tail = ""
    with cassette.open(encoding="utf-8", errors="replace") as text:
        while piece := text.read(_CHECK_SLICE):
            window = tail + piece
            leaked.update(label for label, value in values.items() if value in window)
            tail = window[-overlap:] if overlap else ""
    if leaked:
        cassette.unlink()
        found = [label for label in values if label in leaked]
        raise RecordError(f"{cassette} still held {', '.join(found)} after scrubbing; it was deleted (please report this)")


_CHECK_SLICE = 1024 * 1024  # characters
