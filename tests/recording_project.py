"""A project on disk with one collector that asks for the docs' 7-day window, and the real CLI
run on it in its own process: what `record`, `run --capture` and `record --adopt` meet as a user
runs them (tests/test_record_transaction.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COLLECTOR = '''from toolkit import BaseCollector


class WindowCollector(BaseCollector):
    config = {"WINDOW_API_URL": "the API's base URL"}
'''

# docs/writing-a-collector.md's window, sent as a query parameter after a first request that
# may be slow (the loopback API decides)
METRICS = '''from datetime import timedelta

from toolkit import get_config, http_client, metric, now


@metric("window.events.recent", unit="count")
def recent():
    since = (now() - timedelta(days=7)).isoformat()
    with http_client(get_config("WINDOW_API_URL", required=True)) as client:
        client.get("/warmup").raise_for_status()
        response = client.get("/events", params={"since": since})
        response.raise_for_status()
        return response.json()["count"]
'''


def write_project(root: Path, name: str, collector: str, metrics: str) -> Path:
    """A project at ``root`` with one enabled collector ``name``; returns its cassette directory."""
    package = root / "collectors" / name
    package.mkdir(parents=True)
    (root / "collectors" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "collector.py").write_text(collector)
    (package / "metrics.py").write_text(metrics)
    chart = root / "charts" / "datadog-collectors"
    chart.mkdir(parents=True)
    (chart / "values.yaml").write_text(f"collectors:\n  {name}:\n    enabled: true\n    schedule: '*/5 * * * *'\n")
    cassettes = root / "tests" / "cassettes" / name
    cassettes.mkdir(parents=True)
    return cassettes


def make_project(root: Path, metrics: str = METRICS) -> Path:
    """A project at ``root`` with the ``window`` collector; returns its cassette directory."""
    return write_project(root, "window", COLLECTOR, metrics)


def cli_args(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "toolkit.cli", "--project", str(root), *args]


def cli_env(api: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WINDOW_", "DD_TOOLKIT_"))}
    env["PYTHONPATH"] = str(ROOT)
    if api is not None:
        env["WINDOW_API_URL"] = api
    return env


def cli(root: Path, *args: str, api: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(cli_args(root, *args), cwd=root, env=cli_env(api), capture_output=True, text=True, timeout=timeout)


def start(root: Path, *args: str, api: str | None = None) -> subprocess.Popen:
    return subprocess.Popen(cli_args(root, *args), cwd=root, env=cli_env(api), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (hidden ones too) with its bytes."""
    if not directory.is_dir():
        return {}
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
