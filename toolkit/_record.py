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
4. The written cassette is read back and checked for every secret value; a hit deletes it.
5. ``replay.json`` is rewritten: ``recorded_at`` = now, ``config`` = the collector's settings
   from the environment, ``secrets`` = placeholders.

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
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit

from ._redact import CREDENTIAL_SHAPES, known_secrets, register_secret

PLACEHOLDER = "placeholder"
MODES = ("new", "all")
RECORD_MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")

# Headers that carry credentials, by exact name, and by shape of name.
_SECRET_HEADERS = {
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-amz-security-token",
    "x-api-key", "api-key", "apikey", "dd-api-key", "dd-application-key", "private-token",
    "x-auth-token", "x-access-token", "x-csrf-token", "x-goog-api-key",
}
_SECRET_HEADER_NAME = re.compile(r"(?i)(auth|token|secret|api[-_]?key|password|cookie|session|credential|signature)")
# Headers that are noise, not secrets: random per request, they would only churn the cassette.
_NOISE_HEADERS = {"amz-sdk-invocation-id", "amz-sdk-request", "x-amz-date", "x-amz-content-sha256"}
# Query/body parameter names that carry credentials.
_SECRET_PARAM = re.compile(
    r"(?i)^(access_token|refresh_token|id_token|token|auth|api[_-]?key|apikey|key|secret|client_secret|password|"
    r"passwd|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|session_token|private_key)$"
)
# JSON keys and XML elements in responses that carry credentials (OAuth, STS, ECS/IMDS credentials).
_SECRET_KEYS = {
    "access_token", "refresh_token", "id_token", "client_secret", "password", "secret", "api_key", "apikey",
    "private_key", "session_token", "token", "secretaccesskey", "sessiontoken", "accesskeyid", "secret_access_key",
    "access_key_id", "session", "session_id", "sessionid", "cookie",
}
_XML_SECRET = re.compile(r"(<(SecretAccessKey|SessionToken|AccessKeyId|Token)>)[^<]*(</\2>)")
# Credential shapes that may appear without having passed through get_secret.
_SHAPES = [
    *CREDENTIAL_SHAPES,
    ("bearer value", re.compile(r"(?<=Bearer )(?!placeholder\b)[A-Za-z0-9._~+/=-]{8,}")),
]
# Hosts whose exchanges are credentials themselves: never recorded.
_CREDENTIAL_HOSTS = re.compile(
    r"^(sts(\.[a-z0-9-]+)?\.amazonaws\.com|secretsmanager\.[a-z0-9-]+\.amazonaws\.com|169\.254\.169\.254|169\.254\.170\.2|"
    r"fd00:ec2::254|oidc\.[a-z0-9-]+\.amazonaws\.com|portal\.sso\.[a-z0-9-]+\.amazonaws\.com|oauth2\.googleapis\.com)$"
)


class RecordError(RuntimeError):
    """Recording could not start, or its result would have leaked a secret."""


@dataclass
class RecordReport:
    collector: str
    cassette: Path
    mode: str
    interactions: list[tuple[str, str, int]] = field(default_factory=list)  # method, redacted uri, status
    scrubbed: Counter = field(default_factory=Counter)
    replaced_files: list[Path] = field(default_factory=list)
    result: Any = None  # the CollectionResult of the live run
    meta: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"recorded {len(self.interactions)} interactions into {self.cassette} (mode {self.mode})"]
        out += [f"  {method} {uri} -> {status}" for method, uri, status in self.interactions]
        if self.replaced_files:
            out.append("replaced: " + ", ".join(str(p) for p in self.replaced_files))
        out.append("scrubbed before writing:" if self.scrubbed else "scrubbed before writing: nothing matched")
        out += [f"  {what}: {count}" for what, count in sorted(self.scrubbed.items())]
        secrets = ", ".join(f"{k}={v}" for k, v in self.meta.get("secrets", {}).items()) or "none"
        config = ", ".join(self.meta.get("config", {})) or "none"
        out.append(f"{self.cassette.parent / 'replay.json'}: recorded_at {self.meta.get('recorded_at')}; config {config}; secrets {secrets}")
        return out


def is_plain_url(value: str) -> bool:
    """An http(s) URL with no user, password, query or fragment: an address, not a credential."""
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not (
        parts.username or parts.password or parts.query or parts.fragment
    )


class Scrubber:
    """vcrpy hooks that remove credentials from each interaction and count what they removed."""

    def __init__(self, secrets: dict[str, str]) -> None:
        # label -> value; longest first so a secret containing another is replaced whole
        self._values = sorted(((v, k) for k, v in secrets.items() if v), key=lambda p: len(p[0]), reverse=True)
        self.counts: Counter = Counter()  # scrubbed in responses (each is recorded once)
        # vcrpy runs the request hook again whenever it matches a request; count each request once
        self._request_counts: dict[tuple, Counter] = {}

    @property
    def total(self) -> Counter:
        total = Counter(self.counts)
        for counts in self._request_counts.values():
            total.update(counts)
        return total

    # --- values ---------------------------------------------------------------------------
    def _text(self, text: str, where: str) -> str:
        for value, label in self._values:
            # as is, and as it reads inside a URL or a form body
            for form in dict.fromkeys((value, quote(value, safe=""), quote_plus(value))):
                if form in text:
                    self.counts[f"secret value {label} ({where})"] += text.count(form)
                    text = text.replace(form, PLACEHOLDER)
        for label, pattern in _SHAPES:
            text, n = pattern.subn(PLACEHOLDER, text)
            if n:
                self.counts[f"{label} ({where})"] += n
        return text

    def _body(self, body: Any, where: str, content_type: str) -> Any:
        if body is None:
            return None
        raw = body if isinstance(body, bytes | bytearray) else str(body).encode("utf-8")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return body  # binary: nothing textual to scrub
        text = self._structured(text, where, content_type)
        text = self._text(text, where)
        return text.encode("utf-8") if isinstance(body, bytes | bytearray) else text

    def _structured(self, text: str, where: str, content_type: str) -> str:
        """Credential-named fields of JSON, form and STS-style XML bodies."""
        text, n = _XML_SECRET.subn(lambda m: m.group(1) + PLACEHOLDER + m.group(3), text)
        if n:
            self.counts[f"credential element ({where})"] += n
        stripped = text.lstrip()
        if stripped[:1] in "{[":
            try:
                data = json.loads(text)
            except ValueError:
                return text
            cleaned = self._json(data, where)
            return json.dumps(cleaned) if cleaned != data else text
        if "x-www-form-urlencoded" in content_type:
            pairs = parse_qsl(text, keep_blank_values=True)
            if any(_SECRET_PARAM.match(k) for k, _ in pairs):
                self.counts[f"credential parameter ({where})"] += sum(1 for k, _ in pairs if _SECRET_PARAM.match(k))
                return urlencode([(k, PLACEHOLDER if _SECRET_PARAM.match(k) else v) for k, v in pairs])
        return text

    def _json(self, data: Any, where: str) -> Any:
        if isinstance(data, dict):
            out = {}
            for key, value in data.items():
                if isinstance(key, str) and key.lower() in _SECRET_KEYS and isinstance(value, str) and value:
                    self.counts[f"credential field {key} ({where})"] += 1
                    out[key] = PLACEHOLDER
                else:
                    out[key] = self._json(value, where)
            return out
        if isinstance(data, list):
            return [self._json(item, where) for item in data]
        return data

    # --- vcrpy hooks ------------------------------------------------------------------------
    def request(self, request: Any) -> Any:
        outer, self.counts = self.counts, Counter()
        try:
            scrubbed = self._request(request)
        finally:
            counts, self.counts = self.counts, outer
        # Keyed by the scrubbed request: the original and vcrpy's re-runs on it count once.
        key = (request.method, request.uri, repr(request.body)) if scrubbed is None else (
            scrubbed.method, scrubbed.uri, repr(scrubbed.body))
        if sum(counts.values()) >= sum(self._request_counts.get(key, Counter()).values()):
            self._request_counts[key] = counts
        return scrubbed

    def _request(self, request: Any) -> Any:
        from vcr.filters import replace_headers, replace_query_parameters

        host = urlsplit(request.uri).hostname or ""
        if _CREDENTIAL_HOSTS.match(host):
            self.counts[f"credential exchange dropped ({host})"] += 1
            return None
        names = [k for k in request.headers if k.lower() in _SECRET_HEADERS or _SECRET_HEADER_NAME.search(k)]
        noise = [k for k in request.headers if k.lower() in _NOISE_HEADERS]
        for name in names:
            self.counts[f"request header {name}"] += 1
        request = replace_headers(request, [(k, None) for k in names + noise])
        params = [k for k, _ in parse_qsl(urlsplit(request.uri).query, keep_blank_values=True) if _SECRET_PARAM.match(k)]
        if params:
            self.counts["credential query parameter"] += len(params)
            request = replace_query_parameters(request, [(k, PLACEHOLDER) for k in set(params)])
        request.uri = self._text(request.uri, "request URI")
        content_type = str(request.headers.get("Content-Type", ""))
        request.body = self._body(request.body, "request body", content_type)
        request.headers = {k: self._text(str(v), f"request header {k}") for k, v in request.headers.items()}
        return request

    def response(self, response: dict) -> dict:
        headers = {}
        for name, values in (response.get("headers") or {}).items():
            if name.lower() in _SECRET_HEADERS or _SECRET_HEADER_NAME.search(name):
                self.counts[f"response header {name}"] += 1
                continue
            values = values if isinstance(values, list) else [values]
            headers[name] = [self._text(str(v), f"response header {name}") for v in values]
        response["headers"] = headers
        content_type = ", ".join(next((v for k, v in headers.items() if k.lower() == "content-type"), []))
        body = response.get("body") or {}
        if "string" in body:
            body["string"] = self._body(body["string"], "response body", content_type)
        return response


def resolve_secrets(collector: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Read every credential the collector needs, before recording starts.

    Returns (values to scrub by label, replay.json placeholders by secret name).
    """
    from ._secrets import get_secret

    scrub: dict[str, str] = {}
    placeholders: dict[str, str] = {}
    for name in collector.secrets:
        value = get_secret(name)
        if is_plain_url(value):
            placeholders[name] = value  # an address, not a credential: the replay must ask the same host
        else:
            scrub[name] = value
            placeholders[name] = PLACEHOLDER
    if getattr(collector, "aws_services", ()):
        from ._aws import resolve_credentials

        for key, value in (resolve_credentials() or {}).items():
            register_secret(value)
            scrub[f"AWS {key}"] = value
    # Anything else this process has seen through get_secret (another collector, a DD key).
    for value in known_secrets():
        if value not in scrub.values() and not is_plain_url(value):
            scrub.setdefault(f"known secret #{len(scrub) + 1}", value)
    return scrub, placeholders


def record(collector: Any, *, mode: str = "new", directory: Path | None = None, timeout: float | None = None) -> RecordReport:
    """Run ``collector`` live and record its HTTP into ``directory`` (default: its cassettes)."""
    import vcr

    if mode not in MODES:
        raise RecordError(f"mode must be one of {', '.join(MODES)}")
    directory = Path(directory) if directory is not None else collector.cassettes()
    scrub, placeholders = resolve_secrets(collector)  # before vcrpy patches anything
    directory.mkdir(parents=True, exist_ok=True)
    cassette = directory / f"{collector.name}.yaml"
    meta_path = directory / "replay.json"
    old_meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    report = RecordReport(collector.name, cassette, mode)
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
    collector.max_workers = 1  # serially: vcrpy can lose interactions recorded from a thread pool
    recorded_at = datetime.now(UTC).replace(microsecond=0)
    with recorder.use_cassette(str(cassette)):
        report.result = collector.run(timeout)
    report.scrubbed = scrubber.total
    _check_written(cassette, scrub)
    report.interactions = _listing(cassette)
    report.meta = {
        **old_meta,
        "recorded_at": recorded_at.isoformat().replace("+00:00", "Z"),
        "config": {k: os.environ[k] for k in collector.config if os.environ.get(k)},
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
