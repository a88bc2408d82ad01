"""A real local AWS emulator for tests: moto's server mode on 127.0.0.1, a free port.

boto3 reaches it through ``AWS_ENDPOINT_URL`` (boto3 >= 1.28), the same setting a user would
use for LocalStack or a VPC endpoint, so the code under test runs unchanged.
"""

from __future__ import annotations

import pytest
from moto.server import ThreadedMotoServer


@pytest.fixture(scope="session")
def moto_server():
    # port 0: the OS picks a free port (the default 0.0.0.0:5000 would be exposed and may be taken)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(moto_server, monkeypatch):
    """Point boto3 at the emulator with dummy credentials, and reset its state afterwards."""
    import boto3  # noqa: F401 - imported here so test modules stay importable without AWS

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    yield moto_server
    import httpx

    httpx.post(f"{moto_server}/moto-api/reset")
