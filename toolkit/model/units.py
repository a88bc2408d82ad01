"""Datadog's unit catalogue (``units.json``, with its source) and the seed guide's unit names.

A metric's ``unit`` (and ``per_unit``) is either a name from Datadog's catalogue (``hour``,
``mebibyte``, ``request``) or one of the seed's names (``hours``, ``mb``, ``usd``), which keep
working and are translated to Datadog's vocabulary for the push and the metadata API.
"""

from __future__ import annotations

import json
from pathlib import Path

_DATA = json.loads((Path(__file__).with_name("units.json")).read_text(encoding="utf-8"))

UNITS_SOURCE: str = _DATA["source"]
UNIT_FAMILIES: dict[str, tuple[str, ...]] = {family: tuple(names) for family, names in _DATA["families"].items()}
# The catalogue holds more names than the docs' family table lists (kilobyte, joule, currencies):
# they are valid for the metadata API all the same, only their family is not documented.
UNITS_WITHOUT_FAMILY: tuple[str, ...] = tuple(_DATA["without_family"])
DATADOG_UNITS: frozenset[str] = frozenset(
    [name for names in UNIT_FAMILIES.values() for name in names] + list(UNITS_WITHOUT_FAMILY)
)
# The docs table's spellings that differ from the catalogue's (pence -> penny): a name copied
# from the docs page works, and Datadog is sent the name it stores.
DOCS_SPELLINGS: dict[str, str] = dict(_DATA["spellings"]["names"])

# The seed guide's names. ``None`` means no unit: Datadog has no plain "count" unit, and a
# seed "rate" says nothing about what is counted per second (declare unit= and per_unit="second").
SEED_UNITS: dict[str, str | None] = {
    "count": None,
    "percent": "percent",
    "seconds": "second",
    "minutes": "minute",
    "hours": "hour",
    "bytes": "byte",
    "kb": "kibibyte",
    "mb": "mebibyte",
    "gb": "gibibyte",
    "usd": "dollar",
    "rate": None,
}

# Every accepted name, mapped to Datadog's name for it (None: sent without a unit).
UNITS: dict[str, str | None] = {**SEED_UNITS, **DOCS_SPELLINGS, **{name: name for name in sorted(DATADOG_UNITS)}}


def datadog_unit(name: str | None) -> str | None:
    """Datadog's name for a declared unit (``hours`` -> ``hour``); None for no unit."""
    return UNITS.get(name) if name else None


def unit_problem(name: str, label: str = "unit") -> str | None:
    """Why ``name`` is not a unit, with the closest names, or None when it is one."""
    if name in UNITS:
        return None
    import difflib

    close = difflib.get_close_matches(name, list(UNITS), n=3)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    return f"{label} {name!r} is not in Datadog's unit catalogue (`dd-toolkit manual metrics` lists it){hint}"
