"""Every git call the toolkit makes (``new`` records the template's version, ``update`` merges through git)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import TemplateError

_IDENTITY = ("-c", "user.name=dd-toolkit", "-c", "user.email=dd-toolkit@localhost", "-c", "commit.gpgsign=false")


def git(cwd: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise TemplateError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def toplevel(path: Path) -> Path | None:
    done = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=path, capture_output=True, text=True)
    return Path(done.stdout.strip()).resolve() if done.returncode == 0 else None


def version_of(path: Path) -> tuple[str | None, bool]:
    """(the commit that last changed ``path``, whether ``path`` has uncommitted changes).

    ``(None, False)`` when ``path`` is not in a git repository or was never committed.
    """
    top = toplevel(path)
    if top is None:
        return None, False
    rel = path.resolve().relative_to(top).as_posix()
    commit = git(top, "log", "-1", "--format=%H", "--", rel, check=False).strip() or None
    dirty = bool(git(top, "status", "--porcelain", "--untracked-files=all", "--", rel, check=False).strip())
    return commit, dirty


def archive(top: Path, commit: str, rel: str) -> bytes:
    """``rel`` as it was at ``commit``, as a tar archive."""
    done = subprocess.run(["git", "archive", "--format=tar", commit, "--", rel], cwd=top, capture_output=True)
    if done.returncode != 0:
        raise TemplateError(
            f"the template version this collector records ({commit[:12]}) is not in the repository "
            f"({done.stderr.decode(errors='replace').strip()}); in a shallow clone run `git fetch --unshallow`"
        )
    return done.stdout


def commit_all(repo: Path, message: str, tag: str | None = None) -> None:
    """Commit everything in a scratch repository (with the toolkit's own identity), optionally tagged."""
    git(repo, "add", "--all")
    git(repo, *_IDENTITY, "commit", "--quiet", "--allow-empty", "--no-verify", "-m", message)
    if tag:
        git(repo, "tag", tag)


def init(repo: Path) -> None:
    git(repo, "init", "--quiet")
