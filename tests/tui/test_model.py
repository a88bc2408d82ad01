"""The dashboard's plain-data parts: schedules, the offline rule, formatting, rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from toolkit.engine import CollectorRef
from toolkit.errors import ValuesError
from toolkit.model import CollectionResult, MetricOutcome, Series, next_run
from toolkit.tui import _values as dashboard_values
from toolkit.tui import format as fmt
from toolkit.tui.mode import credential_vars, default_offline
from toolkit.tui.model import CollectorState, filter_rows, metric_rows

NOW = datetime(2026, 1, 15, 9, 31, 20, tzinfo=UTC)


def test_schedules_from_helm_values(tmp_path):
    """The dashboard schedules what the chart deploys: enabled entries (the chart's schema requires
    `enabled`), with `defaults.schedule` for an entry without its own."""
    values = tmp_path / "values.yaml"
    values.write_text(
        "defaults: {schedule: '0 * * * *'}\n"
        "collectors:\n"
        "  a: {enabled: true, schedule: '*/15 * * * *'}\n"
        "  b: {enabled: false, schedule: '*/5 * * * *'}\n"
        "  c: {enabled: true}\n"
        "  d: {enabled: false, schedule: '@hourly'}\n"
    )
    assert dashboard_values(values).schedules() == {"a": "*/15 * * * *", "c": "0 * * * *"}
    assert next_run("*/15 * * * *", NOW) == datetime(2026, 1, 15, 9, 45, tzinfo=UTC)
    assert next_run("@hourly", NOW) == datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    assert next_run("every tuesday", NOW) is None and next_run(None, NOW) is None


def test_a_missing_or_broken_values_file_given_is_an_error(tmp_path):
    with pytest.raises(ValuesError, match="cannot read"):
        dashboard_values(tmp_path / "nope.yaml")
    broken = tmp_path / "values.yaml"
    broken.write_text("collectors: [unclosed\n")
    with pytest.raises(ValuesError, match="not valid YAML"):
        dashboard_values(broken)


def test_a_project_without_a_values_file_has_no_schedules(tmp_path, monkeypatch):
    (tmp_path / "collectors").mkdir()
    (tmp_path / "collectors" / "__init__.py").write_text("")
    monkeypatch.chdir(tmp_path)
    assert dashboard_values(None).schedules() == {}


def test_offline_rule_names_variables_never_values():
    env = {"GITHUB_TOKEN": "placeholder-token", "AWS_PROFILE": " ", "DD_API_KEY": ""}
    assert credential_vars(["github/token"], env) == ["GITHUB_TOKEN"]
    assert default_offline(["github/token"], env) is False
    assert default_offline(["wandb/api-key"], env) is True  # another collector's token does not count
    assert credential_vars([], {"DD_API_KEY_FILE": "/var/run/secrets/datadog/api-key"}) == ["DD_API_KEY_FILE"]


def test_formatting():
    assert [fmt.value(v) for v in (1284.0, 0.1875, 2.5, -3.0)] == ["1,284", "0.188", "2.5", "-3"]
    assert [fmt.duration(s) for s in (None, 0.0004, 0.125, 2.5, 125)] == ["-", "<1ms", "125ms", "2.50s", "2m05s"]
    assert [fmt.change(n, o) for n, o in ((15, 12), (9, 15), (4, 4), (1, None))] == ["+3", "-6", "=", "new"]
    from datetime import timedelta

    assert [fmt.until(NOW + timedelta(seconds=s), NOW) for s in (45, 820, 7500, 200000)] == ["45s", "13m40s", "2h05m", "2d7h"]


def _result(value: float) -> CollectionResult:
    tagged = (Series("x.y.by", value, ("k:a",)), Series("x.y.by", 1.0, ("k:b",)))
    outcomes = [
        MetricOutcome("x.y.total", "count", "gauge", "", "ok", 0.01, value, (Series("x.y.total", value),)),
        MetricOutcome("x.y.by", "count", "gauge", "", "ok", 0.02, None, tagged),
    ]
    return CollectionResult("x", NOW, 0.1, outcomes)


def test_rows_one_per_series_with_change():
    rows = metric_rows(_result(5), _result(3))
    by_key = {r.key: r for r in rows}
    assert by_key["x.y.total"].change == "+2" and by_key["x.y.by{k:a}"].change == "+2" and by_key["x.y.by{k:b}"].change == "="
    assert by_key["x.y.by{k:a}"].tags == "k:a"
    assert [r.key for r in filter_rows(rows, "BY")] == ["x.y.by{k:a}", "x.y.by{k:b}"]
    assert {r.change for r in metric_rows(_result(5))} == {""}  # no previous run, no change


def test_a_collectors_next_run_and_series_count_follow_the_schedule_and_the_last_run(monkeypatch):
    """Both are kept between draws (croniter and the series list are not worked out again for
    every spinner frame), and each is what the schedule and the last run say, at every moment."""
    import toolkit.tui.model as dashboard_model

    calls = []
    monkeypatch.setattr(dashboard_model, "next_run", lambda expression, now: calls.append(now) or next_run(expression, now))
    state = CollectorState(CollectorRef("x", "x.collector", "tests"), schedule="*/15 * * * *")
    moments = [NOW + timedelta(minutes=m) for m in (0, 1, 13.5, 13.66, 15, 16, 29.99, 30, 31)] + [NOW, NOW - timedelta(hours=1)]
    assert [state.next_run(now) for now in moments] == [next_run("*/15 * * * *", now) for now in moments]
    assert len(calls) == 5, calls  # once in each of the three slots the moments reach, and for each step back
    state.schedule = "@hourly"
    assert state.next_run(NOW) == datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    assert CollectorState(CollectorRef("y", "y.collector", "tests")).next_run(NOW) is None

    assert state.series_count == 0
    state.results.append(_result(5))
    assert state.series_count == len(_result(5).series) == 3 + 3  # three series and the meta-metrics
    state.results.append(CollectionResult("x", NOW, 0.1, _result(5).outcomes[:1]))
    assert state.series_count == 1 + 3
