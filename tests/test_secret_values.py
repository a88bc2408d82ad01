"""Secrets by value: a secret a collector fetched with ``get_secret`` without listing it, and a
password in a configured URL, reach no file and no output of ``record``, ``run --capture``,
``run --json``, the table or ``record --adopt``; ``run --json`` stays JSON when a collector prints.

The real CLI in fresh processes, Secrets Manager from moto's server mode at a custom endpoint
(``AWS_ENDPOINT_URL``, as a FIPS or VPC endpoint would be), the API a loopback server that wants
the URL's ``user:password`` and the secret, and echoes the secret back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from fixtures.unlisted.api import UNLISTED_SECRET, URL_PASSWORD, USER, UnlistedApi

from toolkit.cassettes import PLACEHOLDER, leaks

ROOT = Path(__file__).resolve().parent.parent
# the real CLI, with discovery over tests/fixtures (as tests/test_cronjob_run.py runs it)
RUNNER = (
    "import sys; sys.path.insert(0, 'tests'); from toolkit.engine import registry; "
    "registry.BUILTIN_PACKAGE = 'fixtures'; from toolkit.cli import main; sys.exit(main(sys.argv[1:]))"
)
FORBIDDEN = (UNLISTED_SECRET, URL_PASSWORD)


@pytest.fixture
def unlisted(moto_server):
    """The API, the secret in Secrets Manager at moto's address, and the environment a user would have."""
    import boto3
    import httpx

    httpx.post(f"{moto_server}/moto-api/reset")
    boto3.client("secretsmanager", region_name="us-east-1", endpoint_url=moto_server,
                 aws_access_key_id="x", aws_secret_access_key="x").create_secret(Name="unlisted/db-password", SecretString=UNLISTED_SECRET)
    with UnlistedApi() as api:
        host = api.url.removeprefix("http://")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DD_", "AWS_", "UNLISTED_"))}
        env.update(
            PYTHONPATH=str(ROOT), AWS_ENDPOINT_URL=moto_server, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",
            AWS_REGION="us-east-1", UNLISTED_API_URL=f"http://{USER}:{URL_PASSWORD}@{host}",
        )
        yield env
    httpx.post(f"{moto_server}/moto-api/reset")


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-c", RUNNER, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    for stream in (done.stdout, done.stderr):
        for value in FORBIDDEN:
            assert value not in stream, f"{' '.join(args)} printed {value!r}:\n{stream}"
    return done


def files_holding_a_secret(root: Path) -> list[str]:
    return [f"{p.relative_to(root)}: {v}" for p in sorted(root.rglob("*")) if p.is_file()
            for v in FORBIDDEN if v.encode() in p.read_bytes()]


def test_an_unlisted_secret_and_a_url_password_reach_no_file_and_no_output(unlisted, tmp_path):
    recorded, captured, adopted = tmp_path / "recorded", tmp_path / "captured", tmp_path / "adopted"

    done = cli(unlisted, "record", "unlisted", "--dir", str(recorded / "unlisted"), "--mode", "all")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "recorded 2 interactions" in done.stdout  # the Secrets Manager exchange is not one of them

    done = cli(unlisted, "run", "unlisted", "--json", "--capture", str(captured))
    live = json.loads(done.stdout)  # the collector's print went to stderr
    assert done.returncode == 0 and live["metrics"]["unlisted.items.total"] == 3
    assert "unlisted: counting the items" in done.stderr
    errors = {e["metric"]: e["message"] for e in live["errors"]}
    assert f"http://{USER}:***@" in errors["unlisted.items.broken"] and errors["unlisted.items.quoted"] == "the API refused ***"

    done = cli(unlisted, "run", "unlisted", "--json")
    assert json.loads(done.stdout)["metrics"]["unlisted.items.total"] == 3
    done = cli(unlisted, "run", "unlisted", "--verbose")  # the table, with tracebacks
    assert "unlisted.items.total" in done.stdout and "refused ***" in done.stdout

    done = cli(unlisted, "record", "unlisted", "--adopt", str(captured), "--dir", str(adopted))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "adopted 2 interactions" in done.stdout

    assert files_holding_a_secret(tmp_path) == []
    for cassette in (recorded / "unlisted" / "unlisted.yaml", captured / "unlisted" / "unlisted.yaml", adopted / "unlisted.yaml"):
        uris = [i["request"]["uri"] for i in yaml.safe_load(cassette.read_text())["interactions"]]
        assert all(u.startswith(f"http://{USER}:{PLACEHOLDER}@127.0.0.1:") for u in uris), uris
    meta = json.loads((captured / "unlisted" / "replay.json").read_text())
    assert meta["secrets"] == {"unlisted/db-password": PLACEHOLDER}
    assert meta["config"]["UNLISTED_API_URL"].startswith(f"http://{USER}:{PLACEHOLDER}@")

    # the scrubbed capture still replays, with no server, no AWS and no credentials
    offline = {k: v for k, v in unlisted.items() if not k.startswith(("AWS_", "UNLISTED_"))}
    done = cli(offline, "run", "unlisted", "--json", "--offline", "--cassettes", str(captured))
    replayed = json.loads(done.stdout)
    assert replayed["metrics"]["unlisted.items.total"] == 3
    assert [(e["metric"], e["type"]) for e in replayed["errors"]] == [(e["metric"], e["type"]) for e in live["errors"]]


def test_adopt_refuses_a_capture_holding_a_secrets_manager_exchange(tmp_path):
    """A capture written before the fix (or edited by hand): the exchange at a custom endpoint is
    found by its shape, whatever its host, and the secret by value when the capture names it."""
    exchange = {"version": 1, "interactions": [{
        "request": {"method": "POST", "uri": "http://127.0.0.1:5000/", "body": '{"SecretId": "unlisted/db-password"}',
                    "headers": {"X-Amz-Target": ["secretsmanager.GetSecretValue"]}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {},
                     "body": {"string": json.dumps({"Name": "unlisted/db-password", "SecretString": "zz-top-s3cret"})}},
    }]}
    found = leaks(yaml.safe_dump(exchange), {})
    assert "credential exchange (secretsmanager.GetSecretValue)" in found and "credential field SecretString" in found


def test_run_json_is_json_when_collectors_print():
    """A metric function, a seed-style loop and a thread it starts all print: stdout is the JSON alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")} | {"PYTHONPATH": str(ROOT)}
    done = cli(env, "run", "chatty", "unlisted", "--json", "--timeout", "30")
    payload = json.loads(done.stdout)
    assert [p["collector"] for p in payload] == ["chatty", "unlisted"]
    assert payload[0]["metrics"]["chatty.items.total"] == 3
    for line in ("Collecting metrics for chatty...", "counting the items", "{not json", "a helper thread says hello", "Collected 1 metrics"):
        assert line in done.stderr


def test_adopt_searches_for_the_secrets_the_capture_read(monkeypatch, tmp_path, capsys):
    """The capture's replay.json names a secret the collector does not list: adopting reads its
    value here and refuses a capture that still holds it (edited by hand, or kept from before)."""
    from toolkit.cli import main
    from toolkit.engine import registry

    monkeypatch.setattr(registry, "BUILTIN_PACKAGE", "fixtures")
    kept = "adopt-side-s3cret-0042"
    monkeypatch.setenv("UNLISTED_DB_PASSWORD", kept)
    captured = tmp_path / "capture" / "unlisted"
    captured.mkdir(parents=True)
    (captured / "unlisted.yaml").write_text(yaml.safe_dump({"version": 1, "interactions": [{
        "request": {"method": "GET", "uri": "http://127.0.0.1:9/items?q=placeholder", "body": None, "headers": {}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": json.dumps({"note": f"served for {kept}"})}},
    }]}))
    (captured / "replay.json").write_text(json.dumps({"recorded_at": "2026-01-01T00:00:00Z", "secrets": {"unlisted/db-password": PLACEHOLDER}}))
    assert main(["record", "unlisted", "--adopt", str(tmp_path / "capture"), "--dir", str(tmp_path / "adopted")]) == 1
    err = capsys.readouterr().err
    assert "secret value unlisted/db-password" in err and kept not in err
    assert not (tmp_path / "adopted").exists()
