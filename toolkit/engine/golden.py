"""Golden series: an offline run's series and errors, kept in a reviewed file beside the cassettes.

``golden.json`` in a replay directory holds what the offline run of that directory produced:
every series (metric, type, unit, tags, value), the meta-metrics but the duration and the window's
end (requests, rate budget left per credential, metric and error counts, windows missed, under
"meta") and every error (metric, type, message). A
test compares a fresh offline run with it (``golden_mismatch``) and prints a diff that names
each series that changed; ``pytest --update-golden`` (the ``toolkit.testing`` plugin) rewrites
it, and the rewrite is reviewed in the pull request like any other change.

Error messages are kept with the replay directory written as ``<cassettes>``, so the file is
the same on every machine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..model import CollectionResult, files

GOLDEN_FILE = "golden.json"


def golden_series(result: CollectionResult, cassettes: Path | None = None) -> dict[str, Any]:
    """What a golden file holds for ``result`` (sorted, so the file's order is stable)."""
    where = str(cassettes) if cassettes is not None else None

    def message(text: str) -> str:
        return text.replace(where, "<cassettes>") if where else text

    series = [
        {"metric": s.metric, "type": s.type, "unit": s.unit, "tags": sorted(s.tags), "value": s.value,
         # a distribution's point is its samples: a changed sample is a changed series
         **({"values": list(s.values)} if s.type == "distribution" else {})}
        for outcome in result.outcomes
        for s in outcome.series
    ]
    # the meta-metrics the push sends too, but the run's duration (never the same twice) and its
    # window's end (the schedule's, not the code's: a collector's golden file holds whatever its
    # schedule in the values; tests/test_windows.py checks the stamping)
    meta = [
        {"metric": s.metric, "type": s.type, "unit": s.unit, "tags": sorted(s.tags), "value": s.value}
        for s in result.meta_series
        if not s.metric.endswith((".duration_seconds", ".window_end"))
    ]
    meta.sort(key=lambda s: (s["metric"], s["tags"]))
    series.sort(key=lambda s: (s["metric"], s["tags"]))
    errors = [{"metric": e.metric, "type": e.type, "message": message(e.message)} for e in result.errors]
    errors.sort(key=lambda e: (e["metric"] or "", e["type"], e["message"]))
    return {"collector": result.collector, "series": series, "meta": meta, "errors": errors}


def dumps(golden: dict[str, Any]) -> str:
    return json.dumps(golden, indent=2, sort_keys=True) + "\n"


def _series_name(s: dict[str, Any]) -> str:
    return f"{s['metric']}{{{','.join(s['tags'])}}}" if s["tags"] else s["metric"]


def golden_diff(want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """One line per difference, naming the series (metric{tags}) or the error's metric."""
    lines: list[str] = []
    old = {_series_name(s): s for s in want.get("series", []) + want.get("meta", [])}
    new = {_series_name(s): s for s in got.get("series", []) + got.get("meta", [])}
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        if a is None:
            lines.append(f"+ series {name}: new, value {b['value']!r} ({b['type']}, {b['unit']})")
        elif b is None:
            lines.append(f"- series {name}: gone (golden value {a['value']!r})")
        else:
            lines += [f"~ series {name}: {field} {a.get(field)!r} -> {b.get(field)!r}" for field in ("value", "values", "type", "unit") if a.get(field) != b.get(field)]
    old_errors = {(e["metric"], e["type"], e["message"]) for e in want.get("errors", [])}
    new_errors = {(e["metric"], e["type"], e["message"]) for e in got.get("errors", [])}
    lines += [f"- error {m or '(collector)'}: {t}: {msg}" for m, t, msg in sorted(old_errors - new_errors, key=str)]
    lines += [f"+ error {m or '(collector)'}: {t}: {msg}" for m, t, msg in sorted(new_errors - old_errors, key=str)]
    return lines


def read_golden(path: Path) -> dict[str, Any] | None:
    from ..cassettes import read_json_object

    return read_json_object(path, "rewrite it with `pytest --update-golden`")


def write_golden(path: Path, golden: dict[str, Any]) -> None:
    files.write_atomic(path, dumps(golden))


def golden_mismatch(result: CollectionResult, cassettes: Path, *, update: bool = False) -> str | None:
    """``None`` when ``result`` matches ``cassettes/golden.json``, else a readable explanation.

    ``update``: (re)write the file from ``result`` instead, and report nothing.
    """
    path = Path(cassettes) / GOLDEN_FILE
    got = golden_series(result, Path(cassettes))
    if update:
        write_golden(path, got)
        return None
    want = read_golden(path)
    if want is None:
        return f"no golden file {path}; write it with `pytest --update-golden` and review it"
    if want == got:
        return None
    lines = golden_diff(want, got) or ["(the files differ in order or collector name only)"]
    return f"{result.collector}: the offline run differs from {path}:\n" + "\n".join("  " + line for line in lines) + (
        "\nif the change is intended, rewrite it with `pytest --update-golden` and review the diff")
