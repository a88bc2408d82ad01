"""``dd-toolkit init DIR``: a team's own metrics repository, complete on day one.

The project template (``templates/project``, bundled in the wheel) plus the installed toolkit's
Helm chart are rendered by copier into a scratch directory beside ``DIR``; the project's
``pyproject.toml`` depends on exactly the dd-toolkit that ran ``init``, in a form that works on
any machine (PEP 610's ``direct_url.json`` says how it was installed): from the package index,
``dd-toolkit==X.Y.Z``; from a VCS URL, that URL at its commit; from a wheel file or a source
directory, ``dd-toolkit==X.Y.Z`` with that wheel (built, for a directory) put into the project's
``wheels/``, where every install in the project looks (``--find-links wheels``). Never a path
outside the project. A first git commit is made there unless ``--no-git``; only then is the
scratch directory renamed to ``DIR``, so a failure leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, distribution, version
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..errors import ScaffoldError
from ..model import checkout_root, files, resource
from . import git as _git
from .template import BUNDLED_SRC

DISTRIBUTION = "dd-toolkit"
PROJECT_NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
CHART_IN_PROJECT = Path("project") / "charts" / "datadog-collectors"
ANSWERS_FILE = Path(".dd-toolkit") / "project-answers.yml"  # the template's _answers_file
WHEELS = Path("wheels")  # the project's own copy of a dd-toolkit that is not on the package index
WHEEL_GLOB = "dd_toolkit-*.whl"
BUILD_TIMEOUT = 600
SCRATCH_MARK = ".dd-toolkit-init-"  # .<dir>.dd-toolkit-init-*: a project being made, beside DIR
SNAPSHOT = Path(".dd-toolkit") / "template"  # the template this project was rendered from, for `update`
VALUES_COLLECTORS = """\
# One entry per collector to deploy as a CronJob. `dd-toolkit new NAME` adds one for each collector
# of this project. A built-in collector (`dd-toolkit list`) is deployed by an entry too, e.g.:
#   github:
#     enabled: true
#     env:
#       GITHUB_REPOSITORIES: "my-org/my-repo"  # and the secret github/token in AWS Secrets Manager
collectors: {}
"""


@dataclass(frozen=True)
class Requirement:
    """How a project depends on this toolkit: the base install, and with the authoring extras."""

    base: str
    all: str
    version: str
    source: str  # what it was derived from, for the message
    local: Path | None = None  # a wheel file or source directory to put into wheels/ (not on any index)


def toolkit_requirement() -> Requirement:
    """The requirement that installs exactly the running dd-toolkit (PEP 610's direct_url.json)."""
    try:
        dist = distribution(DISTRIBUTION)
    except PackageNotFoundError:
        raise ScaffoldError("dd-toolkit is not installed as a distribution (run from a source tree?); install it with pip first") from None
    requirement = requirement_from(dist.version, dist.read_text("direct_url.json"))
    checkout = checkout_root()
    if checkout is not None and requirement.local is None and "@" not in requirement.base:
        # running from a source tree whose metadata says nothing of it (a stale *.egg-info found
        # first on sys.path): that tree is what runs, so its wheel is what the project needs
        return Requirement(requirement.base, requirement.all, requirement.version, checkout.as_uri(), checkout)
    return requirement


def requirement_from(version: str, direct_url: str | None) -> Requirement:
    """From an installed distribution's version and its PEP 610 ``direct_url.json`` (None: from an index)."""
    pinned = Requirement(f"{DISTRIBUTION}=={version}", f"{DISTRIBUTION}[all]=={version}", version, "the package index")
    if not direct_url:
        return pinned
    info = json.loads(direct_url)
    url = info["url"]
    if "vcs_info" in info and not url.startswith("file:"):
        vcs = info["vcs_info"]
        ref = f"{vcs['vcs']}+{url}@{vcs.get('commit_id') or vcs.get('requested_revision')}"
        return Requirement(f"{DISTRIBUTION} @ {ref}", f"{DISTRIBUTION}[all] @ {ref}", version, ref)
    if not url.startswith("file:"):  # a wheel or sdist from a URL: reachable from anywhere as it is
        return Requirement(f"{DISTRIBUTION} @ {url}", f"{DISTRIBUTION}[all] @ {url}", version, url)
    # a wheel, sdist, directory or repository on this machine's disk: the project gets its own wheel
    local = Path(unquote(urlparse(url).path))
    return Requirement(pinned.base, pinned.all, version, url, local)


def place_wheel(requirement: Requirement, project: Path) -> list[Path]:
    """Make ``project/wheels`` hold exactly the wheel ``requirement`` needs (none from an index or
    VCS URL); returns the paths changed, relative to ``project``. A wheel whose files are the same
    as the one already there (its RECORD) is left alone, so a rebuild changes nothing in git."""
    wheels = project / WHEELS
    old = sorted(wheels.glob(WHEEL_GLOB)) if wheels.is_dir() else []
    changed: list[Path] = []
    if requirement.local is None:
        for path in old:
            path.unlink()
            changed.append(path.relative_to(project))
        return changed
    with tempfile.TemporaryDirectory(prefix="dd-toolkit-wheel-") as tmp:
        new = toolkit_wheel(requirement.local, Path(tmp))
        if [p.name for p in old] == [new.name] and _record(old[0]) == _record(new):
            return []
        for path in old:
            path.unlink()
            changed.append(path.relative_to(project))
        wheels.mkdir(exist_ok=True)
        files.write_atomic(wheels / new.name, new.read_bytes())
    changed.append((wheels / new.name).relative_to(project))
    return changed


def toolkit_wheel(local: Path, into: Path) -> Path:
    """The running toolkit's wheel: the wheel file it was installed from, or one built from its source."""
    if local.suffix == ".whl":
        if not local.is_file():
            raise ScaffoldError(f"dd-toolkit was installed from {local}, which is gone; reinstall it from a wheel that exists, then rerun")
        return Path(shutil.copyfile(local, into / local.name))
    if not (local / "pyproject.toml").is_file():
        raise ScaffoldError(f"dd-toolkit was installed from {local}, which holds no dd-toolkit source any more; reinstall it, then rerun")
    # a copy, so the build leaves nothing (build/, *.egg-info) in the source tree and takes nothing stale from it
    source = into / "source"
    shutil.copytree(local, source, ignore=shutil.ignore_patterns(".git", ".venv", ".tools", "build", "dist", "*.egg-info", "__pycache__"))
    argv = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(into), str(source)]
    if _has_build_backend():
        argv.insert(-1, "--no-build-isolation")  # no package index needed for the build
    try:
        subprocess.run(argv, check=True, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = (getattr(exc, "stderr", "") or str(exc)).strip().splitlines()
        raise ScaffoldError(f"could not build dd-toolkit's wheel from {local} for the project's wheels/: "
                            f"{detail[-1] if detail else exc}; install dd-toolkit from a wheel and rerun") from None
    (wheel,) = into.glob(WHEEL_GLOB)
    return wheel


def _has_build_backend() -> bool:
    try:
        return int(version("setuptools").split(".")[0]) >= 77  # pyproject.toml's build-system floor
    except (PackageNotFoundError, ValueError):
        return False


def _record(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        (record,) = [n for n in archive.namelist() if n.endswith(".dist-info/RECORD")]
        return archive.read(record)


@dataclass(frozen=True)
class InitResult:
    root: Path
    name: str
    requirement: Requirement
    files: list[Path]
    committed: bool
    removed_leftovers: list[str] = field(default_factory=list)  # scratch directories of a killed `init`


def init_project(directory: Path, *, name: str | None = None, git: bool = True) -> InitResult:
    """Create the project at ``directory`` (new or empty); raises ScaffoldError before writing anything."""
    target = Path(directory).absolute()
    name = name or target.name
    if not PROJECT_NAME_RE.match(name):
        raise ScaffoldError(f"project name {name!r} is not a distribution name; use letters, digits, '.', '_' and '-' (pass --name)")
    # A killed `init` of this directory left its scratch (SIGKILL runs no cleanup): it is ours to remove.
    leftovers = sorted(target.parent.glob(f".{target.name}{SCRATCH_MARK}*"))
    for leftover in leftovers:
        shutil.rmtree(leftover, ignore_errors=True)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already holds files; `dd-toolkit init` creates a new project: give a new or empty directory")
    requirement = toolkit_requirement()
    target.parent.mkdir(parents=True, exist_ok=True)
    # The scratch directory is a sibling: the final rename stays on one file system (atomic).
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}{SCRATCH_MARK}", dir=target.parent))
    try:
        template = assemble_template(scratch / "template")
        out = scratch / "out"
        render(template, out, {
            "project_name": name,
            "toolkit_requirement": requirement.base,
            "toolkit_requirement_all": requirement.all,
            "toolkit_version": requirement.version,
        })
        record_bundled_source(out / ANSWERS_FILE)
        snapshot(template, out)
        place_wheel(requirement, out)
        files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
        if git:
            _git.init(out)
            _git.commit_all(out, f"A dd-toolkit {requirement.version} project (dd-toolkit init)")
        if target.exists():
            target.rmdir()  # empty, checked above
        os.replace(out, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return InitResult(target, name, requirement, files, git, [p.name for p in leftovers])


def assemble_template(into: Path) -> Path:
    """The project template with the installed toolkit's chart in it (its values emptied of collectors)."""
    project_template, chart = resource("project-template"), resource("chart")
    if project_template is None or chart is None:
        raise ScaffoldError("this dd-toolkit has no project template or chart bundled; reinstall it from a wheel or a checkout")
    shutil.copytree(project_template, into, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(chart, into / CHART_IN_PROJECT, ignore=shutil.ignore_patterns("__pycache__"))
    values = into / CHART_IN_PROJECT / "values.yaml"
    files.write_atomic(values, project_values(values.read_text(encoding="utf-8")))
    return into


def project_values(chart_values: str) -> str:
    """The chart's values.yaml with its own collector entries replaced by an empty mapping."""
    head, sep, _ = chart_values.partition("\ncollectors:")
    if not sep:
        raise ScaffoldError("the bundled chart's values.yaml has no `collectors:` section; reinstall dd-toolkit")
    lines = head.rstrip("\n").splitlines()
    while lines and (lines[-1].startswith("#") or not lines[-1].strip()):
        lines.pop()  # the chart's comment on its own entries describes them, not this project's
    return "\n".join(lines) + "\n\n" + VALUES_COLLECTORS


def render(template: Path, dst: Path, data: dict) -> None:
    import copier  # only init, new and update pay for copier's import

    try:
        copier.run_copy(str(template), str(dst), data=data, defaults=True, quiet=True, overwrite=True, unsafe=False)
    except (ValueError, copier.errors.CopierError) as exc:
        raise ScaffoldError(f"the project template refused an answer: {str(exc).strip().splitlines()[-1]}") from exc


def record_bundled_source(answers: Path) -> None:
    """Copier records the scratch directory it rendered from as ``_src_path``: a path outside the
    project, gone at once. Record the template's name instead (``update`` assembles it anew)."""
    text = answers.read_text(encoding="utf-8")
    answers.write_text(re.sub(r"(?m)^_src_path: .*$", f"_src_path: {BUNDLED_SRC.format(kind='project')}", text), encoding="utf-8")


def snapshot(template: Path, project: Path) -> None:
    """Keep the template this project was rendered from: `update` merges from it to the new one."""
    shutil.copytree(template, project / SNAPSHOT, ignore=shutil.ignore_patterns("__pycache__"))
