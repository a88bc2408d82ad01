"""Suite-wide fixtures: no real network, no stray credentials, a fresh secret cache."""

from __future__ import annotations

import socket

import pytest
from aws import aws_env, moto_server  # noqa: F401 - fixtures shared by the suite

pytest_plugins = ["toolkit.testing.plugin"]  # --update-golden and the `golden` fixture

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_real_connect = socket.socket.connect


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in _LOOPBACK and not host.startswith("/"):
        raise OSError(f"network blocked in tests: connect to {address!r} (replay a cassette or use a loopback server)")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _block_network(monkeypatch):
    """CI has no network; make every test behave so here too (loopback stays open for emulators)."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """Credentials from the developer's shell never leak into a test."""
    for name in ("DD_API_KEY", "DD_APP_KEY", "DD_SITE", "DD_URL", "DD_ENV", "DD_TAGS", "GITHUB_TOKEN",
                 "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    from toolkit.sources import clear_secret_cache, reset_session

    clear_secret_cache()
    reset_session()  # the shared botocore session caches credentials and settings
    yield
    clear_secret_cache()
    reset_session()
