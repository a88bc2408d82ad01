"""redact: known secret values and credential shapes, the same shapes the recorder scrubs."""

from __future__ import annotations

import pytest

from toolkit import redact
from toolkit.model import register_secret


@pytest.mark.parametrize(
    "text",
    [
        "xoxs-" + "1234567890-abcdef",
        "xoxb-" + "123456789012-abcdefABCDEF",
        "ghp_" + "a" * 36,
        "github_pat_" + "b" * 40,
        "AKIA" + "ABCDEFGHIJKLMNOP",
        "Authorization: Bearer abc.def-ghi",
        "https://x.test/a?token=abc123&page=2",
    ],
)
def test_credential_shapes(text):
    assert "***" in redact(f"failed: {text} then") and "abc123" not in redact(text)


def test_registered_values_longest_first():
    register_secret("short-secret")
    register_secret("short-secret-and-more")
    assert redact("x short-secret-and-more y short-secret") == "x *** y ***"


def test_every_command_registers_the_datadog_keys_for_redaction(monkeypatch, capsys):
    from toolkit.cli import main
    from toolkit.model import redact

    api, app = "a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6", "f" * 8 + "0123456789abcdef0123456789abcdef"
    monkeypatch.setenv("DD_API_KEY", api)
    monkeypatch.setenv("DD_APP_KEY", app)
    main(["list"])  # a command that never pushes
    assert redact(f"key {api} and {app}") == "key *** and ***"


def test_a_url_password_is_redacted_whoever_read_it():
    assert redact("for url 'https://bot:pw@api.example/v1'") == "for url 'https://bot:***@api.example/v1'"
    assert redact("https://api.example:8443/a@b and ssh://git@host") == "https://api.example:8443/a@b and ssh://git@host"


@pytest.mark.parametrize(("name", "value", "credentials"), [
    ("API_URL", "https://bot:pw-123456@api.example/v1?page=2&token=tok-0042", ["pw-123456", "tok-0042"]),
    ("OAUTH_TOKEN_URL", "https://auth.example/token", []),  # an address, whatever its name says
    ("DB_PASSWORD", "hunter2-hunter2", ["hunter2-hunter2"]),
    ("STRIPE_API_KEY", "sk-0123456789", ["sk-0123456789"]),
    ("GITHUB_TOKEN", "not-a-shape-but-named", ["not-a-shape-but-named"]),
    ("TEAM", "platform", []),
    ("JIRA_PROJECT_KEY", "PLAT", []),
    ("NOTES", "use ghp_" + "a" * 36 + " here", ["ghp_" + "a" * 36]),
])
def test_credential_values_of_a_setting(name, value, credentials):
    from toolkit.model import credential_values

    assert credential_values(name, value) == credentials


def test_get_config_registers_the_credentials_it_reads(monkeypatch):
    from toolkit import get_config

    monkeypatch.setenv("REDACT_TEST_API_URL", "https://bot:cfg-pw-778899@api.example/")
    monkeypatch.setenv("REDACT_TEST_TOKEN", "cfg-token-445566")
    assert get_config("REDACT_TEST_API_URL").startswith("https://bot:cfg-pw-778899@")  # the collector gets it whole
    get_config("REDACT_TEST_TOKEN")
    assert redact("GET https://api.example/?x=cfg-pw-778899 with cfg-token-445566") == "GET https://api.example/?x=*** with ***"
