"""``toolkit.auth_headers``: header lines with ``{secret}`` fields, as a generated collector declares them."""

from __future__ import annotations

import base64

import pytest

from toolkit import auth_headers, redact
from toolkit.errors import ConfigError


def test_each_line_is_a_header_with_its_secrets_filled_in(monkeypatch):
    monkeypatch.setenv("PD_TOKEN", "pd-token-value-1")
    monkeypatch.setenv("ACME_CLIENT_ID", "acme-client-id")
    assert auth_headers("Authorization: Token token={pd/token}", "Client-Id:{acme/client-id}") == {
        "Authorization": "Token token=pd-token-value-1",
        "Client-Id": "acme-client-id",
    }
    assert auth_headers("DD-API-KEY: {pd/token}") == {"DD-API-KEY": "pd-token-value-1"}


def test_basic_is_base64_encoded_and_scrubbed_like_a_secret(monkeypatch):
    monkeypatch.setenv("ACME_USERNAME", "acme-user")
    monkeypatch.setenv("ACME_PASSWORD", "acme-password-7")
    encoded = base64.b64encode(b"acme-user:acme-password-7").decode()
    assert auth_headers("Authorization: Basic {acme/username}:{acme/password}") == {"Authorization": f"Basic {encoded}"}
    # the encoded pair holds the password without its plain text: it is registered too
    assert encoded not in redact(f"echoed credentials {encoded}")


@pytest.mark.parametrize(
    "line, fragment",
    [
        ("Authorization Bearer {x/token}", "is not one line `Name: value`"),
        ("X-Key: ", "is not one line `Name: value`"),
        ("X-Key: {x/token}\nX-Other: 1", "is not one line `Name: value`"),
        ("Authorization: Bearer token", "uses no secret"),
        ("X-Key: {x/token} }", "brace outside"),
    ],
)
def test_a_malformed_line_names_the_fix(line, fragment):
    with pytest.raises(ConfigError, match=fragment.replace("`", ".").replace("(", ".")):
        auth_headers(line)
