"""Which columns of a table fit a width, by priority, and text cut to a width (plain data, no Textual).

A table's columns grow to their widest cell; one long metric name (or tag set) would push the
value off a small terminal. Instead each column has a place in a priority list: the ones that
matter most are placed first, and a column that does not fit gives way. A long column (a name,
tags) takes a smaller share first and grows only with what is left, cut with an ellipsis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

ELLIPSIS = "…"


class Step(NamedTuple):
    """Place ``column`` at up to ``width`` characters (None: its whole natural width).

    A column named twice takes a first share, then grows at its second step."""

    column: str
    width: int | None = None
    required: bool = False  # placed even when it does not fit (cut to what is left)


def fit(natural: Mapping[str, int], steps: Sequence[Step], available: int, padding: int) -> dict[str, int]:
    """The width of each column shown, in ``steps`` order of priority.

    ``natural``: each column's widest cell (its label included); ``available``: the characters
    the table has; ``padding``: what each shown column adds besides its cells (both sides)."""
    widths: dict[str, int] = {}
    left = available
    for step in steps:
        want = natural[step.column] if step.width is None else min(step.width, natural[step.column])
        have = widths.get(step.column)
        if have is not None:  # a second step: grow with what is left
            grow = max(0, min(want - have, left))
            widths[step.column] = have + grow
            left -= grow
        elif want + padding <= left:
            widths[step.column] = want
            left -= want + padding
        elif step.required:
            widths[step.column] = max(1, min(want, left - padding))
            left = max(0, left - widths[step.column] - padding)
    return widths


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, its end replaced by an ellipsis when cut."""
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + ELLIPSIS if width > 0 else ""


def cut_series(name: str, tags: str, width: int) -> str:
    """A tagged series as ``name{tags}`` in ``width``: the name is cut before the tags, so the rows
    of one metric stay told apart. Tags too long for that keep their end, where the series of
    one metric differ, beside three fifths of the width for the name: ``github.prs.mer…{…/hello-world}``."""
    whole = f"{name}{{{tags}}}" if tags else name
    if len(whole) <= width:
        return whole
    keep = 8  # characters of the name kept in front of whole tags, at least
    if tags and len(tags) + 2 + keep <= width:
        return cut(name, width - len(tags) - 2) + f"{{{tags}}}"
    head = cut(name, max(keep, width * 3 // 5))
    rest = width - len(head) - 3  # "{…" and "}"
    if not tags or rest < 4:
        return cut(whole, width)
    return f"{head}{{{ELLIPSIS}{tags[-rest:]}}}"
