"""Headless start-up stays lean: no textual or copier ever, boto3/datadog only when needed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("textual", "copier", "boto3", "botocore", "datadog_api_client")


def imported_after(argv: list[str], package: str = "fixtures", env_extra: dict[str, str] | None = None) -> list[str]:
    code = f"""
import json, sys
sys.path.insert(0, {str(ROOT / 'tests')!r})
from toolkit.engine import registry as _registry
_registry.BUILTIN_PACKAGE = {package!r}
from toolkit.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
"""
    import os

    env = {**os.environ, **(env_extra or {})}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_run_help_imports_nothing_heavy():
    assert imported_after(["run", "--help"]) == []


def test_offline_dry_run_imports_nothing_heavy():
    assert imported_after(["run", "replayed", "--offline", "--json"]) == []


def test_real_collectors_offline_import_nothing_heavy():
    # every built-in collector, replayed: placeholders stand in for secrets, so no boto3
    assert imported_after(["run", "github", "--offline", "--json"], package="collectors") == []


def test_list_imports_nothing_heavy():
    assert imported_after(["list"]) == []


def test_importing_toolkit_is_light():
    out = subprocess.run(
        [sys.executable, "-c", f"import sys, toolkit, toolkit.cli; print([m for m in {HEAVY!r} if m in sys.modules])"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert out.strip() == "[]"
