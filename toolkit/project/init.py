"""``dd-toolkit init DIR``: a team's own metrics repository, complete on day one.

The project template (``templates/project``, bundled in the wheel) plus the installed toolkit's
Helm chart are rendered by copier into a scratch directory beside ``DIR``; the project's
``pyproject.toml`` depends on exactly the dd-toolkit that ran ``init`` (the same version from the
package index, or the wheel, directory or VCS URL it was installed from, as PEP 610's
``direct_url.json`` records). A first git commit is made there unless ``--no-git``; only then
is the scratch directory renamed to ``DIR``, so a failure leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from ..errors import ScaffoldError
from ..model import files, resource
from . import git as _git

DISTRIBUTION = "dd-toolkit"
PROJECT_NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
CHART_IN_PROJECT = Path("project") / "charts" / "datadog-collectors"
ANSWERS_FILE = Path(".dd-toolkit") / "project-answers.yml"  # the template's _answers_file
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


def toolkit_requirement() -> Requirement:
    """The requirement that installs exactly the running dd-toolkit (PEP 610's direct_url.json)."""
    try:
        dist = distribution(DISTRIBUTION)
    except PackageNotFoundError:
        raise ScaffoldError("dd-toolkit is not installed as a distribution (run from a source tree?); install it with pip first") from None
    return requirement_from(dist.version, dist.read_text("direct_url.json"))


def requirement_from(version: str, direct_url: str | None) -> Requirement:
    """From an installed distribution's version and its PEP 610 ``direct_url.json`` (None: from an index)."""
    if not direct_url:
        return Requirement(f"{DISTRIBUTION}=={version}", f"{DISTRIBUTION}[all]=={version}", version, "the package index")
    info = json.loads(direct_url)
    url = info["url"]
    if "vcs_info" in info:
        vcs = info["vcs_info"]
        ref = f"{vcs['vcs']}+{url}@{vcs.get('commit_id') or vcs.get('requested_revision')}"
    else:  # archive_info (a wheel or sdist) or dir_info (a directory, editable or not)
        ref = url
    return Requirement(f"{DISTRIBUTION} @ {ref}", f"{DISTRIBUTION}[all] @ {ref}", version, ref)


@dataclass(frozen=True)
class InitResult:
    root: Path
    name: str
    requirement: Requirement
    files: list[Path]
    committed: bool


def init_project(directory: Path, *, name: str | None = None, git: bool = True) -> InitResult:
    """Create the project at ``directory`` (new or empty); raises ScaffoldError before writing anything."""
    target = Path(directory).absolute()
    name = name or target.name
    if not PROJECT_NAME_RE.match(name):
        raise ScaffoldError(f"project name {name!r} is not a distribution name; use letters, digits, '.', '_' and '-' (pass --name)")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already holds files; `dd-toolkit init` creates a new project: give a new or empty directory")
    requirement = toolkit_requirement()
    target.parent.mkdir(parents=True, exist_ok=True)
    # The scratch directory is a sibling: the final rename stays on one file system (atomic).
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.dd-toolkit-init-", dir=target.parent))
    try:
        template = assemble_template(scratch / "template")
        out = scratch / "out"
        render(template, out, {
            "project_name": name,
            "toolkit_requirement": requirement.base,
            "toolkit_requirement_all": requirement.all,
            "toolkit_version": requirement.version,
        })
        snapshot(template, out)
        files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
        if git:
            _git.init(out)
            _git.commit_all(out, f"A dd-toolkit {requirement.version} project (dd-toolkit init)")
        if target.exists():
            target.rmdir()  # empty, checked above
        os.replace(out, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return InitResult(target, name, requirement, files, git)


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




def snapshot(template: Path, project: Path) -> None:
    """Keep the template this project was rendered from: `update` merges from it to the new one."""
    shutil.copytree(template, project / SNAPSHOT, ignore=shutil.ignore_patterns("__pycache__"))
