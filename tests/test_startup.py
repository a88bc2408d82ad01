"""Headless start-up stays lean: no textual or copier ever, boto3/datadog only when needed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("textual", "copier", "boto3", "botocore", "datadog_api_client")


# What a headless run never needs (issue 24's import budget, kept by naming modules, not by timing):
# httpx's command-line client (click, pygments, rich's console), croniter for a regular schedule,
# the recorder and the adoption of captures; and, live, the replay. Nor the authoring commands
# (init, update, new, doctor), the file writer (and its ctypes), the golden files, or
# the installed packages' metadata (entry points are looked at only for a name that is no
# built-in's or the project's).
NOT_AT_START = ("httpx._main", "click", "pygments", "croniter", "toolkit.cassettes.recorder", "toolkit.cassettes.adopt",
                "toolkit.project.init", "toolkit.project.update", "toolkit.project.scaffold", "toolkit.project.doctor",
                "toolkit.model.files", "toolkit.model.journal", "toolkit.engine.golden", "ctypes",
                "importlib.metadata")
NOT_LIVE = (*NOT_AT_START, "toolkit.cassettes.replay")


def imported_after(argv: list[str], package: str = "fixtures", env_extra: dict[str, str] | None = None,
                   watch: tuple[str, ...] = HEAVY) -> list[str]:
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
print(json.dumps([m for m in {watch!r} if m in sys.modules]))
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


def test_offline_run_stays_within_the_import_budget(tmp_path):
    # the values' */15 schedule (tests/fixtures' collectors have none: the shipped ones, whose chart has them)
    state = {"DD_TOOLKIT_STATE_DIR": str(tmp_path / "state")}
    argv = ["run", "github", "--offline", "--json"]
    # the first run writes what it parsed to the memo (the one atomic write, without ctypes)...
    first = imported_after(argv, package="collectors", env_extra=state, watch=NOT_AT_START)
    assert first == ["toolkit.model.files"]
    # ... the next writes nothing
    assert imported_after(argv, package="collectors", env_extra=state, watch=NOT_AT_START) == []


def test_a_repeated_offline_run_neither_parses_nor_checks_again(tmp_path):
    # the values' schema check and the YAML of the values and the cassettes are remembered
    # (toolkit.model.memo) by the first run: the second imports neither jsonschema nor PyYAML
    state = {"DD_TOOLKIT_STATE_DIR": str(tmp_path / "state")}
    watch = ("jsonschema", "yaml")
    first = imported_after(["run", "github", "--offline", "--json"], package="collectors", env_extra=state, watch=watch)
    assert first == ["jsonschema", "yaml"]
    assert imported_after(["run", "github", "--offline", "--json"], package="collectors", env_extra=state, watch=watch) == []


def test_live_run_loads_no_cassette_code(tmp_path):
    state = {"DD_TOOLKIT_STATE_DIR": str(tmp_path / "state")}
    # (the first run writes the values it parsed to the memo)
    assert imported_after(["run", "kinds", "--json"], env_extra=state, watch=NOT_LIVE) in ([], ["toolkit.model.files"])
    assert imported_after(["run", "kinds", "--json"], env_extra=state, watch=NOT_LIVE) == []


def test_help_imports_no_command():
    code = ("import sys; from toolkit.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('toolkit.cli._', 'toolkit.model', 'toolkit.engine'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, timeout=60).stdout
    assert out.strip().splitlines()[-1] == "['toolkit.cli._common']"


def test_one_tls_context_per_process():
    from toolkit.sources import pooled_transport
    from toolkit.sources.http import ssl_context

    first, second = pooled_transport(2), pooled_transport(2)
    try:
        assert first._pool._ssl_context is second._pool._ssl_context is ssl_context()
    finally:
        first.close()
        second.close()


def test_a_run_reads_the_values_once(monkeypatch, capsys):
    # the schedules, the budgets and the retirements come from one read (and one schema check)
    from toolkit.cli import main
    from toolkit.project.values import Values

    loads = []
    real = Values.load.__func__

    def counted(cls, *args, **kwargs):
        loads.append(args[0])
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(Values, "load", classmethod(counted))
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("DD_COLLECTOR_SCHEDULE", raising=False)
    monkeypatch.delenv("DD_COLLECTOR_RETIRE_AFTER", raising=False)
    assert main(["run", "github", "--offline", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["collector"] == "github"
    assert len(loads) == 1
