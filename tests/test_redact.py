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
