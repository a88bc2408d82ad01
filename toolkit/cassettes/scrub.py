"""Scrubbing credentials out of HTTP interactions before they reach a cassette.

``Scrubber`` holds vcrpy's ``before_record_request`` / ``before_record_response`` hooks:
credential headers (Authorization, cookies, API-key and AWS signature headers),
credential-named query and body parameters (replaced by ``PLACEHOLDER``, so replays still
match), every secret value wherever it appears, credential-shaped strings (GitHub, AWS, Slack
tokens, bearer values, a URL's password), and STS/IMDS/Secrets Manager exchanges (dropped
whole, at AWS's own hosts or any other endpoint: known by their target or signing service). It
counts what it removed, for the report ``dd-toolkit record`` prints.

The secret values are the ones it is given and every value registered for redaction while it
works (``get_secret``'s, credential-shaped ``get_config`` values), so a secret a collector
fetches mid-run without listing it is scrubbed from every interaction after the fetch.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit

from ..model import (
    AUTHORIZATION_VALUE,
    CREDENTIAL_PARAM,
    CREDENTIAL_PARAMS,
    CREDENTIAL_SHAPES,
    URL_PASSWORD,
    is_plain_url,
    known_secrets,
)

PLACEHOLDER = "placeholder"

# Headers that carry credentials, by exact name, and by shape of name.
_SECRET_HEADERS = {
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-amz-security-token",
    "x-api-key", "api-key", "apikey", "dd-api-key", "dd-application-key", "private-token",
    "x-auth-token", "x-access-token", "x-csrf-token", "x-goog-api-key",
}
_SECRET_HEADER_NAME = re.compile(r"(?i)(auth|token|secret|api[-_]?key|password|cookie|session|credential|signature)")
# Headers that are noise, not secrets: random per request, they would only churn the cassette.
_NOISE_HEADERS = {"amz-sdk-invocation-id", "amz-sdk-request", "x-amz-date", "x-amz-content-sha256"}
# Query/body parameter names that carry credentials: the model's one list (redaction uses it too).
_SECRET_PARAM = CREDENTIAL_PARAM
# JSON keys and XML elements in responses that carry credentials (OAuth, STS, ECS/IMDS credentials).
_SECRET_KEYS = {
    *CREDENTIAL_PARAMS, "authorization", "proxy-authorization",
    "access_token", "refresh_token", "id_token", "client_secret", "password", "secret", "api_key", "apikey",
    "private_key", "session_token", "token", "secretaccesskey", "sessiontoken", "accesskeyid", "secret_access_key",
    "access_key_id", "session", "session_id", "sessionid", "cookie", "secretstring", "secretbinary",
}
# A JSON body is parsed (and its credential-named fields replaced) only when a key may name one:
# one of those names in quotes, any case, or a \u escape that could spell one. Parsing a 30 MB
# body costs several times its size.
_MAY_NAME_CREDENTIAL = re.compile(r'(?i)"(?:' + "|".join(sorted(map(re.escape, _SECRET_KEYS), key=len, reverse=True)) + r')"|\\u')
_XML_SECRET = re.compile(r"(<(SecretAccessKey|SessionToken|AccessKeyId|Token)>)[^<]*(</\2>)")
# Credential shapes that may appear without having passed through get_secret.
_SHAPES = [
    *CREDENTIAL_SHAPES,
    ("bearer value", re.compile(r"(?<=Bearer )(?!placeholder\b)[A-Za-z0-9._~+/=-]{8,}")),
    ("basic value", re.compile(r"(?<=Basic )(?!placeholder\b)[A-Za-z0-9+/=]{8,}")),
]
_AUTH_VALUE = re.compile(AUTHORIZATION_VALUE.pattern.replace("(?![*]{3})", "(?![*]{3}|placeholder\\b)"))
# Hosts whose exchanges are credentials themselves: never recorded.
_CREDENTIAL_HOSTS = re.compile(
    r"^(sts(\.[a-z0-9-]+)?\.amazonaws\.com|secretsmanager\.[a-z0-9-]+\.amazonaws\.com|169\.254\.169\.254|169\.254\.170\.2|"
    r"fd00:ec2::254|oidc\.[a-z0-9-]+\.amazonaws\.com|portal\.sso\.[a-z0-9-]+\.amazonaws\.com|oauth2\.googleapis\.com)$"
)
# The same exchanges at any address (AWS_ENDPOINT_URL, a FIPS or VPC endpoint, LocalStack): the
# JSON protocol's target, or the service a SigV4 signature is scoped to.
_CREDENTIAL_TARGET = re.compile(r"(?i)^(secretsmanager|awssecuritytokenservice|swbssoportalservice|awsssooidcservice)\.")
_SIGNED_FOR = re.compile(r"(?i)\bCredential=[^/\s,]+/\d{8}/[^/\s,]+/([a-z0-9-]+)/aws4_request")
_CREDENTIAL_SERVICES = {"secretsmanager", "sts", "sso", "awsssoportal", "sso-oauth"}


def credential_exchange(uri: str, headers: dict) -> str | None:
    """What makes this request a credential exchange (host, target or signing service), else None."""
    host = urlsplit(uri).hostname or ""
    if _CREDENTIAL_HOSTS.match(host):
        return host
    for name, value in headers.items():
        for v in value if isinstance(value, list) else [value]:
            v = v.decode("latin-1") if isinstance(v, bytes) else str(v)
            if name.lower() == "x-amz-target" and _CREDENTIAL_TARGET.match(v):
                return v
            signed = _SIGNED_FOR.search(v) if name.lower() == "authorization" else None
            if signed and signed.group(1).lower() in _CREDENTIAL_SERVICES:
                return f"{signed.group(1).lower()} at {host}"
    return None


class Scrubber:
    """vcrpy hooks that remove credentials from each interaction and count what they removed."""

    def __init__(self, secrets: dict[str, str]) -> None:
        self._given = {v: k for k, v in secrets.items() if v}  # value -> label
        self._known_count = -1
        self._values: list[tuple[str, str]] = []
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
    def _secret_values(self) -> list[tuple[str, str]]:
        """(value, label), longest first so a secret containing another is replaced whole: the
        given ones and every one registered since (the registry only grows)."""
        known = known_secrets()
        if len(known) != self._known_count:
            found = {v: "read during the run" for v in known if not is_plain_url(v)}
            found.update(self._given)
            self._values = sorted(found.items(), key=lambda p: len(p[0]), reverse=True)
            self._known_count = len(known)
        return self._values

    def text(self, text: str, where: str) -> str:
        """``text`` with every secret value, credential shape and URL password replaced."""
        return self._text(text, where)

    def _text(self, text: str, where: str) -> str:
        for value, label in self._secret_values():
            # as is, and as it reads inside a URL or a form body
            for form in dict.fromkeys((value, quote(value, safe=""), quote_plus(value))):
                if form in text:
                    self.counts[f"secret value {label} ({where})"] += text.count(form)
                    text = text.replace(form, PLACEHOLDER)
        for label, pattern in _SHAPES:
            text, n = pattern.subn(PLACEHOLDER, text)
            if n:
                self.counts[f"{label} ({where})"] += n
        # an Authorization value of any scheme echoed in a body or header (Token, Digest, a bare key)
        text, n = _AUTH_VALUE.subn(lambda m: m.group(1) + PLACEHOLDER, text)
        if n:
            self.counts[f"authorization value ({where})"] += n
        # a URL's password (https://user:password@host): the user and the address stay, so it replays
        passwords = [m for m in URL_PASSWORD.finditer(text) if m.group(2) != PLACEHOLDER]
        if passwords:
            text = URL_PASSWORD.sub(lambda m: m.group(1) + PLACEHOLDER, text)
            self.counts[f"URL password ({where})"] += len(passwords)
        return text

    def _body(self, body: Any, where: str, content_type: str) -> Any:
        if body is None:
            return None
        raw = body if isinstance(body, bytes | bytearray) else str(body).encode("utf-8")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return body  # binary: nothing textual to scrub
        scrubbed = self._text(self._structured(text, where, content_type), where)
        if scrubbed == text:  # the body as it came: no second copy of a large one
            return body
        return scrubbed.encode("utf-8") if isinstance(body, bytes | bytearray) else scrubbed

    def _structured(self, text: str, where: str, content_type: str) -> str:
        """Credential-named fields of JSON, form and STS-style XML bodies."""
        text, n = _XML_SECRET.subn(lambda m: m.group(1) + PLACEHOLDER + m.group(3), text)
        if n:
            self.counts[f"credential element ({where})"] += n
        stripped = text[:64].lstrip()  # a prefix: a 30 MB body is not copied to look at its start
        if stripped[:1] in "{[" and _MAY_NAME_CREDENTIAL.search(text):
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

        exchange = credential_exchange(request.uri, dict(request.headers))
        if exchange is not None:
            self.counts[f"credential exchange dropped ({exchange})"] += 1
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


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    """What a written cassette still holds that ``Scrubber`` would have removed: a secret value (as
    is or URL-encoded), a credential shape, a URL's password, a credential header, a credential
    exchange (at any address: known by its target or signing service), a credential-named query
    parameter or JSON field that is not the placeholder. One label per kind found.

    ``record --adopt`` checks a kept capture with it before copying it into the cassettes.
    """
    import yaml

    found: list[str] = []
    for label, value in secrets.items():
        if value and any(form in text for form in (value, quote(value, safe=""), quote_plus(value))):
            found.append(f"secret value {label}")
    found += [label for label, pattern in _SHAPES if pattern.search(text)]
    if any(m.group(2) != PLACEHOLDER for m in URL_PASSWORD.finditer(text)):
        found.append("URL password")
    data = yaml.safe_load(text) or {}
    for item in data.get("interactions", []) if isinstance(data, dict) else []:
        request, response = item.get("request") or {}, item.get("response") or {}
        uri = str(request.get("uri", ""))
        exchange = credential_exchange(uri, request.get("headers") or {})
        if exchange is not None:
            found.append(f"credential exchange ({exchange})")
        for body in (request.get("body"), (response.get("body") or {}).get("string")):
            found += [f"credential field {key}" for key in _credential_fields(body)]
        for where, headers in (("request", request.get("headers")), ("response", response.get("headers"))):
            found += [f"{where} header {k}" for k in (headers or {}) if k.lower() in _SECRET_HEADERS or _SECRET_HEADER_NAME.search(k)]
        found += [f"credential query parameter {k}" for k, v in parse_qsl(urlsplit(uri).query, keep_blank_values=True)
                  if _SECRET_PARAM.match(k) and v not in (PLACEHOLDER, "")]
    return list(dict.fromkeys(found))


def _credential_fields(body: Any) -> list[str]:
    """The credential-named JSON fields of ``body`` holding a value other than the placeholder."""
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", errors="replace")
    if not isinstance(body, str) or body.lstrip()[:1] not in ("{", "["):
        return []
    try:
        data = json.loads(body)
    except ValueError:
        return []
    found: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(key, str) and key.lower() in _SECRET_KEYS and isinstance(value, str) and value not in ("", PLACEHOLDER):
                    found.append(key)
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return found
