"""The dashboard app: layout, keys, and the hand-off between worker threads and widgets.

State lives in ``model.CollectorState`` objects; widgets render them. Collecting happens only in
thread workers calling the same engine entry point as ``dd-toolkit run``
(``toolkit.engine.run_collector``), which post a ``RunFinished`` message back to the UI thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input
from textual.worker import get_current_worker

from ..datadog import PushSettings, push
from ..errors import SettingsError
from ..model import CollectionResult, redact, schedule_period, settings
from . import format as fmt
from .details import display_settings, http_text, metric_facts, payload_text
from .messages import PushFinished, Reloaded, RunFinished, SourcesChanged
from .model import CollectorState, filter_rows, totals
from .reload import Watcher, forget, package_of
from .runs import Cancelled, Turns, call_abandonable
from .widgets import (
    CollectorList,
    ConfirmScreen,
    DetailPanel,
    ErrorsPanel,
    FilterBar,
    KeyFooter,
    MetricsTable,
    StatusHeader,
    TrendPanel,
)
from .widgets.detail_panel import HTTP, PAYLOAD

Runner = Callable[..., CollectionResult]

# Results arriving closer together than this are drawn in one go ("run all" of many collectors
# would otherwise redraw the table once per result, and a key waits behind every redraw).
RENDER_EVERY = 0.1  # seconds
# An offline replay waits this long at most for the one before it to finish (runs.Turns).
REPLAY_PATIENCE = 0.5  # seconds


class Key(NamedTuple):
    key: str
    action: str
    label: str  # the footer's
    title: str  # the command palette's
    help: str


# One list feeds the footer and the command palette.
KEYS = [
    Key("r", "run_selected", "Run", "Run selected collector", "Run the highlighted collector now"),
    Key("R", "run_all", "Run all", "Run all collectors", "Run every collector now, each in its own worker (offline replays take turns)"),
    Key("a", "toggle_auto", "Auto", "Toggle auto-refresh", "Run each collector on its Helm schedule (or every N s with --every)"),
    Key("slash", "filter", "Filter", "Filter metrics", "Filter the metrics table by metric name"),
    Key("o", "toggle_mode", "Offline/live", "Switch offline/live", "Switch between offline replay (cassettes) and live collecting"),
    Key("p", "push", "Push", "Push to Datadog", "Push the selected collector's last result to Datadog (asks first)"),
    Key("c", "copy_name", "Copy name", "Copy metric name", "Copy the highlighted metric's name to the clipboard"),
    Key("j", "show_payload", "Payload", "Show what a push sends", "Show the JSON a push would send for the highlighted metric (again: hide)"),
    Key("h", "show_http", "HTTP", "Show the HTTP requests", "Show the HTTP requests the highlighted metric made in the last run (again: hide)"),
    Key("y", "copy_payload", "Copy JSON", "Copy the payload JSON", "Copy the JSON a push would send for the highlighted metric"),
    Key("q", "quit", "Quit", "Quit", "Quit the dashboard"),
]
# Every panel is reachable by Tab and by its own key (not in the footer: it would crowd 80 columns).
PANEL_KEYS = [("1", "collectors"), ("2", "metrics"), ("3", "detail"), ("4", "errors")]


class DashboardApp(App[None]):
    CSS_PATH = "dashboard.tcss"
    TITLE = "dd-toolkit dashboard"
    BINDINGS = [Binding(k.key, k.action, k.label, tooltip=k.help) for k in KEYS] + [
        Binding(key, f"focus_panel('{panel}')", f"Focus {panel}", show=False) for key, panel in PANEL_KEYS
    ]

    def __init__(
        self,
        states: list[CollectorState],
        *,
        offline: bool,
        runner: Runner,
        timeout: float | None = None,
        every: float | None = None,
        clock: Callable[[], datetime] | None = None,
        run_on_start: bool = True,
        reload: bool = False,
    ) -> None:
        super().__init__()
        self.states = {s.name: s for s in states}
        self.offline = offline
        self.runner = runner
        self.timeout = timeout
        self.every = every
        self.clock = clock or (lambda: datetime.now(UTC))
        self.run_on_start = run_on_start
        self.reload = reload
        self.watcher: Watcher | None = None
        self.detail: str | None = None  # "payload" or "http" while the detail panel is open
        self.rerun_after: set[str] = set()  # edited while running: run again when that run returns
        self.auto_run = every is not None  # dev mode starts refreshing; schedules wait for `a`
        self.due: dict[str, datetime] = {}
        self._frame = 0
        self._render_timer = None  # a batch of results waiting to be drawn
        self._render_selected = False  # ... and one of them is the highlighted collector's
        self.replay_turns = Turns(REPLAY_PATIENCE)  # offline runs take turns (live ones wait on the network)

    # --- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        with Horizontal(id="body"):
            yield CollectorList(id="collectors")
            with Vertical(id="main"):
                yield FilterBar(id="filter")
                yield MetricsTable(id="metrics")
                yield TrendPanel(id="trend")
                yield DetailPanel(id="detail")
        yield ErrorsPanel(id="errors")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(FilterBar).display = False
        self.query_one(DetailPanel).display = False
        self.query_one(CollectorList).border_title = "collectors"
        self._spinner = self.set_interval(0.1, self._spin, pause=True)
        self.set_interval(1.0, self.tick)
        self.query_one(CollectorList).focus()
        if self.auto_run:
            self._plan_all()
        self.refresh_all()
        if not self.states:
            self.notify("no collectors found: add one under collectors/ (see `dd-toolkit list`)", severity="warning", timeout=30)
        if self.run_on_start:
            self.action_run_all()
        if self.reload:
            self._start_watching()

    def on_unmount(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()

    def on_resize(self, event: events.Resize) -> None:
        """Small terminals: shorter errors and trend, and the collector list's lesser columns give
        way (the metrics table fits its own columns to its width when it is resized).

        The event's size, not ``self.size``: this handler can run before the app has taken the
        new size, and the layout would follow the terminal one resize late."""
        if not self.showing:
            return
        width, height = event.size
        self.screen.set_class(height < 32, "-short")
        self.screen.set_class(width < 110, "-narrow")
        if self.query_one(CollectorList).set_narrow(width < 110):
            self.query_one(CollectorList).show(list(self.states.values()), self.clock(), self._frame)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for key in KEYS:
            if key.action != "quit":  # the base class already offers Quit
                yield SystemCommand(key.title, key.help, getattr(self, f"action_{key.action}"))

    # --- rendering --------------------------------------------------------------------------
    @property
    def selected(self) -> CollectorState | None:
        if not self.showing:
            return None
        name = self.query_one(CollectorList).selected
        return self.states.get(name) if name else None

    @property
    def showing(self) -> bool:
        """False once the app shuts down: its screen's widgets are gone before its timers stop and
        before its last messages are handled, so a tick or a late result must not render."""
        return self.is_running

    def refresh_all(self) -> None:
        self.refresh_list()
        self.refresh_selected()

    def refresh_list(self) -> None:
        if not self.showing:
            return
        self.query_one(CollectorList).show(list(self.states.values()), self.clock(), self._frame)
        self.refresh_header()

    def refresh_header(self) -> None:
        if not self.showing:
            return
        if self.auto_run:
            auto = f"every {self.every:g}s" if self.every else "on schedule"
        else:
            auto = "off"
        self.query_one(StatusHeader).show(
            offline=self.offline,
            api_key_set=bool(settings().api_key),
            totals=totals(list(self.states.values())),
            auto_refresh=auto,
        )

    def refresh_selected(self) -> None:
        """The metrics, the trend and the errors of the highlighted collector."""
        if not self.showing:
            return
        state = self.selected
        self.refresh_table()
        self.query_one(ErrorsPanel).show(state.name if state else None, state.errors if state else [],
                                            load_failed=bool(state and state.load_error), reload_failed=bool(state and state.reload_error),
                                            requests=state.last.requests if state and state.last else (), reloads=self.reload)

    def refresh_table(self) -> None:
        if not self.showing:
            return
        state = self.selected
        table = self.query_one(MetricsTable)
        text = self.query_one(FilterBar).value
        table.show(filter_rows(state.rows(), text) if state else [])
        narrow = self.query_one(CollectorList).narrow
        title = (state.name if narrow else f"metrics · {state.name}") if state else "metrics"
        if state and state.last is not None:
            title += (" (replay)" if narrow else " (offline replay)") if state.last.offline else " (live)"
        if state and state.last is not None:
            title += self._window_facts(state.last, narrow)
        if state and state.stale:
            title += " · stale: the edit failed to load"
        if state and narrow:  # the collector list's columns that gave way
            title += self._narrow_facts(state)
        if text.strip():
            title += f" · filter: {text.strip()}"
        if str(table.border_title) != title:  # setting it redraws the table even when it is the same
            table.border_title = title
        self.refresh_trend()

    @staticmethod
    def _window_facts(result: CollectionResult, narrow: bool) -> str:
        """The window the last run belongs to (every point is stamped at its end), and the past
        windows it could not catch up, if any (docs/metrics.md, "Windows"). Narrow: the times only,
        so the took and next that gave way still fit."""
        if result.window is None:
            return ""
        facts = f" · {'' if narrow else 'window '}{fmt.window(result.window.start, result.window.end)}"
        missed = result.windows_missed
        if missed:
            facts += f" · {len(missed)} window{'s' if len(missed) != 1 else ''} not caught up (from {fmt.window(missed[0].start, missed[0].end)})"
        return facts

    def _narrow_facts(self, state) -> str:
        """The last run's duration and the next run's time: the collector list shows no room for them."""
        facts = f" · took {fmt.duration(state.last.duration_seconds)}" if state.last is not None else ""
        when = state.next_run(self.clock())
        return facts + (f" · next {when.astimezone():%H:%M}" if when is not None else "")

    def refresh_trend(self) -> None:
        if not self.showing:
            return
        state = self.selected
        key = self.query_one(MetricsTable).highlighted_key
        self.query_one(TrendPanel).show(key, state.history(key) if state and key else [])
        self.refresh_detail()

    def refresh_detail(self) -> None:
        if not self.showing:
            return
        panel = self.query_one(DetailPanel)
        panel.display = self.detail is not None
        if self.detail is None:
            return
        state = self.selected
        metric = self.highlighted_metric
        what = "what a push sends" if self.detail == PAYLOAD else "HTTP in the last run"
        if state is None or metric is None:
            panel.show(what, "no metric highlighted")
        elif state.last is None:
            panel.show(f"{what} · {metric}", "no run yet: press r to run the collector")
        elif self.detail == PAYLOAD:
            interval = schedule_period(state.schedule) if state.schedule else None  # what the push takes from the values
            text = payload_text(state.last, metric, display_settings(settings()), interval)
            spec = next((s for s in state.specs if s.name == metric), None)
            facts = metric_facts(state.last, metric, spec, state.budget)
            panel.show(f"{what} · {metric} · {facts} (y: copy)", text)
        else:
            panel.show(f"{what} · {metric}", http_text(state.last, metric))

    @property
    def highlighted_metric(self) -> str | None:
        key = self.query_one(MetricsTable).highlighted_key
        return key.split("{", 1)[0] if key is not None else None

    def _spin(self) -> None:
        self._frame += 1
        self.refresh_list()

    def tick(self) -> None:
        """Every second: refresh "next run" times and start collectors that are due."""
        now = self.clock()
        if self.auto_run:
            for name, when in list(self.due.items()):
                state = self.states[name]
                if now >= when and not state.running:
                    self.start_run(state)
                    self._plan(state, now)
        self.refresh_list()

    def _plan(self, state: CollectorState, now: datetime) -> None:
        when = now + timedelta(seconds=self.every) if self.every else state.next_run(now)
        if when is None:
            self.due.pop(state.name, None)
        else:
            self.due[state.name] = when

    def _plan_all(self) -> None:
        now = self.clock()
        for state in self.states.values():
            if state.load_error is None:
                self._plan(state, now)

    # --- events -----------------------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#collectors")
    def _collector_highlighted(self) -> None:
        self.refresh_selected()

    @on(DataTable.RowHighlighted, "#metrics")
    def _metric_highlighted(self) -> None:
        self.refresh_trend()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self.refresh_table()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(MetricsTable).focus()

    def on_run_finished(self, message: RunFinished) -> None:
        state = self.states[message.collector]
        state.running = False
        state.results.append(message.result)
        if state.name in self.rerun_after:
            self.rerun_after.discard(state.name)
            self.start_run(state)
        if not any(s.running for s in self.states.values()):
            self._spinner.pause()
        self._render_soon(selected=self.selected is state)

    def _render_soon(self, *, selected: bool) -> None:
        """Draw the state (already updated) at the end of the current batch of results."""
        self._render_selected |= selected
        if self._render_timer is None:
            self._render_timer = self.set_timer(RENDER_EVERY, self._render_batch)

    def _render_batch(self) -> None:
        self._render_timer = None
        selected, self._render_selected = self._render_selected, False
        self.refresh_list()
        if selected:
            self.refresh_selected()

    @property
    def render_pending(self) -> bool:
        """Results are stored but not drawn yet (tests wait for this to clear)."""
        return self._render_timer is not None

    # --- live reload ------------------------------------------------------------------------
    def _start_watching(self) -> None:
        packages = [p for p in (package_of(s.ref) for s in self.states.values()) if p is not None]
        if not packages:
            return
        self.watcher = Watcher(packages, lambda names: self.post_message(SourcesChanged(names)))
        self._watch(self.watcher)

    @work(thread=True, group="watch", exit_on_error=False)
    def _watch(self, watcher: Watcher) -> None:
        watcher.run()

    def on_sources_changed(self, message: SourcesChanged) -> None:
        for name in message.collectors:
            self._reimport(name)

    @work(thread=True, group="reload", exit_on_error=False)
    def _reimport(self, name: str) -> None:
        """Forget the collector's modules (old metric functions, old declarations) and import it anew."""
        from ..engine import describe

        state = self.states[name]
        package = package_of(state.ref)
        if package is not None:
            forget(package.name)
        self.post_message(Reloaded(name, describe(state.ref)))

    def on_reloaded(self, message: Reloaded) -> None:
        state = self.states[message.collector]
        state.reloaded(message.described)
        if state.load_error is None and state.reload_error is None:
            if state.running:
                self.rerun_after.add(state.name)
            else:
                self.start_run(state)
        elif self.selected is not state:  # the selected one's errors panel shows it open: a toast would cover it
            self.notify(f"{state.name}: the edit does not load; select it to see why (values shown are stale)", severity="error", timeout=6)
        self.refresh_list()
        if self.selected is state:
            self.refresh_selected()

    def on_push_finished(self, message: PushFinished) -> None:
        self.notify(message.summary, title=f"push · {message.collector}", severity="information" if message.ok else "error", timeout=8)

    # --- collecting -------------------------------------------------------------------------
    def start_run(self, state: CollectorState, *, refresh: bool = True) -> bool:
        if state.running or state.load_error is not None or state.reload_error is not None:
            return False
        state.running = True
        self._spinner.resume()
        self._collect(state.name, self.offline)
        if refresh:
            self.refresh_list()
        return True

    @work(thread=True, group="collect", exit_on_error=False)
    def _collect(self, name: str, offline: bool) -> None:
        worker = get_current_worker()
        ref, schedule = self.states[name].ref, self.states[name].schedule
        try:
            with self.replay_turns.turn(lambda: worker.is_cancelled) if offline else nullcontext():
                # the schedule: the run's window is its last closed slot, as in the CronJob (model/window.py)
                result = call_abandonable(lambda: self.runner(ref, timeout=self.timeout, offline=offline, schedule=schedule),
                                          lambda: worker.is_cancelled)
        except Cancelled:
            return
        except Exception as exc:  # run_collector never raises; a custom runner might
            result = CollectionResult.could_not_run(name, exc, offline=offline)
        self.post_message(RunFinished(name, result))

    def action_run_selected(self) -> None:
        state = self.selected
        if state is None:
            return
        if state.load_error is not None or state.reload_error is not None:
            fix = "fix it and save: the dashboard reloads it" if self.reload else "fix it and restart the dashboard"
            self.notify(f"{state.name} does not load; {fix}", severity="error")
        elif not self.start_run(state):
            self.notify(f"{state.name} is already running")

    def action_run_all(self) -> None:
        started = [self.start_run(state, refresh=False) for state in self.states.values()]
        if any(started):  # the list drawn once for all of them
            self.refresh_list()

    def action_toggle_auto(self) -> None:
        self.auto_run = not self.auto_run
        self.due.clear()
        if self.auto_run:
            self._plan_all()
            if not self.due:
                self.notify("no collector has a schedule in the Helm values; use --every N for a dev interval", severity="warning")
        self.refresh_header()

    def action_toggle_mode(self) -> None:
        self.offline = not self.offline
        self.refresh_header()
        self.notify("offline replay: cassettes, no credentials" if self.offline else "live: real APIs with your credentials", title="mode")

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def action_focus_panel(self, panel: str) -> None:
        if panel == "detail" and self.detail is None:
            self._toggle_detail(PAYLOAD)
        self.query_one(f"#{panel}").focus()

    def _toggle_detail(self, which: str) -> None:
        self.detail = None if self.detail == which else which
        self.refresh_detail()

    def action_show_payload(self) -> None:
        self._toggle_detail(PAYLOAD)

    def action_show_http(self) -> None:
        self._toggle_detail(HTTP)

    def action_copy_payload(self) -> None:
        state, metric = self.selected, self.highlighted_metric
        if state is None or metric is None or state.last is None:
            self.notify("nothing to copy: run the collector first (r)", severity="warning")
            return
        interval = schedule_period(state.schedule) if state.schedule else None
        self.copy_to_clipboard(payload_text(state.last, metric, display_settings(settings()), interval))
        self.notify(f"copied the payload of {metric}")

    def action_copy_name(self) -> None:
        table = self.query_one(MetricsTable)
        key = table.highlighted_key
        if key is None:
            return
        name = key.split("{", 1)[0]
        self.copy_to_clipboard(name)
        self.notify(f"copied {name}")

    # --- pushing ----------------------------------------------------------------------------
    def action_push(self) -> None:
        state = self.selected
        if state is None or state.last is None:
            self.notify("nothing to push: run the collector first (r)", severity="warning")
            return
        result = state.last
        if result.offline:
            self.notify("this result is an offline replay of recorded data and is not pushed; switch to live (o) and run again", severity="warning")
            return
        try:
            # the dashboard's own wording: "run without --push" would name the CLI's flag
            settings().require("DD_API_KEY", purpose="export it and start the dashboard again to push")
            push_settings = PushSettings.from_settings(settings())
        except SettingsError as exc:
            self.notify(redact(str(exc)), title="push", severity="error")
            return
        endpoint = re.sub(r"//[^/@]*@", "//***@", redact(push_settings.endpoint))  # a proxy URL may carry user:password
        question = f"Push {result.series_count} series of {state.name} (run of {result.started_at:%H:%M:%S} UTC) to {endpoint}?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._push(state.name, result, push_settings)
            else:
                self.notify("push cancelled")

        self.push_screen(ConfirmScreen(question), answered)

    @work(thread=True, group="push", exit_on_error=False)
    def _push(self, name: str, result: CollectionResult, push_settings: PushSettings) -> None:
        try:
            report = push([result], push_settings)
            self.post_message(PushFinished(name, report.ok, report.summary()))
        except Exception as exc:  # a bug or a setting the client rejects: say so, keep running
            self.post_message(PushFinished(name, False, redact(f"push failed: {type(exc).__name__}: {exc}")))
