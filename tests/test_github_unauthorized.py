"""A 401 from GitHub, end to end: `dd-toolkit run github --json` against a loopback server that
answers as GitHub does when a token is bad (status 401 and its basic-error body, from
tests/cassettes/github/unauthorized). Every message names the collector's own secret and
settings (`github/token`, `collectors.github.env`), never a placeholder such as
`collectors.<name>.env`, and never shows the token."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from loopback import Loopback, Reply

pytestmark = pytest.mark.slow
TOKEN = "ghp_" + "Zq7" * 12  # a token's shape, so redaction is on trial too
# GitHub's answer to a bad token (tests/cassettes/github/unauthorized/github.yaml)
BAD_CREDENTIALS = Reply(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"},
                        headers={"Content-Type": "application/json; charset=utf-8", "X-GitHub-Media-Type": "github.v3; format=json"})


def run_github(api_url: str, **settings: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DD_", "GITHUB_"))}
    env.update(GITHUB_API_URL=api_url, GITHUB_TOKEN=TOKEN, AWS_EC2_METADATA_DISABLED="true", **settings)
    return subprocess.run([sys.executable, "-m", "toolkit.cli", "run", "github", "--json"], capture_output=True, text=True,
                          env=env, stdin=subprocess.DEVNULL, timeout=120)


def messages(done: subprocess.CompletedProcess) -> list[str]:
    errors = json.loads(done.stdout)["errors"]
    assert errors, done.stdout
    return [e["message"] for e in errors]


def test_a_401_names_the_collectors_secret_and_never_a_placeholder():
    with Loopback(default=BAD_CREDENTIALS) as github:
        done = run_github(github.url, GITHUB_REPOSITORIES="octo-org/octo-repo")
        assert github.requests and all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in github.requests)
    assert done.returncode == 1, done.stderr
    for message in messages(done):
        assert "401 Bad credentials" in message and "github/token" in message and "GITHUB_TOKEN" in message
    assert "<name>" not in done.stdout + done.stderr and TOKEN not in done.stdout + done.stderr


def test_a_missing_setting_names_the_collectors_helm_entry():
    with Loopback(default=BAD_CREDENTIALS) as github:
        done = run_github(github.url)  # GITHUB_REPOSITORIES not set
    for message in messages(done):
        assert "GITHUB_REPOSITORIES" in message and "collectors.github.env" in message, message
    assert "<name>" not in done.stdout + done.stderr and TOKEN not in done.stdout + done.stderr
