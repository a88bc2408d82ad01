"""Run `dd-toolkit run NAME --offline --json` as a user would: a fresh process, the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def offline_json(name: str) -> dict:
    # the collector's own settings in the developer's shell must not change what the replay asks
    prefix = f"{name.upper()}_"
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefix)}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "toolkit.cli", "run", name, "--offline", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)  # stdout holds the JSON object and nothing else
    assert payload["collector"] == name and payload["errors"] == []
    return payload


def series_by_tags(payload: dict) -> dict[tuple[str, tuple[str, ...]], float]:
    return {(s["metric"], tuple(s["tags"])): s["value"] for s in payload["series"]}
