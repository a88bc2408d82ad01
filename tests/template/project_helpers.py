"""A throwaway dd-toolkit project to generate collectors into.

The project is minimal but real: ``collectors/__init__.py``, the repository's
``pyproject.toml`` (pytest settings), its ``tests/conftest.py`` with the helper modules it
imports (network blocked, credentials cleared) and a copy of ``templates/collector``,
committed to a fresh git repository. ``toolkit`` is the one under
test, found through PYTHONPATH after the project, exactly as an editable install would be.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GIT_ID = ["-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "commit.gpgsign=false"]


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *GIT_ID, *args], cwd=root, check=True, capture_output=True, text=True).stdout


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "--allow-empty", "-m", message)


def make_project(path: Path, *, with_git: bool = True) -> Path:
    (path / "collectors").mkdir(parents=True)
    shutil.copy(REPO / "collectors" / "__init__.py", path / "collectors" / "__init__.py")
    (path / "tests").mkdir()
    # the project's pytest settings and suite-wide fixtures (conftest and the helpers it imports)
    shutil.copy(REPO / "pyproject.toml", path / "pyproject.toml")
    for helper in (REPO / "tests").glob("*.py"):
        if not helper.name.startswith("test_"):
            shutil.copy(helper, path / "tests" / helper.name)
    shutil.copytree(REPO / "templates" / "collector", path / "templates" / "collector", ignore=shutil.ignore_patterns("__pycache__"))
    (path / ".gitignore").write_text("__pycache__/\n")
    if with_git:
        git(path, "init", "--quiet")
        commit_all(path, "project")
    return path


def env_for(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DD_", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(root), str(REPO)])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # a secret lookup that falls through to AWS must fail fast, never reach the network
    env.update(AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=str(root / "no-aws-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(root / "no-aws-credentials"))
    return env


def cli(root: Path, *args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``dd-toolkit ARGS`` in a subprocess whose ``collectors`` package is the project's."""
    return subprocess.run(
        [PYTHON, "-m", "toolkit.cli", *args], cwd=root, env=env or env_for(root),
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=timeout,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts and "__pycache__" not in p.parts
    }


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def generated_in_repository() -> set[str]:
    """Collectors a developer generated in this checkout with `dd-toolkit new` (not shipped ones)."""
    return {p.parent.name for p in (REPO / "collectors").glob("*/.copier-answers.yml")}


def copy_shipped_chart(dst: Path) -> None:
    """The repository's chart as shipped: without entries a developer's `new` added to its values,
    so tests that scaffold a fixed name pass in a checkout where someone already used that name."""
    shutil.copytree(REPO / "charts" / "datadog-collectors", dst)
    import re

    values = dst / "values.yaml"
    text = values.read_text()
    for name in generated_in_repository():
        # the entry's block: its key line and every deeper-indented (or blank) line after it
        text = re.sub(rf"\n  {re.escape(name)}:[^\n]*\n(?:(?:    [^\n]*)?\n)*", "\n", text)
    values.write_text(text)
