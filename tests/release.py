"""The release as the release workflow builds it, once per test session.

``python -m build`` makes the sdist and then the wheel from that sdist (what a release publishes);
``pip wheel .`` makes a wheel straight from the checkout (what the tests used to install). Both
run on a copy of the checkout as it is now, committed or not, without build isolation: the test
extra has setuptools, and the build needs no package index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from realtools import ROOT

COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", ".tools", "build", "dist", "__pycache__", "*.egg-info", ".pytest_cache")
BUILD_TIMEOUT = 300


@dataclass(frozen=True)
class Release:
    source: Path  # the copy of the checkout both were built from
    wheel: Path  # from the sdist (python -m build)
    sdist: Path
    checkout_wheel: Path  # pip wheel . from the copy


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON", "PIP_", "DD_", "PYTEST"))}


def run(argv: list, cwd: Path, timeout: float = BUILD_TIMEOUT) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, argv))} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def build_release(into: Path) -> Release:
    source = into / "source"
    shutil.copytree(ROOT, source, ignore=COPY_IGNORE)
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", into / "dist", "."], source)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", into / "checkout", "."], source)
    (wheel,) = (into / "dist").glob("dd_toolkit-*.whl")
    (sdist,) = (into / "dist").glob("dd_toolkit-*.tar.gz")
    (checkout_wheel,) = (into / "checkout").glob("dd_toolkit-*.whl")
    return Release(source, wheel, sdist, checkout_wheel)
