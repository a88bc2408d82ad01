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
