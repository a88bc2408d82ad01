"""The human listing of ``dd-toolkit run``: the seed's "Collected N metrics", as a table on a
terminal, and one ``key=value`` line per value (logfmt) when stdout is a pipe or a file: a
CronJob's or CI's log, where a table cut to 80 columns would cut the metric names."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TextIO

from rich.markup import escape

from ..model import ERROR, NO_DATA, CollectionResult, redact
from ._common import stdout_console


def format_value(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.3f}"


def print_results(results: list[CollectionResult], *, verbose: bool = False, pushing: bool = False) -> None:
    console = stdout_console()
    for result in results:
        mode = " (offline replay)" if result.offline else ""
        if result.fatal is not None and not result.outcomes:
            console.print(f"[bold]{result.collector}[/]{mode}: [red]failed: {result.fatal.type}: {escape(result.fatal.message)}[/]", soft_wrap=True)
            if verbose and result.fatal.traceback:
                console.print(result.fatal.traceback, markup=False)
            continue
        counts = result.custom_metrics
        billed = sum(c.custom_metrics for c in counts.values())
        console.print(
            f"[bold]{result.collector}[/]{mode}: collected {result.metric_count} metrics, "
            f"{result.error_count} errors, {billed} custom metrics (billed per tag set) in {result.duration_seconds:.2f}s"
            + ("" if pushing else " (dry run: nothing sent; --push to send)"),
            soft_wrap=True,  # one line per collector, whatever the terminal's width
        )
        # stdout itself, not rich's is_terminal: FORCE_COLOR (set in many CI setups) makes that
        # true in a log, where a table at COLUMNS (or rich's default 80) cuts the names
        if console.file.isatty():
            console.print(_table(result, verbose, console.width), soft_wrap=True)
        else:  # whole names, whatever COLUMNS says: nobody reads a log at a width
            write_lines(console.file, log_lines(result))
        for error, metrics in grouped_errors(result):
            where = ", ".join(metrics) if metrics else result.collector
            console.print(f"  [red]✗ {escape(where)}: {error.type}: {escape(error.message)}[/]", soft_wrap=True)
            if verbose and error.traceback:
                console.print(error.traceback, markup=False)


_HEADER = ("metric", "value", "unit", "tags", "time", "custom")
_GAP = "  "


def _table(result: CollectionResult, verbose: bool, width: int = 10_000):
    """The terminal's table of one result: columns aligned, cut with "…" to ``width``.

    Laid out here rather than by rich's Table, which measured and wrapped every cell: 441 ms for
    50 collectors, 34x their JSON. A row is its cells and, per cell, a style.
    """
    from rich.cells import cell_len
    from rich.text import Text

    counts = result.custom_metrics
    rows: list[tuple[tuple[str, ...], tuple[str, ...]]] = []

    def add(cells: tuple[str, ...], styles: tuple[str, ...] = ("",) * 6) -> None:
        rows.append((cells, styles))

    for o in result.outcomes:
        took = f"{o.duration_seconds * 1000:.0f} ms"
        custom = str(counts[o.name].custom_metrics) if o.name in counts else ""
        if o.status == ERROR:
            add((o.name, "error", o.unit, "", took, custom), ("", "red", "", "", "", ""))
        elif o.status == NO_DATA:
            add((o.name, "no data", o.unit, "", took, ""), ("", "dim", "", "", "", ""))
        elif o.type == "distribution":
            samples = sum(len(s.values) for s in o.series)
            add((o.name, f"{samples} values", o.unit, f"{len(o.series)} tag set(s)", took, custom))
            if verbose:
                for s in o.series:
                    add(("", f"{len(s.values)} values", "", redact(",".join(s.tags)), "", ""))
        elif o.value is not None:
            add((o.name, format_value(o.value), o.unit, "", took, custom))
        else:
            total = sum(s.value for s in o.series)
            add((o.name, f"{len(o.series)} series", o.unit, f"sum {format_value(total)}", took, custom))
            if verbose:
                for s in o.series:
                    add(("", format_value(s.value), "", redact(",".join(s.tags)), "", ""))
    for name, value in result.meta_metrics.items():
        add((name, format_value(value), "", "", "", "1"), ("dim", "dim", "", "", "", "dim"))
    widths = [max([cell_len(h)] + [cell_len(cells[i]) for cells, _ in rows]) for i, h in enumerate(_HEADER)]
    over = sum(widths) + len(_GAP) * (len(widths) - 1) - width
    for column, least in ((0, 20), (3, 6), (0, 6)):  # too wide: the names give way, then the tags
        cut = max(0, min(over, widths[column] - least))
        widths[column] -= cut
        over -= cut
    text = Text(no_wrap=True, overflow="ignore")
    for cells, styles in [(_HEADER, ("bold",) * 6), *rows]:
        for i, (cell, style) in enumerate(zip(cells, styles, strict=True)):
            if i:
                text.append(_GAP)
            shown_cell = _fit(cell, widths[i], cell_len)
            text.append(shown_cell, style or None)
            if i < len(cells) - 1:
                text.append(" " * (widths[i] - cell_len(shown_cell)))
        text.append("\n")
    text.rstrip()
    return text


def _fit(cell: str, width: int, cell_len) -> str:
    if cell_len(cell) <= width:
        return cell
    while cell and cell_len(cell) > width - 1:
        cell = cell[:-1]
    return cell + "…"


def log_lines(result: CollectionResult) -> Iterator[str]:
    """One logfmt line per value: each series of a metric (a distribution's as its count of
    values), a failed or empty metric as its status, then the meta-metrics. Whole names, tags
    and plain numbers, so a log search for ``metric=github.prs.open`` finds every run's value.
    Made as they are printed: a million series' lines held at once took 140 MiB."""
    for o in result.outcomes:
        took = f"{o.duration_seconds * 1000:.0f}ms"
        if o.status in (ERROR, NO_DATA):
            yield _logfmt(collector=result.collector, metric=o.name, status=o.status.replace(" ", "_"), unit=o.unit, took=took)
        for s in o.series:
            number = {"values": len(s.values)} if o.type == "distribution" else {"value": _plain(s.value)}
            yield _logfmt(collector=result.collector, metric=s.metric, **number, unit=o.unit, tags=redact(",".join(s.tags)), took=took)
    for name, value in result.meta_metrics.items():
        yield _logfmt(collector=result.collector, metric=name, value=_plain(value))


def write_lines(out: TextIO, lines: Iterable[str]) -> None:
    """``lines`` as they are, a batch at a time. Not through rich's ``print``: it took 120 µs a
    line (two minutes for a million series' lines in a CronJob's log), and it made an emoji of a
    tag's ``:100:`` or ``:rocket:``, which the log's reader then searches for in vain."""
    lines = iter(lines)
    while batch := list(islice(lines, 1_000)):
        out.write("\n".join(batch) + "\n")


def _plain(value: float) -> str:
    """A number as a log search compares it: no thousands separators, no rounding."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


_QUOTED = re.compile(r'[ "=\\]')  # a value holding one of these is quoted


def _logfmt(**fields: object) -> str:
    """``key=value`` pairs; empty values left out, values with spaces, quotes or ``=`` quoted."""
    parts = []
    for key, value in fields.items():
        text = str(value)
        if text == "":
            continue
        if _QUOTED.search(text) or not text.isprintable():
            text = json.dumps(text, ensure_ascii=False)  # logfmt quotes as JSON does: escaped quotes, backslashes and controls
        parts.append(f"{key}={text}")
    return " ".join(parts)


def grouped_errors(result: CollectionResult) -> list[tuple]:
    """Errors with the same type and message (a missing secret fails every metric that reads it)
    as one line naming the metrics, in the order they first appear."""
    groups: dict[tuple[str, str], tuple] = {}
    for error in result.errors:
        key = (error.type, error.message)
        if key not in groups:
            groups[key] = (error, [])
        if error.metric:
            groups[key][1].append(error.where or error.metric)
    return list(groups.values())
