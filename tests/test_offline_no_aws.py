"""Offline commands never resolve AWS credentials: on a laptop outside AWS that would be an
instance-metadata lookup (and its timeouts) for a replay that needs no credentials at all.

The instance-metadata endpoint is pointed at a loopback server that records every hit; the
control (a live run of the same collector) shows that a credential lookup does reach it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from loopback import Loopback, Reply


def cli(*args: str, metadata_url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=metadata_url, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               AWS_REGION="us-east-1", AWS_METADATA_SERVICE_NUM_ATTEMPTS="1", AWS_METADATA_SERVICE_TIMEOUT="1", EC2_REGIONS="us-east-1")
    return subprocess.run([sys.executable, "-m", "toolkit.cli", *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("args", [["run", "ec2", "--offline"], ["cost", "ec2", "--offline"]], ids=" ".join)
def test_an_offline_command_makes_no_instance_metadata_lookup(args):
    with Loopback(default=Reply(404, {})) as metadata:
        done = cli(*args, metadata_url=metadata.url)
        assert done.returncode == 0, done.stderr
        assert metadata.requests == [], [(r.method, r.path) for r in metadata.requests]


@pytest.mark.slow
def test_control_a_live_run_does_look_credentials_up_there():
    with Loopback(default=Reply(404, {})) as metadata:
        cli("run", "ec2", "--timeout", "20", metadata_url=metadata.url)
        assert metadata.requests, "the stand-in would not see a lookup: the test above proves nothing"
