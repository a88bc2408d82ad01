"""One corpus of values files: the real helm and the toolkit agree, case by case.

Each case is a values file given as ``helm lint CHART -f FILE`` gives it: merged over the chart's
own values.yaml. The toolkit reads it the way every command does (``Values.load``, here through
``DD_TOOLKIT_VALUES``, as ``run``/``doctor``/``monitors``/``cost``/the dashboard would), so a
refusal on one side and not the other is a failure; so is a refusal without the key's path.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from realtools import ROOT, require_tool

from toolkit.errors import ValuesError
from toolkit.project import Project

CHART = ROOT / "charts" / "datadog-collectors"


def github(**keys) -> str:
    lines = "".join(f"    {k}: {v}\n" for k, v in keys.items())
    return f"collectors:\n  github:\n    enabled: true\n{lines}"


def bomb(levels: int = 9) -> str:
    """A billion laughs under ``global`` (free-form in the schema): 10**levels strings once expanded."""
    names = [f"l{i}" for i in range(levels)]
    lines = ["global:", f"  {names[0]}: &{names[0]} [{', '.join(['lol'] * 10)}]"]
    lines += [f"  {name}: &{name} [{', '.join([f'*{prev}'] * 10)}]" for prev, name in zip(names, names[1:], strict=False)]
    return "\n".join(lines) + "\n"


# id -> (file text, the key path the toolkit's line names, or None for a good file / no path)
CORPUS: dict[str, tuple[str, str | None]] = {
    # accepted by both
    "good: the chart's own values": ("{}\n", None),
    "good: a timeout and a weekday schedule": (github(timeout=90, schedule='"0 9 * * mon-fri"'), None),
    "good: env numbers and booleans (the chart quotes them)": ("defaults:\n  env: {PAGES: 3, DEBUG: true}\n", None),
    "good: an anchor reused a few times": ("defaults:\n  env: &e {A: x}\ncollectors:\n  github: {enabled: true, env: *e}\n", None),
    # the four, then their neighbours
    "timeout: 90s": (github(timeout="90s"), "collectors.github.timeout"),
    "workers: many": (github(workers="many"), "collectors.github.workers"),
    "env: [A, B]": (github(env="[A, B]"), "collectors.github.env"),
    "activeDeadlineSeconds: soon": (github(activeDeadlineSeconds="soon"), "collectors.github.activeDeadlineSeconds"),
    "timeout: -5": (github(timeout=-5), "collectors.github.timeout"),
    "timeout: 0": (github(timeout=0), "collectors.github.timeout"),
    "pushTimeout: 0": (github(pushTimeout=0), "collectors.github.pushTimeout"),
    "activeDeadlineSeconds: 0": (github(activeDeadlineSeconds=0), "collectors.github.activeDeadlineSeconds"),
    "terminationGracePeriodSeconds: -1": (github(terminationGracePeriodSeconds=-1), "collectors.github.terminationGracePeriodSeconds"),
    "defaults.timeout: 2m": ("defaults:\n  timeout: 2m\n", "defaults.timeout"),
    "schedule: every day": (github(schedule='"every day"'), "collectors.github.schedule"),
    "schedule: minute 99": (github(schedule='"99 * * * *"'), "collectors.github.schedule"),
    "schedule: hour 24": (github(schedule='"0 24 * * *"'), "collectors.github.schedule"),
    "schedule: four fields": (github(schedule='"* * * *"'), "collectors.github.schedule"),
    "schedule: step 0": (github(schedule='"*/0 * * * *"'), "collectors.github.schedule"),
    "env value a list": (github(env="{X: [1]}"), "collectors.github.env.X"),
    "env value a mapping": (github(env="{X: {a: 1}}"), "collectors.github.env.X"),
    "env a string": (github(env='"A=B"'), "collectors.github.env"),
    "env sets DD_API_KEY": (github(env="{DD_API_KEY: abc}"), "collectors.github.env.DD_API_KEY"),
    "enabled: yes (a string)": ('collectors:\n  github:\n    enabled: "yes"\n', "collectors.github.enabled"),
    "budget.customMetrics: 0": (github(budget="{customMetrics: 0}"), "collectors.github.budget.customMetrics"),
    "a misspelt key": (github(timout=5), "collectors.github.timout"),
    "a collector name with capitals": ("collectors:\n  Bad-Name: {enabled: false}\n", "collectors"),
    "datadog.site: example.com": ("datadog:\n  site: example.com\n", "datadog.site"),
    "not YAML": ("collectors: [github\n", None),
    "a list at the top": ("- collectors\n", None),
    "billion laughs": (bomb(), None),
}


@pytest.fixture(scope="module")
def helm_refuses(tmp_path_factory) -> dict[str, bool]:
    """Every case through `helm lint -f`, two at a time (each is ~50 ms)."""
    helm = require_tool("helm")
    directory = tmp_path_factory.mktemp("corpus")

    def lint(item) -> tuple[str, bool]:
        index, (case, (text, _)) = item
        path = directory / f"{index}.yaml"
        path.write_text(text)
        done = subprocess.run([helm, "lint", str(CHART), "-f", str(path)], capture_output=True, text=True, timeout=60)
        return case, done.returncode != 0

    with ThreadPoolExecutor(2) as pool:
        return dict(pool.map(lint, enumerate(CORPUS.items())))


def toolkit_reads(text: str, tmp_path: Path, monkeypatch) -> str | None:
    """The toolkit's one line for the file, or None when it reads it."""
    path = tmp_path / "values.yaml"
    path.write_text(text)
    monkeypatch.setenv("DD_TOOLKIT_VALUES", str(path))
    try:
        Project(ROOT).values()
    except ValuesError as exc:
        return str(exc)
    return None


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CORPUS))
def test_helm_and_the_toolkit_agree(case, helm_refuses, tmp_path, monkeypatch):
    text, key = CORPUS[case]
    line = toolkit_reads(text, tmp_path, monkeypatch)
    good = case.startswith("good")
    assert helm_refuses[case] is not good, f"helm {'refused' if helm_refuses[case] else 'accepted'} {case!r}"
    assert (line is None) is good, f"the toolkit {'accepted' if line is None else 'refused'} {case!r}: {line}"
    if line is not None:
        assert "\n" not in line and line.startswith(str(tmp_path / "values.yaml")), line
        if key is not None:
            assert f": {key}" in line or f" {key}:" in line, line


# --- every command that reads the values says the same one line --------------------------------
COMMANDS = {
    "run": ["run", "github", "--offline"],
    "doctor": ["doctor", "github"],
    "monitors": ["monitors", "github"],
    "cost": ["cost", "github", "--offline"],
    "dashboard": ["dashboard", "github"],
}


def one_line(args: list[str], values: Path, monkeypatch, capsys) -> tuple[int, str]:
    from toolkit.cli import main

    monkeypatch.setenv("DD_TOOLKIT_VALUES", str(values))
    monkeypatch.chdir(ROOT)
    code = main(args)
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return code, lines[0]


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", ["timeout: 90s", "workers: many", "env: [A, B]", "activeDeadlineSeconds: soon", "timeout: -5"])
def test_a_wrongly_typed_value_is_one_line_from_every_command(command, case, tmp_path, monkeypatch, capsys):
    text, key = CORPUS[case]
    values = tmp_path / "values.yaml"
    values.write_text(text)
    code, line = one_line(COMMANDS[command], values, monkeypatch, capsys)
    assert code == 2 and line.startswith(f"dd-toolkit: error: {values}: {key}: expected"), line


def hostile(kind: str, path: Path) -> str:
    """A values file no command may choke on; returns what its line says."""
    if kind == "not UTF-8":
        path.write_bytes(b"collectors:\n  github: {enabled: true}\n# \xff\xfe\n")
        return "is not UTF-8 text"
    if kind == "nested 100 000 deep":
        path.write_text("global: " + "[" * 100_000 + "]" * 100_000 + "\n")
        return "nests deeper than 64 levels"
    if kind == "nested 100 deep":
        path.write_text("global: " + "[" * 100 + "]" * 100 + "\n")
        return "nests deeper than 64 levels"
    if kind == "billion laughs":
        path.write_text(bomb())
        return "aliases expand to more than"
    if kind == "60 MB":
        with open(path, "wb") as handle:
            handle.write(b"global:\n")
            handle.truncate(60 * 1024 * 1024)
        return "is larger than 1024 KiB"
    assert kind == "not YAML"
    path.write_text("collectors:\n  github:\n    enabled: true\n   timeout: 5\n")
    return "is not valid YAML (line 4"


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("kind", ["not UTF-8", "nested 100 000 deep", "nested 100 deep", "billion laughs", "60 MB", "not YAML"])
def test_a_hostile_file_is_one_line_from_every_command(command, kind, tmp_path, monkeypatch, capsys):
    values = tmp_path / "values.yaml"
    says = hostile(kind, values)
    code, line = one_line(COMMANDS[command], values, monkeypatch, capsys)
    assert code == 2 and line.startswith(f"dd-toolkit: error: {values}") and says in line, line


@pytest.mark.slow
@pytest.mark.parametrize("case", ["timeout: 90s", "not YAML"])
def test_new_says_what_every_command_says_before_generating_anything(case, tmp_path):
    # subprocesses: the project's own `collectors` package must not shadow the checkout's in this one
    import os
    import shutil
    import sys

    root = tmp_path / "project"
    (root / "collectors").mkdir(parents=True)
    (root / "collectors" / "__init__.py").write_text("")
    shutil.copytree(CHART, root / "charts" / "datadog-collectors")
    values = root / "charts" / "datadog-collectors" / "values.yaml"
    values.write_text(values.read_text() + {"timeout: 90s": "  foo:\n    enabled: false\n    timeout: 90s\n",
                                            "not YAML": "  foo:\n    enabled: false\n   timeout: 5\n"}[case])
    before = values.read_text()
    env = {k: v for k, v in os.environ.items() if k != "DD_TOOLKIT_VALUES"}

    def cli(*args):
        done = subprocess.run([sys.executable, "-m", "toolkit.cli", "--project", str(root), *args],
                              capture_output=True, text=True, env=env, timeout=120)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        return done.returncode, done.stderr.strip()

    code, line = cli("run", "github", "--offline")
    assert code == 2 and str(values) in line
    assert cli("new", "pagerduty", "--root", str(root), "--defaults") == (2, line)
    assert values.read_text() == before and not (root / "collectors" / "pagerduty").exists()
