"""The metrics table of a collector's README, generated from its ``@metric`` definitions.

The table sits between two markers so the rest of the README stays hand-written::

    <!-- metrics-table:start -->
    | Metric | Description | Unit | Type |
    ...
    <!-- metrics-table:end -->

One row per metric in definition order; the metric names carry their category.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import DocsError
from ..model import MetricSpec

START = "<!-- metrics-table:start -->"
END = "<!-- metrics-table:end -->"
HEADER = "| Metric | Description | Unit | Type |\n|--------|-------------|------|------|"


def render_table(specs: list[MetricSpec]) -> str:
    """The text between the markers (without them), ending in a newline."""
    if not specs:
        return "No metrics are defined yet.\n"
    rows = "\n".join(f"| `{s.name}` | {_cell(s.description)} | {s.unit} | {s.type.upper()} |" for s in specs)
    return f"{HEADER}\n{rows}\n"


def _cell(text: str) -> str:
    # a pipe would end the cell; a newline would end the row
    return " ".join(text.split()).replace("|", "\\|") or "-"


@dataclass
class TableState:
    path: Path
    current: str  # what is between the markers now
    expected: str  # what the definitions say
    text: str  # the whole README

    @property
    def in_sync(self) -> bool:
        return _normal(self.current) == _normal(self.expected)

    def updated_text(self) -> str:
        before, rest = self.text.split(START, 1)
        _, after = rest.split(END, 1)
        return f"{before}{START}\n{self.expected}{END}{after}"


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def table_state(readme: Path, specs: list[MetricSpec], name: str) -> TableState:
    if not readme.is_file():
        raise DocsError(f"{readme} is missing; create it (see `dd-toolkit manual new-collector`) with the markers {START} and {END}")
    text = readme.read_text(encoding="utf-8")
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise DocsError(
            f"{readme} needs exactly one {START} line followed by one {END} line; "
            f"add them where the metrics table goes, then run `dd-toolkit docs {name}`"
        )
    current = text.split(START, 1)[1].split(END, 1)[0]
    return TableState(readme, current, render_table(specs), text)
