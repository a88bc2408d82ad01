"""The human listing of ``dd-toolkit run``: the seed's "Collected N metrics", as a table."""

from __future__ import annotations

from rich.markup import escape

from ..model import ERROR, NO_DATA, CollectionResult, redact
from ._common import stdout_console


def format_value(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.3f}"


def print_results(results: list[CollectionResult], *, verbose: bool = False, pushing: bool = False) -> None:
    from rich.table import Table

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
        table = Table("metric", "value", "unit", "tags", "time", "custom", box=None, pad_edge=False)
        for o in result.outcomes:
            took = f"{o.duration_seconds * 1000:.0f} ms"
            custom = str(counts[o.name].custom_metrics) if o.name in counts else ""
            if o.status == ERROR:
                table.add_row(o.name, "[red]error[/]", o.unit, "", took, custom)
            elif o.status == NO_DATA:
                table.add_row(o.name, "[dim]no data[/]", o.unit, "", took, "")
            elif o.type == "distribution":
                samples = sum(len(s.values) for s in o.series)
                table.add_row(o.name, f"{samples} values", o.unit, f"{len(o.series)} tag set(s)", took, custom)
                if verbose:
                    for s in o.series:
                        table.add_row("", f"{len(s.values)} values", "", escape(redact(",".join(s.tags))), "", "")
            elif o.value is not None:
                table.add_row(o.name, format_value(o.value), o.unit, "", took, custom)
            else:
                total = sum(s.value for s in o.series)
                table.add_row(o.name, f"{len(o.series)} series", o.unit, f"sum {format_value(total)}", took, custom)
                if verbose:
                    for s in o.series:
                        table.add_row("", format_value(s.value), "", escape(redact(",".join(s.tags))), "", "")
        for name, value in result.meta_metrics.items():
            table.add_row(f"[dim]{name}[/]", f"[dim]{format_value(value)}[/]", "", "", "", "[dim]1[/]")
        console.print(table)
        for error, metrics in grouped_errors(result):
            where = ", ".join(metrics) if metrics else result.collector
            console.print(f"  [red]✗ {escape(where)}: {error.type}: {escape(error.message)}[/]", soft_wrap=True)
            if verbose and error.traceback:
                console.print(error.traceback, markup=False)


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
