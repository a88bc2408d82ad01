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
        console.print(
            f"[bold]{result.collector}[/]{mode}: collected {result.metric_count} metrics, "
            f"{result.error_count} errors in {result.duration_seconds:.2f}s"
            + ("" if pushing else " (dry run: nothing sent; --push to send)"),
            soft_wrap=True,  # one line per collector, whatever the terminal's width
        )
        table = Table("metric", "value", "unit", "tags", "time", box=None, pad_edge=False)
        for o in result.outcomes:
            took = f"{o.duration_seconds * 1000:.0f} ms"
            if o.status == ERROR:
                table.add_row(o.name, "[red]error[/]", o.unit, "", took)
            elif o.status == NO_DATA:
                table.add_row(o.name, "[dim]no data[/]", o.unit, "", took)
            elif o.value is not None:
                table.add_row(o.name, format_value(o.value), o.unit, "", took)
            else:
                total = sum(s.value for s in o.series)
                table.add_row(o.name, f"{len(o.series)} series", o.unit, f"sum {format_value(total)}", took)
                if verbose:
                    for s in o.series:
                        table.add_row("", format_value(s.value), "", escape(redact(",".join(s.tags))), "")
        for name, value in result.meta_metrics.items():
            table.add_row(f"[dim]{name}[/]", f"[dim]{format_value(value)}[/]", "", "", "")
        console.print(table)
        for error in result.errors:
            console.print(f"  [red]✗ {escape(error.where or result.collector)}: {error.type}: {escape(error.message)}[/]", soft_wrap=True)
            if verbose and error.traceback:
                console.print(error.traceback, markup=False)
