"""The wheel carries what an installed dd-toolkit needs besides its code (see pyproject.toml).

This repository is also the reference project, so those files live where a project keeps them
(collectors/, tests/cassettes/, charts/, templates/). A wheel build copies them into the package:

  collectors/<name>/            -> toolkit/collectors/<name>/             (the built-in collectors)
  tests/cassettes/<name>/       -> toolkit/collectors/_cassettes/<name>/  (their cassettes, for --offline)
  charts/datadog-collectors/    -> toolkit/project/_bundle/chart/         (copied by `dd-toolkit init`)
  templates/collector/          -> toolkit/project/_bundle/templates/collector/
  templates/project/            -> toolkit/project/_bundle/templates/project/
  docs/                         -> toolkit/project/_bundle/docs/          (`dd-toolkit manual`)

MANIFEST.in puts every one of them into the sdist at the same path, so a wheel built from the
sdist (`python -m build`) equals one built from a checkout (`pip wheel .`).
An editable install copies nothing: it runs from this checkout, where they already are
(toolkit.project.resources finds both layouts). A build context without some of them (the
Dockerfile's has no tests/ or charts/) bundles what it has.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".copier-answers.yml.bak")


def builtin_collectors() -> list[str]:
    directory = ROOT / "collectors"
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir() if (p / "__init__.py").is_file() and not p.name.startswith("_"))


class BuildWithBundle(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        lib = Path(self.build_lib) / "toolkit"
        copies = [(ROOT / "collectors", lib / "collectors")]
        copies += [(ROOT / "tests" / "cassettes" / name, lib / "collectors" / "_cassettes" / name) for name in builtin_collectors()]
        copies += [
            (ROOT / "charts" / "datadog-collectors", lib / "project" / "_bundle" / "chart"),
            (ROOT / "templates" / "collector", lib / "project" / "_bundle" / "templates" / "collector"),
            (ROOT / "templates" / "project", lib / "project" / "_bundle" / "templates" / "project"),
            (ROOT / "docs", lib / "project" / "_bundle" / "docs"),
        ]
        for source, target in copies:
            if source.is_dir():
                shutil.copytree(source, target, ignore=IGNORE, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithBundle})
