"""dd-toolkit as an installed tool in a team's own repository, as a new user meets it.

The first test is the issue's "Done when" sequence, command for command: build the wheel,
install it with every extra into a fresh virtualenv, `dd-toolkit init`, `dd-toolkit new`, the
project's own `make test` (its .venv gets dd-toolkit from that same wheel), offline runs of the
new collector and of a built-in, `list`, and the real helm rendering the new collector's CronJob.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from realtools import ROOT, require_tool

from toolkit.errors import ScaffoldError
from toolkit.project import init_project
from toolkit.project.init import requirement_from

INSTALL_TIMEOUT = 900  # pip from the package index, twice; the suite's own budget bounds it
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", ".tools", "build", "dist", "__pycache__", "*.egg-info", ".pytest_cache")


def sh(argv, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, argv))} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_a_teams_repository_from_the_wheel(tmp_path):
    source = tmp_path / "source"  # the checkout as it is now, committed or not
    shutil.copytree(ROOT, source, ignore=COPY_IGNORE)
    t = tmp_path / "t"
    t.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON", "PIP_", "DD_", "PYTEST"))}
    python = shutil.which("python3") or sys.executable

    sh([python, "-m", "pip", "wheel", "--quiet", "--no-deps", ".", "-w", str(t / "dist")], source, env)
    (wheel,) = (t / "dist").glob("dd_toolkit-*.whl")
    sh([python, "-m", "venv", str(t / "tool")], t, env)
    sh([str(t / "tool" / "bin" / "pip"), "install", "--quiet", f"{wheel}[all]"], t, env, INSTALL_TIMEOUT)
    env["PATH"] = f"{t / 'tool' / 'bin'}{os.pathsep}{env['PATH']}"

    sh(["dd-toolkit", "init", "myorg-metrics"], t, env)
    project = t / "myorg-metrics"
    assert f"dd-toolkit @ {wheel.as_uri()}" in (project / "pyproject.toml").read_text()
    sh(["dd-toolkit", "new", "acme", "--defaults"], project, env)
    tested = sh(["make", "test"], project, env, INSTALL_TIMEOUT)
    assert " passed" in tested.stdout and " failed" not in tested.stdout, tested.stdout
    # the project's venv really has dd-toolkit from that wheel
    installed = sh([str(project / ".venv" / "bin" / "python"), "-c", "import toolkit; print(toolkit.__file__)"], project, env)
    assert Path(installed.stdout.strip()).is_relative_to(project / ".venv")

    acme = json.loads(sh(["dd-toolkit", "run", "acme", "--offline", "--json"], project, env).stdout)
    assert acme["errors"] == [] and acme["metrics"]["acme.items.total"] == 3.0
    github = json.loads(sh(["dd-toolkit", "run", "github", "--offline", "--json"], project, env).stdout)
    assert github["errors"] == [] and github["metrics"]["collector.github.metric_count"] >= 6.0
    listed = {row["name"]: row["origin"] for row in json.loads(sh(["dd-toolkit", "list", "--json"], project, env).stdout)}
    assert listed["acme"] == "project" and listed["github"] == "built-in" and len(listed) >= 6
    shown = sh(["dd-toolkit", "list"], project, env).stdout
    assert "acme" in shown and "project" in shown and "built-in" in shown

    helm = sh([require_tool("helm"), "template", "x", "charts/datadog-collectors", "--set", "collectors.acme.enabled=true"], project, env)
    assert 'collector: "acme"' in helm.stdout and "kind: CronJob" in helm.stdout

    workflow = project / ".github" / "workflows" / "collectors.yml"
    linted = subprocess.run([str(Path(sys.executable).with_name("actionlint")), str(workflow)], capture_output=True, text=True, timeout=60)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert (project / ".git").is_dir() and sh(["git", "status", "--porcelain"], project, env).stdout.strip() != ""  # new acme files


def test_actionlint_catches_a_broken_workflow(tmp_path):
    """The check above can fail: a typo in an expression is an actionlint error."""
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt.name }}\n")
    linted = subprocess.run([str(Path(sys.executable).with_name("actionlint")), str(bad)], capture_output=True, text=True, timeout=60)
    assert linted.returncode == 1 and "evnt" in linted.stdout


def test_init_refuses_a_directory_with_files_and_writes_nothing(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    with pytest.raises(ScaffoldError, match="already holds files"):
        init_project(target)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_init_leaves_nothing_behind_on_failure(tmp_path, monkeypatch):
    from toolkit.project import init as init_module

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(init_module, "snapshot", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        init_project(tmp_path / "new-project", git=False)
    assert list(tmp_path.iterdir()) == []


def test_init_makes_a_complete_project(tmp_path):
    result = init_project(tmp_path / "acme-metrics")
    root = result.root
    for rel in ("pyproject.toml", "Makefile", "README.md", "Dockerfile", ".gitignore", ".github/workflows/collectors.yml",
                "collectors/__init__.py", "tests/cassettes/README.md", "tests/test_project.py",
                "charts/datadog-collectors/Chart.yaml", "charts/datadog-collectors/values.yaml",
                "charts/datadog-collectors/values.schema.json", "charts/datadog-collectors/templates/cronjob.yaml"):
        assert (root / rel).is_file(), rel
    values = (root / "charts/datadog-collectors/values.yaml").read_text()
    assert values.rstrip().endswith("collectors: {}") and "github:\n    enabled: true" not in values
    assert "make demo" in (root / "README.md").read_text() and "make test" in (root / "README.md").read_text()
    log = subprocess.run(["git", "log", "--oneline"], cwd=root, capture_output=True, text=True, check=True).stdout
    assert len(log.splitlines()) == 1
    assert subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=True).stdout == ""


@pytest.mark.parametrize(
    "direct_url, base, local",
    [
        (None, "dd-toolkit==1.2.3", None),
        # a wheel, a directory or a repository on this disk: the project pins the version and gets the wheel
        ('{"url": "file:///w/dist/dd_toolkit-1.2.3-py3-none-any.whl", "archive_info": {}}', "dd-toolkit==1.2.3",
         Path("/w/dist/dd_toolkit-1.2.3-py3-none-any.whl")),
        ('{"url": "file:///src/dd%20toolkit", "dir_info": {"editable": true}}', "dd-toolkit==1.2.3", Path("/src/dd toolkit")),
        ('{"url": "file:///src/dd-toolkit", "vcs_info": {"vcs": "git", "commit_id": "abc123"}}', "dd-toolkit==1.2.3",
         Path("/src/dd-toolkit")),
        ('{"url": "https://github.com/o/dd-toolkit.git", "vcs_info": {"vcs": "git", "commit_id": "abc123"}}',
         "dd-toolkit @ git+https://github.com/o/dd-toolkit.git@abc123", None),
        ('{"url": "https://files.example/dd_toolkit-1.2.3-py3-none-any.whl", "archive_info": {}}',
         "dd-toolkit @ https://files.example/dd_toolkit-1.2.3-py3-none-any.whl", None),
    ],
)
def test_the_project_depends_on_exactly_this_toolkit_and_never_on_a_local_path(direct_url, base, local):
    requirement = requirement_from("1.2.3", direct_url)
    assert requirement.base == base and requirement.local == local
    assert requirement.all == base.replace("dd-toolkit", "dd-toolkit[all]", 1)
    assert "file:" not in requirement.base


def test_update_brings_a_project_up_to_a_newer_toolkit_and_keeps_the_teams_edits(tmp_path, monkeypatch):
    """`dd-toolkit update` in a project made by `init`: the project's files and a collector made by
    `new` (both from the installed toolkit's templates) take a newer toolkit's changes; the team's
    own edits to the same files survive (copier's three-way merge)."""
    sys.path.insert(0, str(ROOT / "tests" / "template"))
    from project_helpers import commit_all, edit

    from toolkit.cli import main
    from toolkit.model import resource

    root = init_project(tmp_path / "team").root
    assert main(["new", "acme", "--root", str(root), "--defaults"]) == 0
    commit_all(root, "acme")
    # the team's edits, committed
    makefile, metrics = root / "Makefile", root / "collectors" / "acme" / "metrics.py"
    makefile.write_text(makefile.read_text() + "\nlint: $(VENV)/.installed\n\t$(BIN)/ruff check .\n")
    edit(metrics, "    return len(_list())\n", "    return len(_list())  # archived items count too\n")
    commit_all(root, "our edits")

    # a newer toolkit: its project template, chart and collector template changed
    newer = tmp_path / "newer"
    for kind in ("project-template", "chart", "collector-template"):
        shutil.copytree(resource(kind), newer / kind)
    edit(newer / "project-template" / "project" / "Dockerfile", "FROM ${PYTHON_IMAGE}\nRUN groupadd",
         "FROM ${PYTHON_IMAGE}\nLABEL org.opencontainers.image.source=\"dd-toolkit\"\nRUN groupadd")
    edit(newer / "chart" / "Chart.yaml", "description: One Kubernetes CronJob", "description: (v2) One Kubernetes CronJob")
    edit(newer / "collector-template" / "project" / "collectors" / "{{ collector_name }}" / "metrics.py.jinja",
         "def _list(**params: str) -> list[dict]:\n", "def _list(**params: str) -> list[dict]:  # v2: one listing helper\n")
    monkeypatch.setattr("toolkit.project.init.resource", lambda kind: newer / kind)
    monkeypatch.setattr("toolkit.project.template.resource", lambda kind: newer / kind)

    assert main(["update", "--root", str(root)]) == 0
    assert 'LABEL org.opencontainers.image.source="dd-toolkit"' in (root / "Dockerfile").read_text()
    assert "description: (v2) One Kubernetes CronJob" in (root / "charts" / "datadog-collectors" / "Chart.yaml").read_text()
    assert "$(BIN)/ruff check ." in makefile.read_text()  # the team's target survived
    text = metrics.read_text()
    assert "# archived items count too" in text and "# v2: one listing helper" in text
    assert "<<<<<<<" not in text
    commit_all(root, "update")
    assert main(["update", "--root", str(root)]) == 0  # and now it is up to date


@pytest.mark.slow
def test_every_command_finds_the_projects_collectors(tmp_path):
    """In a project made by `init`, every command that takes a collector name knows the project's own."""
    root = init_project(tmp_path / "team").root
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DD_", "PYTEST", "AWS_"))}
    env["PYTHONPATH"] = str(ROOT)  # this toolkit, not the project's .venv (none here)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "toolkit.cli", *args], cwd=root, env=env, capture_output=True, text=True, timeout=120)

    assert cli("new", "acme", "--defaults").returncode == 0
    expected = {  # command -> exit code (2 only for a missing credential, never for the name)
        ("run", "acme", "--offline", "--json"): 0,
        ("cost", "acme", "--offline"): 0,
        ("docs", "acme", "--check"): 0,
        ("doctor", "acme"): 0,
        ("monitors", "acme"): 0,
        ("metadata", "acme"): 2,
        ("list",): 0,
    }
    for args, code in expected.items():
        done = cli(*args)
        assert "unknown collector" not in done.stderr, (args, done.stderr)
        assert done.returncode == code, (args, done.stdout + done.stderr)
    elsewhere = subprocess.run([sys.executable, "-m", "toolkit.cli", "--project", str(root), "run", "acme", "--offline"],
                               cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert elsewhere.returncode == 0 and "acme" in elsewhere.stdout, elsewhere.stderr
