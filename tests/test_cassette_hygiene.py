"""No cassette may hold anything that looks like a credential.

Every file under tests/cassettes (recursively: cassettes, replay.json, READMEs) is scanned for
known token formats, URL passwords, Secrets Manager values, and for every secret value the test
suite itself sets (in the environment, in constants, in moto's Secrets Manager, in URLs). Placeholders are
tolerated when they follow the convention: the words ``placeholder`` or ``REDACTED``, ``***``,
and AWS's documented example keys (``AKIA...EXAMPLE``, ``...EXAMPLEKEY``). The scanner is
unit-tested on bad samples below, so a green run means something.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from toolkit.model import CREDENTIAL_PARAMS, CREDENTIAL_SHAPES, URL_PASSWORD

TESTS = Path(__file__).resolve().parent
CASSETTES = TESTS / "cassettes"

PLACEHOLDER_WORDS = ("placeholder", "redacted", "example", "dummy")
PLACEHOLDER_VALUES = {"***", "<token>", "token", "xxx", "..."}

# (what, pattern, group holding the credential)
PATTERNS: list[tuple[str, re.Pattern, int]] = [
    *((what, re.compile(f"({shape.pattern})"), 1) for what, shape in CREDENTIAL_SHAPES),
    ("AWS secret access key", re.compile(
        r"(?i)(?:aws_secret_access_key|secret_access_key|secretaccesskey)[\"'\s:=>\-]*([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"), 1),
    ("AWS SigV4 signature", re.compile(r"(AWS4-HMAC-SHA256\s+Credential=\S+)"), 1),
    ("bearer token", re.compile(r"(?i)\bBearer\s+([A-Za-z0-9._~+/=-]+)"), 1),
    ("basic auth", re.compile(r"(?i)\bBasic\s+([A-Za-z0-9+/=]{12,})"), 1),
    ("Datadog API key", re.compile(r"(?i)(?:dd[-_]?api[-_]?key|api[-_]?key)[\"'\s:=\-]+([0-9a-f]{32})(?![0-9a-f])"), 1),
    ("Datadog application key", re.compile(
        r"(?i)(?:dd[-_]?application[-_]?key|app(?:lication)?[-_]?key)[\"'\s:=\-]+([0-9a-f]{40})(?![0-9a-f])"), 1),
    ("private key", re.compile(r"(-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----)"), 1),
    # the password of https://user:password@host, as redaction and the recorder find it
    ("URL password", URL_PASSWORD, 2),
    # a Secrets Manager answer (GetSecretValue at any endpoint), its JSON possibly escaped in YAML
    ("Secrets Manager value", re.compile(r'\\?"Secret(?:String|Binary)\\?"\s*:\s*\\?"([^"\\]+)'), 1),
    # the model's one list of credential parameter names (redaction and the recorder use it too)
    ("credential parameter", re.compile(r"(?i)[?&;](?:" + "|".join(map(re.escape, CREDENTIAL_PARAMS)) + r")=([^&\s'\"#]+)"), 1),
    # an Authorization value of any scheme (Token, Digest, a bare key), as redaction finds it
    ("authorization value", re.compile(
        r"(?i)(?:proxy-)?authorization['\"]?\s*[:=]\s*(?:-\s+)?['\"]?(?:[A-Za-z][\w.+-]*\s+)?+([^'\"\s}\]]+)"), 1),
]

# Secret values the suite sets: setenv("..._TOKEN|KEY|SECRET|PASSWORD", "value") and
# constants named like credentials (TOKEN = "...", key_id, secret = "...", "...").
_SETENV = re.compile(r"setenv\(\s*[\"']([A-Z0-9_]*(?:TOKEN|KEY|SECRET|PASSWORD|PAT|CREDENTIALS?)[A-Z0-9_]*)[\"']\s*,\s*[\"']([^\"']+)[\"']")
_CONSTANT = re.compile(r"^\s*([A-Z0-9_]*(?:TOKEN|SECRET|PASSWORD|API_KEY|APP_KEY)[A-Z0-9_]*)\s*=\s*[\"']([^\"']+)[\"']", re.M)
_PAIR = re.compile(r"^\s*key_id\s*,\s*secret\s*=\s*[\"']([^\"']+)[\"']\s*,\s*[\"']([^\"']+)[\"']", re.M)
_SECRET_STRING = re.compile(r"SecretString\s*=\s*[\"']([^\"']+)[\"']")  # put into moto's Secrets Manager
MIN_SECRET_LENGTH = 8  # shorter test values ("x", "testing") are too common to mean anything


def is_placeholder(value: str) -> bool:
    lowered = value.lower().strip("'\"")
    return lowered in PLACEHOLDER_VALUES or any(word in lowered for word in PLACEHOLDER_WORDS)


@functools.cache
def secrets_set_by_tests(root: Path = TESTS) -> frozenset[str]:
    """Every secret value a test sets."""
    found: set[str] = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8", errors="replace")
        found.update(value for _, value in _SETENV.findall(text))
        found.update(value for _, value in _CONSTANT.findall(text))
        for pair in _PAIR.findall(text):
            found.update(pair)
        found.update(_SECRET_STRING.findall(text))
        found.update(m.group(2) for m in URL_PASSWORD.finditer(text))
    return frozenset(v for v in found if len(v) >= MIN_SECRET_LENGTH and not is_placeholder(v) and not v.startswith("http"))


def scan_text(text: str, secrets: set[str] = frozenset()) -> list[str]:
    """What in ``text`` looks like a credential (empty when clean)."""
    problems = []
    for what, pattern, group in PATTERNS:
        for match in pattern.finditer(text):
            value = match.group(group)
            if not is_placeholder(value):
                problems.append(f"{what}: {value[:12]}...")
    problems += [f"secret set by the tests: {value[:4]}..." for value in sorted(secrets) if value in text]
    return problems


def cassette_files() -> list[Path]:
    return sorted(p for p in CASSETTES.rglob("*") if p.is_file())


def test_there_are_cassettes_to_scan():
    assert len(cassette_files()) >= 5


@pytest.mark.parametrize("path", cassette_files(), ids=lambda p: str(p.relative_to(CASSETTES)))
def test_cassette_holds_no_credential(path: Path):
    text = path.read_text(encoding="utf-8", errors="replace")
    problems = scan_text(text, secrets_set_by_tests())
    assert not problems, f"{path.relative_to(TESTS)} looks like it holds credentials: {problems}"


# --- the scanner can fail -------------------------------------------------------------------


@pytest.mark.parametrize("sample", [
    "token: ghp_" + "A1b2C3d4E5" * 4,
    "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    "Credential=AKIA" + "Q3EGRTYZ7NBV4LWX" + "/20261128/us-east-1/ec2/aws4_request",
    "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQWERTYUIO",
    "<SecretAccessKey>" + "Zx9/yW8+vU7tS6rQ5pO4nM3lK2jI1hG0fEdCbA9z" + "</SecretAccessKey>",
    "Authorization: AWS4-HMAC-SHA256 Credential=foo/20261128/us-east-1/ec2/aws4_request",
    "authorization:\n      - Bearer " + "sk-live-a8f7d6e5c4b3",
    "Authorization: Basic dXNlcjpodW50ZXIy",
    "dd-api-key:\n      - " + "3f9a" * 8,
    '{"application_key": "' + "a1b2c3d4e5" * 4 + '"}',
    "xoxb-" + "123456789012-abcdefABCDEF",
    "-----BEGIN RSA PRIVATE KEY-----",
    "uri: https://gitlab.example.com/api/v4/projects?private_token=glpat-abc123def456",
    "body: grant_type=refresh_token&refresh_token=r1-0123456789",
    "https://h/cb?id_token=eyJhbGciOi0123&session_token=s-0123456789",
    "https://h/login?user=u&passwd=hunter22&auth=0123abcd",
    "Authorization: Token 0123456789abcdef",
    '"Authorization": "Digest username=alice"',
    "authorization:\n      - 0123456789abcdef0123",
    "uri: http://collector:hunter2-pass@127.0.0.1:8080/items",
    """string: '{"Name": "db/password", "SecretString": "zz-top-s3cret"}'""",
    'string: "{\\"SecretString\\": \\"zz-top-s3cret\\"}"',
])
def test_scanner_flags_credentials(sample):
    assert scan_text(sample), sample


@pytest.mark.parametrize("sample", [
    "Authorization: Bearer placeholder",
    "authorization:\n  - Bearer ***",
    "Bearer REDACTED",
    "AKIA" + "IOSFODNN7EXAMPLE",
    "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    '{"secrets": {"asana/access-token": "placeholder"}}',
    "commit 8aaabae450d0865f30a505ff223cf481f130a14c and etag 0123456789abcdef0123456789abcdef",
    "x-amzn-requestid: KleQD0qNcG5jfALsxoOSWQsJOCPmXzNBCJ2cKbQ9A3P7fD9yE1Bx",
    "uri: https://h/api?private_token=placeholder&page=2",
    "Authorization: Token placeholder",
    "uri: http://collector:placeholder@127.0.0.1:8080/items",
    '{"SecretString": "placeholder"}',
])
def test_scanner_tolerates_placeholders_and_ordinary_hex(sample):
    assert scan_text(sample) == []


def test_scanner_flags_a_secret_value_the_tests_set(tmp_path):
    (tmp_path / "test_x.py").write_text(
        'monkeypatch.setenv("FOO_TOKEN", "tok-9f8e7d6c5b")\nAPI_KEY = "k3y-value-123"\n'
        'sm.create_secret(Name="db/pw", SecretString="sm-v4lue-0042")\nURL = "https://bot:url-pw-0042@h.example/"\n'
    )
    secrets = secrets_set_by_tests(tmp_path)
    assert secrets == {"tok-9f8e7d6c5b", "k3y-value-123", "sm-v4lue-0042", "url-pw-0042"}
    assert scan_text("body: tok-9f8e7d6c5b", secrets) and scan_text("k3y-value-123", secrets)
    assert scan_text("nothing here", secrets) == []


def test_suite_secrets_are_found():
    found = secrets_set_by_tests()
    assert "echo-s3cret-TOKEN-4242" in found  # tests/test_record.py TOKEN
    assert "0123456789abcdef0123456789abcdef" in found  # tests/test_cli.py DD_API_KEY
    assert "unlisted-s3cret-VALUE-5150" in found  # tests/fixtures/unlisted/api.py, put in moto's Secrets Manager
    assert "urlpass-Q7w8e9r0" in found  # the same file: UNLISTED_API_URL's password


# --- a real scanner beside our own shapes: detect-secrets, with its format and keyword plugins ---
# The two entropy plugins are left out: they flag every git SHA and ETag of a recorded GitHub
# response, and a finding nobody can act on trains people to ignore the scan.
_DETECT_SECRETS_OFF = {"Base64HighEntropyString", "HexHighEntropyString"}


def detect_secrets_findings(paths: list[Path]) -> list[str]:
    from detect_secrets import SecretsCollection
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.settings import transient_settings

    plugins = [{"name": cls.__name__} for cls in get_mapping_from_secret_type_to_class().values() if cls.__name__ not in _DETECT_SECRETS_OFF]
    found = SecretsCollection()
    with transient_settings({"plugins_used": plugins}):
        for path in paths:
            found.scan_file(str(path))
    return [f"{Path(name).relative_to(TESTS) if Path(name).is_relative_to(TESTS) else name}:{s.line_number} {s.type}"
            for name, secrets in found.data.items() for s in secrets]


def test_detect_secrets_finds_nothing_in_the_cassettes():
    paths = sorted(p for p in CASSETTES.rglob("*") if p.is_file())
    assert len(paths) > 50
    assert detect_secrets_findings(paths) == []


def test_detect_secrets_would_find_a_leak(tmp_path):
    leak = tmp_path / "leaky.yaml"
    key = "AKIA" + "Z7QF3X9BLR2MUC4W"  # assembled here so the repository itself holds no key shape
    leak.write_text(f"headers:\n  X-Amz-Credential: {key}\n  Authorization: Basic {'dXNlcjpwYXNzd29yZA' + '=='}\n")
    assert any("AWS Access Key" in f for f in detect_secrets_findings([leak]))
