"""The seed guide's code is a contract: every Python block of it, as transcribed in
tests/fixtures/seed (its README says what changed: import paths and placeholders only), runs
under the engine with the engine's guarantees, as a user's project runs it: `dd-toolkit run`,
`record` and `run --offline` in their own processes, against a loopback API answering in the
seed's own response shapes; and the guide's own unittest.mock tests pass."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from loopback import Serving

from toolkit import BaseCollector, RunOptions, collect

SEED = Path(__file__).parent / "fixtures" / "seed"
KEY = "sk-seed-0123456789abcdef"  # the api-key the collectors send as Bearer; never written


def _jobs(query: dict) -> dict:
    status = query.get("status", [""])[0]
    if status == "completed":
        assert "since" in query
        return {"jobs": [
            {"id": 7, "status": "completed", "started_at": "2026-01-01T10:00:00+00:00", "completed_at": "2026-01-01T10:30:00+00:00"},
            {"id": 8, "status": "completed", "started_at": "2026-01-01T11:00:00+00:00", "completed_at": "2026-01-01T12:30:00+00:00"},
        ]}
    return {"jobs": [{"id": i, "status": status} for i in range({"running": 2, "queued": 1}.get(status, 0))]}


# path -> query -> body, in the shapes the seed's code reads
API = {
    "acme": {
        "/endpoint": lambda q: {"count": 7} if "since" in q else {"items": [1, 2, 3]},
        "/stats": lambda q: {"values": [2, 4]},
    },
    "skypilot": {
        "/jobs": _jobs,
        "/billing/costs": lambda q: {"total_cost": 12.5} if "since" in q else {},
        "/clusters": lambda q: {"clusters": [{"name": "a"}, {"name": "b"}, {"name": "c"}]},
    },
    "patterns": {
        "/items": lambda q: {"items": list(range(100 if q["page"] == ["1"] else 37))},
        "/events": lambda q: {"events": [{"id": 1}, {"id": 2}] if "since" in q else []},
        "/stats": lambda q: {"values": []},
        "/endpoint1": lambda q: {"items": [1, 2]},
        "/endpoint2": lambda q: {"items": [1, 2, 3, 4]},
    },
}

VALUES = {
    "acme": {"acme.items.open": 3.0, "acme.items.open_7d": 7.0, "acme.items.avg_open": 3.0},
    "skypilot": {"skypilot.jobs.running": 2.0, "skypilot.jobs.queued": 1.0, "skypilot.compute.cost_7d": 12.5,
                 "skypilot.clusters.active": 3.0, "skypilot.jobs.avg_duration_minutes": 60.0},
    "patterns": {"patterns.items.total": 137.0, "patterns.events.last_7d": 2.0, "patterns.combined.metric": 6.0},
}


class SeedApi(Serving):
    """One collector's API on a loopback port: ``delay`` slows every answer, ``override``
    replaces a path's body. It answers only the seed's own headers (Bearer key, JSON)."""

    def __init__(self, collector: str, delay: float = 0.0, override: dict | None = None) -> None:
        self.seen: list[str] = []
        api, routes = self, API[collector]

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                api.seen.append(self.path)
                parts = urlsplit(self.path)
                ok = self.headers.get("Authorization") == f"Bearer {KEY}" and self.headers.get("Accept") == "application/json"
                body = (override or {}).get(parts.path) or routes[parts.path](parse_qs(parts.query))
                if delay:
                    time.sleep(delay)  # the moment of the fault: the run's deadline must cut it
                payload = json.dumps(body if ok else {"message": "bad credentials"}).encode()
                self.send_response(200 if ok else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        super().__init__(Handler)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the seed project (record writes its cassettes there), with a values file."""
    root = tmp_path / "seedproject"
    shutil.copytree(SEED, root)
    return root


def toolkit(project: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """``dd-toolkit --project PROJECT ARGS`` in its own process (the project's `collectors` is its own)."""
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_API_URL")) and not k.startswith(("AWS_", "DD_"))}
    return subprocess.run(
        [sys.executable, "-m", "toolkit.cli", "--project", str(project), *args],
        capture_output=True, text=True, timeout=timeout, cwd=project, env={**clean, **(env or {})},
    )


def secrets_for(name: str, url: str) -> dict[str, str]:
    """The seed's two secrets, the toolkit's way (environment variables; AWS Secrets Manager otherwise)."""
    return {f"{name.upper()}_API_KEY": KEY, f"{name.upper()}_API_URL": url}


def values(done: subprocess.CompletedProcess) -> dict:
    out = json.loads(done.stdout)
    return {k: v for k, v in out["metrics"].items() if not k.startswith("collector.")}, out


@pytest.mark.slow
def test_the_guides_own_unittest_mock_tests_pass(project):
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        capture_output=True, text=True, timeout=120, cwd=project,
    )
    assert done.returncode == 0 and "8 passed" in done.stdout, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(API))
def test_a_seed_collector_runs_records_and_replays_offline_with_its_values(project, name):
    """Steps 2-3 as written (the property, the loop, a client built with httpx.Client), run by
    `dd-toolkit run`, recorded, then replayed offline with the API gone: the same values."""
    with SeedApi(name) as api:
        live = toolkit(project, "run", name, "--json", env=secrets_for(name, api.url))
        got, out = values(live)
        assert live.returncode == 0 and out["errors"] == [], (out["errors"], live.stderr)
        assert got == VALUES[name]
        assert out["metrics"][f"collector.{name}.metric_count"] == len(VALUES[name])
        recorded = toolkit(project, "record", name, env=secrets_for(name, api.url))
        assert recorded.returncode == 0, recorded.stdout + recorded.stderr
        asked = len(api.seen)
        api.stop()  # offline means offline: nothing may reach it any more
    cassettes = project / "tests" / "cassettes" / name
    written = "".join(p.read_text() for p in cassettes.iterdir())
    assert KEY not in written
    replayed = toolkit(project, "run", name, "--offline", "--json")  # no secrets in the environment at all
    got, out = values(replayed)
    assert replayed.returncode == 0 and out["errors"] == [], (out["errors"], replayed.stderr)
    assert got == VALUES[name]
    assert len(api.seen) == asked


@pytest.mark.slow
def test_a_slow_api_is_cut_by_the_run_timeout(project):
    """The seed's client sets timeout=30.0; the run's deadline (2 s) still holds."""
    with SeedApi("skypilot", delay=20) as api:
        began = time.monotonic()
        done = toolkit(project, "run", "skypilot", "--json", "--timeout", "2", env=secrets_for("skypilot", api.url))
        took = time.monotonic() - began
    out = json.loads(done.stdout)
    assert done.returncode != 0 and took < 15, (took, done.stderr)
    assert "deadline" in json.dumps(out["errors"]), out["errors"]
    assert not any(k.startswith("skypilot.") for k in out["metrics"])


@pytest.mark.slow
def test_the_value_rules_hold_for_a_seed_loop(project):
    """A string where a number belongs is that metric's error, never a value; None is no data."""
    override = {"/billing/costs": {"total_cost": "12.50"}, "/clusters": {"clusters": []}}
    with SeedApi("skypilot", override=override) as api:
        done = toolkit(project, "run", "skypilot", "--json", env=secrets_for("skypilot", api.url))
    got, out = values(done)
    assert [e["metric"] for e in out["errors"]] == ["skypilot.compute.cost_7d"] and "str" in out["errors"][0]["message"]
    assert "skypilot.compute.cost_7d" not in got and got["skypilot.clusters.active"] == 0.0


def test_a_client_the_metric_builds_itself_goes_through_the_runs_transport():
    """The seed's `_get_api_client()` builds `httpx.Client(base_url=get_secret(...))` itself:
    inside a run it is given the run's transport (offline: the replay), outside it is httpx's."""
    import fixtures.seed.collectors.skypilot.metrics as seed_metrics

    served: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        served.append(str(request.url))
        return httpx.Response(200, json={"jobs": [{}, {}], "clusters": [{}], "total_cost": 1.5})

    class Seed(BaseCollector):
        name = "seedclient"
        metrics_module = seed_metrics

    os.environ["SKYPILOT_API_KEY"], os.environ["SKYPILOT_API_URL"] = KEY, "http://seed.invalid"
    try:
        result = collect(Seed(), RunOptions(timeout=10, transport=httpx.MockTransport(answer)))
    finally:
        del os.environ["SKYPILOT_API_KEY"], os.environ["SKYPILOT_API_URL"]
    assert result.metrics["skypilot.jobs.running"] == 2.0 and result.metrics["skypilot.compute.cost_7d"] == 1.5
    assert len(served) == 5 and all(u.startswith("http://seed.invalid/") for u in served)
    assert len(result.requests) == 5  # credited to the run, as http_client's requests are
    with httpx.Client() as outside:
        assert isinstance(outside._transport, httpx.HTTPTransport)
