"""``Project``: where things are in a dd-toolkit project, found once.

A project is a directory holding ``collectors/__init__.py`` (this repository is one; so is
every project ``dd-toolkit new`` writes into). From its root: ``collectors/``, ``tests/``, the
chart at ``charts/datadog-collectors/`` and its ``values.yaml`` (``DD_TOOLKIT_VALUES`` overrides
that path). Every face finds the project through ``Project.find`` and asks it, rather than
walking directories itself. (A collector's cassettes are found from its own module by
``cassettes.locate``, and the collector template by ``template.find_template``.)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ProjectError, ValuesError
from ..model import checkout_root
from .values import CHART_PATH, VALUES_PATH, Values, collector_packages

MARKER = Path("collectors") / "__init__.py"
VALUES_ENV = "DD_TOOLKIT_VALUES"
PROJECT_ENV = "DD_TOOLKIT_PROJECT"  # set by `dd-toolkit --project DIR` (and the image's Dockerfile)


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The nearest project at or above ``start`` (default: ``DD_TOOLKIT_PROJECT``, else the
        working directory).

        Outside any project, the checkout this toolkit runs from (this repository, the reference
        project, installed editable) when there is one.
        """
        if start is None and os.environ.get(PROJECT_ENV):
            return cls.at(Path(os.environ[PROJECT_ENV]))
        here = (start or Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / MARKER).is_file():
                return cls(candidate)
        checkout = checkout_root()
        if start is None and checkout is not None:
            return cls(checkout)
        raise ProjectError(
            f"no dd-toolkit project at or above {here} (a directory with {MARKER}); cd into one, pass --project DIR, "
            "or create one with `dd-toolkit init DIR`"
        )

    @classmethod
    def current(cls) -> Project | None:
        """The project the command works in, or None outside any (built-in collectors still run)."""
        try:
            return cls.find()
        except ProjectError:
            if os.environ.get(PROJECT_ENV):
                raise  # an explicit --project must be a project
            return None

    @classmethod
    def at(cls, root: Path) -> Project:
        root = Path(root).resolve()
        if not (root / MARKER).is_file():
            raise ProjectError(f"{root} has no {MARKER}, so it is not a dd-toolkit project; pass a project's directory (or create one with `dd-toolkit init DIR`)")
        return cls(root)

    # --- where things are --------------------------------------------------------------------
    @property
    def collectors_dir(self) -> Path:
        return self.root / "collectors"

    @property
    def tests_dir(self) -> Path:
        return self.root / "tests"

    def test_file(self, name: str) -> Path:
        return self.tests_dir / "collectors" / f"test_{name}.py"

    @property
    def chart_dir(self) -> Path:
        return self.root / CHART_PATH

    @property
    def values_path(self) -> Path:
        explicit = os.environ.get(VALUES_ENV)
        return Path(explicit) if explicit else self.root / VALUES_PATH

    @property
    def schema_path(self) -> Path:
        return self.chart_dir / "values.schema.json"

    def collector_packages(self) -> set[str]:
        return collector_packages(self.collectors_dir)

    # --- what is there ---------------------------------------------------------------------------
    def values(self, path: Path | None = None) -> Values:
        """The Helm values (``path``, else ``values_path``); a missing file is a ``ValuesError``."""
        path = Path(path) if path is not None else self.values_path
        if not path.is_file():
            raise ValuesError(f"no Helm values file at {path}; restore {VALUES_PATH} (or point DD_TOOLKIT_VALUES at one)")
        return Values.load(path, self.chart_dir)

    def values_or_empty(self, path: Path | None = None) -> Values:
        """The Helm values, or empty ones when the project has no values file (explicit paths must exist)."""
        if path is None and not self.values_path.is_file():
            return Values({})
        return self.values(path)
