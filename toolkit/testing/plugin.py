"""The toolkit's pytest plugin, loaded wherever dd-toolkit is installed (a ``pytest11`` entry point).

A project's tests import no copied helpers; this plugin gives every test:

* the network blocked: a connection to anything but loopback fails at once, naming the fix
  (replay a cassette, or use a loopback server). CI has no network; tests behave so everywhere.
  A suite that needs the network sets ``dd_toolkit_block_network = false`` in its pytest ini;
* no credentials from the developer's shell (``DD_*``, ``GITHUB_TOKEN``, AWS keys), and a fresh
  secret cache and AWS session around each test;
* ``--update-golden`` and the ``golden`` fixture: ``def test_golden(golden): golden(MyCollector())``
  fails with a diff naming each series that changed; ``pytest --update-golden`` rewrites the
  golden files instead (review them).

Offline replays freeze the clock at the cassette's ``recorded_at`` themselves (``toolkit.now``).
"""

from __future__ import annotations

import socket

import pytest

from . import check_golden

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
CLEARED_ENV = (
    "DD_API_KEY", "DD_APP_KEY", "DD_API_KEY_FILE", "DD_APP_KEY_FILE", "DD_SITE", "DD_URL", "DD_ENV", "DD_TAGS",
    "DD_TOOLKIT_PROJECT", "GITHUB_TOKEN",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
)
_real_connect = socket.socket.connect


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("dd-toolkit").addoption(
        "--update-golden", action="store_true", default=False,
        help="rewrite each collector's golden.json from its offline run instead of comparing (review the diff)",
    )
    parser.addini("dd_toolkit_block_network", "block connections to anything but loopback (default true)", type="bool", default=True)


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in LOOPBACK and not host.startswith("/"):
        raise OSError(f"network blocked in tests: connect to {address!r} (replay a cassette or use a loopback server)")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _dd_toolkit_block_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.config.getini("dd_toolkit_block_network"):
        monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def _dd_toolkit_clean_env(monkeypatch: pytest.MonkeyPatch):
    from ..sources import clear_secret_cache, reset_session

    for name in CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    clear_secret_cache()
    reset_session()  # the shared botocore session caches credentials and settings
    yield
    clear_secret_cache()
    reset_session()


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """``golden(collector, cassettes=None)``: the offline run must match its golden file."""
    update = request.config.getoption("--update-golden")

    def check(collector, cassettes=None) -> None:
        problem = check_golden(collector, cassettes, update=update)
        if problem:
            pytest.fail(problem, pytrace=False)

    return check
