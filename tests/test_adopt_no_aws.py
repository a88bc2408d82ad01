"""`record --adopt` is offline: it never resolves AWS credentials (no instance-metadata or
container-credentials lookup on a laptop), even for a collector whose secrets would otherwise
fall through to AWS Secrets Manager.

The capture is made first by a live `run --capture` against a loopback API (AWS not involved);
then the credential endpoints point at a loopback server that records every hit. The control (a
live run of the same collector without its secrets in the environment) shows a lookup does reach it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from loopback import Loopback, Reply
from test_drift import TOKEN, PagedApi

ROOT = Path(__file__).resolve().parent.parent
# the real CLI, with discovery over tests/fixtures (as tests/test_cronjob_run.py runs it)
RUNNER = (
    "import sys; sys.path.insert(0, 'tests'); from toolkit.engine import registry; "
    "registry.BUILTIN_PACKAGE = 'fixtures'; from toolkit.cli import main; sys.exit(main(sys.argv[1:]))"
)
pytestmark = pytest.mark.slow


def cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DD_", "SHAPES_"))}
    full.update(PYTHONPATH=str(ROOT), **env)
    return subprocess.run([sys.executable, "-c", RUNNER, *args], cwd=ROOT, env=full, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def credential_endpoints(url: str) -> dict[str, str]:
    """Every place botocore's credential chain would look, pointed at ``url`` (or at nothing)."""
    return dict(AWS_EC2_METADATA_SERVICE_ENDPOINT=url, AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{url}/credentials",
                AWS_CONTAINER_AUTHORIZATION_TOKEN="not-a-token", AWS_CONFIG_FILE=os.devnull,
                AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_REGION="us-east-1", AWS_METADATA_SERVICE_NUM_ATTEMPTS="1",
                AWS_METADATA_SERVICE_TIMEOUT="1")


@pytest.fixture
def flight(tmp_path):
    directory = tmp_path / "flight"
    with PagedApi() as api:
        api.pages = {1: {"items": [{"id": 1, "size": 3}], "next": None}}
        done = cli("run", "shapes", "--json", "--capture", str(directory), SHAPES_API_URL=api.url, SHAPES_TOKEN=TOKEN)
    assert done.returncode == 0, done.stderr
    assert (directory / "shapes" / "replay.json").is_file()
    return directory


def test_record_adopt_makes_no_aws_credential_lookup(flight, tmp_path):
    target = tmp_path / "cassettes" / "shapes"
    with Loopback(default=Reply(404, {})) as aws:
        done = cli("record", "shapes", "--adopt", str(flight), "--dir", str(target), **credential_endpoints(aws.url))
        assert done.returncode == 0, done.stderr
        assert "adopted" in done.stdout and TOKEN not in done.stdout + done.stderr
        assert "set SHAPES_API_URL, SHAPES_TOKEN to check them too" in done.stdout  # what it could not check, and how
        assert aws.requests == [], [(r.method, r.path) for r in aws.requests]
    assert (target / "shapes.yaml").is_file()


def test_control_a_live_run_without_its_secrets_does_look_credentials_up_there():
    with Loopback(default=Reply(404, {})) as aws:
        cli("run", "shapes", "--json", "--timeout", "20", **credential_endpoints(aws.url))
        assert aws.requests, "the stand-in would not see a lookup: the test above proves nothing"
