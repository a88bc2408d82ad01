"""Suite-wide fixtures. The toolkit's pytest plugin (toolkit.testing.plugin, a pytest11 entry
point) already blocks the network, clears credentials and offers `golden`; these add AWS."""

from __future__ import annotations

import os

import pytest
from aws import aws_env, moto_server  # noqa: F401 - fixtures shared by the suite

# tests/fixtures/seed is a project of its own (its `collectors` package is not the repository's):
# tests/test_seed_contract.py runs its tests in a subprocess rooted there.
collect_ignore = ["fixtures/seed"]


@pytest.fixture(scope="session")
def release(tmp_path_factory):
    """The sdist and the wheel built from it (and a wheel built from the checkout), once a session."""
    from release import build_release

    return build_release(tmp_path_factory.mktemp("release"))


@pytest.fixture(scope="session", autouse=True)
def _own_state_dir(tmp_path_factory):
    """What runs remember (the values that passed the schema check, metadata synced) goes to the
    session's own directory, inherited by the CLI subprocesses, never the user's ~/.local/state."""
    os.environ["DD_TOOLKIT_STATE_DIR"] = str(tmp_path_factory.mktemp("state"))


@pytest.fixture(autouse=True)
def _fresh_rate_budgets():
    """Each test starts with no credential's rate budget known: a loopback that answered
    X-RateLimit-Remaining: 0 in one test must not skip the next test's requests."""
    from toolkit.sources import reset_budgets

    reset_budgets()
    yield
    reset_budgets()
