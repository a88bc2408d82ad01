"""Live reload: saving a collector's files while the dashboard runs re-imports and re-runs it.

The collector is written into a temporary package (the shape `dd-toolkit new` scaffolds:
collector.py beside metrics.py) and edited the way an editor saves; the real watcher
(watchfiles) sees the save. Tests wait on the app's state, bounded by a deadline, never on
a fixed sleep.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid

import pytest
from fixtures.dashboard import SIZE, VALUES, FakeClock, cells, errors_in_step

from toolkit.engine import CollectorRef
from toolkit.tui import create_app
from toolkit.tui.reload import forget
from toolkit.tui.widgets import CollectorList, ErrorsPanel, MetricsTable

WAIT = 20.0  # a bound for a loaded CI machine; the bench measures the real latency

COLLECTOR = '''from toolkit import BaseCollector


class WorkbenchCollector(BaseCollector):
    """Edited by the live-reload tests."""
'''

METRICS = '''from toolkit import metric


@metric("workbench.edit.answer", unit="count")
def answer():
    """The value the test edits."""
    return {value}
'''


@pytest.fixture
def workbench(tmp_path):
    """A collector package on sys.path; yields (ref, metrics.py path)."""
    package = f"workbench_{uuid.uuid4().hex[:8]}"
    root = tmp_path / package
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "collector.py").write_text(COLLECTOR)
    (root / "metrics.py").write_text(METRICS.format(value=41))
    sys.path.insert(0, str(tmp_path))
    try:
        yield CollectorRef("workbench", f"{package}.collector", "tests"), root / "metrics.py"
    finally:
        sys.path.remove(str(tmp_path))
        forget(package)


def save(path, text: str) -> None:
    """Write and rename into place, as most editors save."""
    tmp = path.with_suffix(".py.tmp")
    tmp.write_text(text)
    tmp.replace(path)


async def wait_until(pilot, predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {WAIT:g}s waiting for {what}")
        await pilot.pause(0.02)  # hands the loop to the app; the watcher thread runs meanwhile


async def first_run(pilot) -> None:
    """The run on start is back (the watcher's worker never completes, so no wait_for_complete)."""
    state = pilot.app.states["workbench"]
    assert state.load_error is None, state.load_error
    # drawn, not only stored: results are rendered in batches, a moment after they arrive
    await wait_until(pilot, lambda: state.results and not state.running and not pilot.app.render_pending, "the first run")
    await wait_until(pilot, lambda: pilot.app.watcher is not None and pilot.app.watcher.ready.is_set(), "the watcher")


def app_for(ref, **kwargs):
    kwargs.setdefault("offline", False)  # the workbench makes no HTTP calls and has no cassettes
    return create_app([ref], values=VALUES, clock=FakeClock(), run_on_start=True, timeout=30, **kwargs)


def value_of(app) -> str:
    table = app.query_one(MetricsTable)
    return cells(table, "workbench.edit.answer")[1] if "workbench.edit.answer" in table.rows else ""


def test_saving_a_new_return_value_reruns_with_the_new_value(workbench):
    ref, metrics_py = workbench
    app = app_for(ref, reload=True)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await first_run(pilot)
            assert value_of(app) == "41"
            save(metrics_py, METRICS.format(value=42))
            await wait_until(pilot, lambda: value_of(app) == "42", "the edited value")
            assert cells(app.query_one(MetricsTable), "workbench.edit.answer")[6] == "+1"  # against the run before the edit
            assert len(app.states["workbench"].results) == 2

    asyncio.run(scenario())


BROKEN_EDITS = {
    "SyntaxError": METRICS.format(value=41).replace("def answer():", "def answer(:"),
    "MetricDefinitionError": METRICS.format(value=41).replace('"workbench.edit.answer"', '"answer"'),
}


@pytest.mark.parametrize("error", sorted(BROKEN_EDITS))
def test_a_broken_edit_keeps_stale_values_and_fixing_it_recovers(workbench, error):
    ref, metrics_py = workbench
    app = app_for(ref, reload=True)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await first_run(pilot)
            assert value_of(app) == "41"
            save(metrics_py, BROKEN_EDITS[error])
            state = app.states["workbench"]
            await wait_until(pilot, lambda: state.reload_error is not None, "the reload error")
            await wait_until(pilot, lambda: errors_in_step(app), "the errors panel to show it")
            assert state.reload_error.type == error
            assert "metrics.py" in state.reload_error.traceback
            assert value_of(app) == "41 stale"  # the previous value, marked in words
            assert "stale" in str(app.query_one(MetricsTable).border_title)
            assert str(app.query_one(CollectorList).get_row("workbench")[1]) == "edit failed"
            titles = app.query_one(ErrorsPanel).titles
            assert len(titles) == 1 and titles[0].startswith("edit failed to load") and error in titles[0]

            save(metrics_py, METRICS.format(value=43))
            await wait_until(pilot, lambda: value_of(app) == "43", "the fixed value")
            await wait_until(pilot, lambda: errors_in_step(app), "the errors panel to clear")
            assert state.reload_error is None
            assert app.query_one(ErrorsPanel).titles == []
            assert cells(app.query_one(MetricsTable), "workbench.edit.answer")[6] == "+2"

    asyncio.run(scenario())


def test_a_renamed_metric_function_is_gone_after_the_reload(workbench):
    """No leak: the old module's function is not run, its declaration is not listed."""
    ref, metrics_py = workbench
    app = app_for(ref, reload=True)
    renamed = METRICS.format(value=7).replace('"workbench.edit.answer"', '"workbench.edit.renamed"')

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await first_run(pilot)
            save(metrics_py, renamed)
            table = app.query_one(MetricsTable)
            await wait_until(pilot, lambda: "workbench.edit.renamed" in table.rows, "the renamed metric")
            assert "workbench.edit.answer" not in table.rows
            assert [s.name for s in app.states["workbench"].specs] == ["workbench.edit.renamed"]
            assert [o.name for o in app.states["workbench"].last.outcomes] == ["workbench.edit.renamed"]

    asyncio.run(scenario())


def test_no_reload_does_not_watch(workbench):
    ref, _ = workbench
    app = app_for(ref, reload=False)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            state = app.states["workbench"]
            await wait_until(pilot, lambda: state.results and not state.running, "the first run")
            assert app.watcher is None
            assert not [w for w in app.workers if w.group == "watch"]

    asyncio.run(scenario())


def test_a_broken_edit_shows_its_cause_and_fix_on_a_small_terminal(workbench):
    """At 80x24 the failed reload's error is open from the start: its cause and the line to fix
    are on screen, above the traceback (not the stale values alone)."""
    ref, metrics_py = workbench
    app = app_for(ref, reload=True)

    async def scenario():
        async with app.run_test(size=(80, 24)) as pilot:
            await first_run(pilot)
            save(metrics_py, BROKEN_EDITS["SyntaxError"])
            state = app.states["workbench"]
            await wait_until(pilot, lambda: state.reload_error is not None and errors_in_step(app), "the reload error")
            panel = app.query_one(ErrorsPanel)
            # laid out: the panel's first layout may place the cause before its width settles (a
            # transient scrollbar), so wait for it inside the panel, bounded like every wait here
            await wait_until(pilot, lambda: any(c.region.height and panel.scrollable_content_region.contains_region(c.region)
                                                for c in panel.query(".cause")), "the cause laid out inside the panel")
            (cause,) = panel.query(".cause")
            lines = str(cause.render()).splitlines()
            assert lines[0].startswith("SyntaxError: ")
            assert lines[1].startswith("fix: ") and "metrics.py line 5" in lines[1] and lines[1].endswith(", then save (it reloads)")
            # on screen: inside the panel's visible part, and the whole width of it
            assert panel.scrollable_content_region.contains_region(cause.region)
            assert cause.region.y < panel.query_one(".traceback").region.y
            assert not len(app._notifications)  # no toast over it: the panel says it all

    asyncio.run(scenario())
