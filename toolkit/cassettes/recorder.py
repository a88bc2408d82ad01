"""Recording cassettes: run a collector live under vcrpy, scrubbed before anything touches disk.

``record(collector)`` is what ``dd-toolkit record NAME`` runs:

1. Credentials first: every secret the collector lists is read with ``get_secret`` (and, for a
   collector with ``aws_services``, boto3's credential chain is resolved) *before* recording
   starts, so a credential exchange (Secrets Manager, STS, IMDS) never reaches a cassette and
   every credential value is known to the scrubber.
2. The collector runs live, serially (``max_workers = 1``: vcrpy can lose interactions recorded
   from a pool of threads), with vcrpy recording into ``<cassettes>/<name>/<name>.yaml``.
   vcrpy patches httpx and botocore's connection pools, so both kinds of collector record.
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
   the run too); a hit deletes it.
5. ``replay.json`` is rewritten: ``recorded_at`` = now, ``config`` = the collector's settings
   from the environment (scrubbed like the cassette: a URL keeps its address, its password is
   the placeholder), ``secrets`` = a placeholder for every secret the run read, listed or not.

Placeholders: a scrubbed value becomes ``placeholder`` (``PLACEHOLDER``), the same value offline
``get_secret`` returns from ``replay.json``, so a token the collector sends in a query string or
body is recorded as the placeholder it will send offline. A secret whose value is a plain
``http(s)`` URL (``skypilot/api-url``) is not a credential: it is kept in the cassette's URIs
and in ``replay.json`` so the replay asks the same host. A URL carrying a user, password or
query string is treated as a credential and scrubbed whole.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import RecordError
from ..model import CollectionResult, credential_values, is_plain_url, known_secrets, register_secret
from .scrub import PLACEHOLDER, Scrubber

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

    def lines(self) -> list[str]:
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


def resolve_secrets(collector: Any, also: tuple[str, ...] = ()) -> tuple[dict[str, str], dict[str, str]]:
    """Read every credential the collector needs, before recording starts: the secrets it lists
    (and ``also``: the names a kept capture says it read), the credentials in its declared
    settings, its AWS credentials.

    Returns (values to scrub by label, replay.json placeholders by secret name).
    """
    from ..sources import get_secret

    scrub: dict[str, str] = {}
    placeholders: dict[str, str] = {}
    for name in dict.fromkeys((*collector.secrets, *also)):
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

        for key, value in (resolve_credentials() or {}).items():
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


def record(collector: Any, run: Callable[[], CollectionResult], *, directory: Path, mode: str = "new") -> RecordReport:
    """Record the HTTP of ``run()`` (a live run of ``collector``) into ``directory``.

    ``run`` is the engine's run of the collector, serial (one worker: vcrpy can lose
    interactions recorded from a pool of threads); ``toolkit.engine.record_collector`` builds it.
    """
    import vcr

    if mode not in MODES:
        raise RecordError(f"mode must be one of {', '.join(MODES)}")
    directory = Path(directory)
    scrub, placeholders = resolve_secrets(collector)  # before vcrpy patches anything
    directory.mkdir(parents=True, exist_ok=True)
    cassette = directory / f"{collector.name}.yaml"
    meta_path = directory / "replay.json"
    old_meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    # A scaffold's cassette holds the template's examples, not the API's answers: the first
    # recording replaces them whatever the mode (keeping them would replay invented responses).
    examples = bool(old_meta.pop("examples", False))
    if examples:
        mode = "all"
    report = RecordReport(collector.name, cassette, mode, replaced_examples=examples)
    if mode == "all":
        report.replaced_files = sorted(directory.glob("*.yaml"))
        for path in report.replaced_files:
            path.unlink()
    scrubber = Scrubber(scrub)
    match_on = tuple(old_meta.get("match_on") or RECORD_MATCH_ON)
    recorder = vcr.VCR(
        record_mode="new_episodes" if mode == "new" else "all",
        match_on=match_on,
        before_record_request=scrubber.request,
        before_record_response=scrubber.response,
        decode_compressed_response=True,
    )
    recorded_at = datetime.now(UTC).replace(microsecond=0)
    from ..sources import watch_secrets

    with watch_secrets() as fetched, recorder.use_cassette(str(cassette)):
        report.result = run()
    # every secret the run read, listed or not: offline, get_secret gives what the cassette holds
    placeholders.update({name: placeholder_for(value) for name, value in fetched.items() if name not in placeholders})
    _check_written(cassette, {**{f"read during the run #{i}": v for i, v in enumerate(known_secrets()) if not is_plain_url(v)}, **scrub})
    config = {k: scrubber.text(os.environ[k], "replay.json config") for k in collector.config if os.environ.get(k)}
    report.scrubbed = scrubber.total
    report.interactions = _listing(cassette)
    report.meta = {
        **old_meta,
        "recorded_at": recorded_at.isoformat().replace("+00:00", "Z"),
        "config": config,
        "secrets": placeholders,
        "match_on": list(match_on),
    }
    meta_path.write_text(json.dumps(report.meta, indent=2) + "\n", encoding="utf-8")
    return report


def _check_written(cassette: Path, scrub: dict[str, str]) -> None:
    """Belt and braces: a cassette holding any secret value is deleted, not kept."""
    if not cassette.exists():
        return
    text = cassette.read_text(encoding="utf-8", errors="replace")
    leaked = [label for label, value in scrub.items() if value and value in text]
    if leaked:
        cassette.unlink()
        raise RecordError(f"{cassette} still held {', '.join(leaked)} after scrubbing; it was deleted (please report this)")


def _listing(cassette: Path) -> list[tuple[str, str, int]]:
    import yaml

    if not cassette.exists():
        return []
    data = yaml.safe_load(cassette.read_text(encoding="utf-8")) or {}
    return [
        # already scrubbed (and checked); redact() would also hide plain-URL secrets such as api-url
        (i["request"]["method"], i["request"]["uri"], i["response"]["status"]["code"])
        for i in data.get("interactions", [])
    ]
