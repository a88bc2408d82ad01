"""The engine: concurrency, deadlines, value rules, errors as data, the result object."""

from __future__ import annotations

import threading
import time

import pytest
from fixtures.sample import metrics as sample_metrics
from fixtures.sample.collector import SampleCollector

from toolkit import BaseCollector, CollectionResult, metric
from toolkit.engine import run_metrics
from toolkit.model import RunContext


@pytest.fixture(scope="module")
def result() -> CollectionResult:
    sample_metrics.release.clear()
    try:
        return SampleCollector().run(timeout=0.3)
    finally:
        sample_metrics.release.set()


def by_name(result: CollectionResult):
    return {o.name: o for o in result.outcomes}


def test_values_and_no_data(result):
    outcomes = by_name(result)
    assert outcomes["sample.items.total"].value == 42.0
    assert outcomes["sample.items.ratio"].value == 12.5
    assert outcomes["sample.items.nothing"].status == "no_data"
    assert "sample.items.nothing" not in result.metrics
    assert result.metrics["sample.items.total"] == 42.0


def test_tagged_series(result):
    series = [s for s in result.tagged_series if s.metric == "sample.items.by_repo"]
    assert {(s.tags, s.value) for s in series} == {(("repo:a/b",), 3.0), (("repo:c/d",), 4.0)}


@pytest.mark.parametrize(
    "name, kind, fragment",
    [
        ("sample.items.nan", "InvalidMetricValue", "NaN"),
        ("sample.items.flag", "InvalidMetricValue", "bool"),
        ("sample.items.text", "InvalidMetricValue", "str"),
        ("sample.items.boom", "RuntimeError", "API said no"),
        ("sample.items.hang", "MetricTimeout", "deadline"),
    ],
)
def test_errors_are_data(result, name, kind, fragment):
    error = by_name(result)[name].error
    assert error is not None and error.type == kind and fragment in error.message
    assert name not in result.metrics and all(s.metric != name for s in result.series)


def test_error_messages_are_redacted(result):
    error = by_name(result)["sample.items.boom"].error
    assert "s3cr3tvalue" not in error.message and "s3cr3tvalue" not in error.traceback


def test_deadline_holds_with_a_hanging_metric():
    sample_metrics.release.clear()
    try:
        began = time.monotonic()
        result = SampleCollector().run(timeout=0.5)
        took = time.monotonic() - began
    finally:
        sample_metrics.release.set()
    assert took < 0.5 + 1.0  # returns at its deadline, not when the hang ends (60 s)
    assert by_name(result)["sample.items.total"].value == 42.0


def test_meta_metrics(result):
    meta = result.meta_metrics
    assert meta["collector.sample.metric_count"] == 3.0  # total, ratio, by_repo
    assert meta["collector.sample.error_count"] == 5.0
    assert meta["collector.sample.duration_seconds"] > 0
    assert result.source_tag == "source:sample-collector"
    assert not result.failed


def test_to_json_shape(result):
    data = result.to_json()
    assert set(data) == {"collector", "metrics", "series", "errors", "duration_seconds", "rate_budgets", "custom_metrics", "window"}
    assert {"metric", "type", "message"} == set(data["errors"][0])


def test_metrics_run_concurrently():
    barrier = threading.Barrier(8, timeout=5)

    def make(i):
        @metric(f"conc.wait.m{i}")
        def wait():
            barrier.wait()  # only passes if all eight run at the same time
            return i

        return metric_specs_of(wait)

    specs = [make(i) for i in range(8)]
    context = RunContext("conc", time.monotonic() + 10, transport=None)  # type: ignore[arg-type]
    result = run_metrics("conc", specs, context, max_workers=8)
    assert [o.value for o in result.outcomes] == [float(i) for i in range(8)]


def test_per_metric_timeout_frees_the_pool():
    stop = threading.Event()

    @metric("pool.slow.hang")
    def hang():
        stop.wait(30)

    @metric("pool.slow.ok")
    def ok():
        return 1

    context = RunContext("pool", time.monotonic() + 5, transport=None)  # type: ignore[arg-type]
    try:
        result = run_metrics("pool", [metric_specs_of(hang), metric_specs_of(ok)], context, max_workers=1, metric_timeout=0.2)
    finally:
        stop.set()
    outcomes = {o.name: o for o in result.outcomes}
    assert outcomes["pool.slow.hang"].error.type == "MetricTimeout"
    assert "0.2s timeout" in outcomes["pool.slow.hang"].error.message
    assert outcomes["pool.slow.ok"].value == 1.0  # a replacement worker ran it
    assert result.duration_seconds < 5


def metric_specs_of(func):
    from toolkit.model import spec_of

    return spec_of(func)


def test_seed_style_subclass_still_works():
    from toolkit import auto_discover_metrics

    class SeedCollector(BaseCollector):
        metrics_module = sample_metrics

        @property
        def name(self) -> str:
            return "seed"

        def collect_metrics(self) -> dict[str, float]:
            collected = {}
            for key, func in auto_discover_metrics(sample_metrics).items():
                if key == "sample.items.hang":
                    continue
                try:
                    value = func()
                    if value is not None:
                        collected[key] = value
                except Exception as e:
                    self._record_error(key, e)
            return collected

    collector = SeedCollector()
    assert collector.source_tag == "source:seed-collector"
    result = collector.run(timeout=5)
    assert result.metrics["sample.items.total"] == 42.0
    assert isinstance(collector._errors["sample.items.boom"], RuntimeError)
    assert "sample.items.nan" in collector._errors  # rejected value, not pushed
    assert "sample.items.nan" not in result.metrics


def test_collect_metrics_default_returns_values_and_fills_errors():
    sample_metrics.release.set()
    collector = SampleCollector()
    values = collector.collect_metrics()
    assert values["sample.items.total"] == 42
    assert "sample.items.boom" in collector._errors
    assert len(collector._errors) == 4  # nan, flag, text, boom


def test_name_defaults_to_package():
    assert SampleCollector.name == "sample"
    assert SampleCollector().metric_specs()[0].name == "sample.items.total"


def test_a_broken_metrics_module_fails_the_collector_not_the_caller():
    class Broken(BaseCollector):
        name = "broken"
        metrics_module = "tests_no_such_module.metrics"

    result = Broken().run(timeout=1)
    assert result.failed and result.fatal.type == "ModuleNotFoundError"


def test_seed_override_calling_super_does_not_recurse():
    sample_metrics.release.set()

    class Wrapping(BaseCollector):
        name = "wrapping"
        metrics_module = sample_metrics

        def collect_metrics(self):
            values = super().collect_metrics()  # the engine, on this run's context
            values["wrapping.extra.value"] = 1
            return values

    result = Wrapping().run(timeout=5)
    assert result.fatal is None
    assert result.metrics["sample.items.total"] == 42.0 and result.metrics["wrapping.extra.value"] == 1.0
    assert "sample.items.boom" in {e.metric for e in result.errors}


def test_seed_loop_past_the_deadline_reports_timeouts_not_no_data():
    stop = threading.Event()

    class SlowLoop(BaseCollector):
        name = "slowloop"
        metrics_module = sample_metrics

        def collect_metrics(self):
            stop.wait(10)
            return {}

    try:
        result = SlowLoop().run(timeout=0.3)
    finally:
        stop.set()
    assert result.fatal.type == "MetricTimeout"
    assert {o.status for o in result.outcomes} == {"error"}
    assert by_name(result)["sample.items.total"].error.type == "MetricTimeout"


def test_metrics_queued_behind_hung_ones_still_start_before_the_deadline():
    """16 hanging metrics fill the 16 workers; the 5 quick ones queued behind them get their share
    of a 2 s deadline, far shorter than the 60 s metric timeout."""
    stop = threading.Event()

    def hanging(i):
        @metric(f"starve.hang.m{i}")
        def hang():
            stop.wait(30)

        return metric_specs_of(hang)

    def quick(i):
        @metric(f"starve.quick.m{i}")
        def ok():
            return i

        return metric_specs_of(ok)

    specs = [hanging(i) for i in range(16)] + [quick(i) for i in range(5)]
    context = RunContext("starve", time.monotonic() + 2, transport=None)  # type: ignore[arg-type]
    try:
        result = run_metrics("starve", specs, context, max_workers=16, metric_timeout=60)
    finally:
        stop.set()
    outcomes = {o.name: o for o in result.outcomes}
    assert [outcomes[f"starve.quick.m{i}"].value for i in range(5)] == [0.0, 1.0, 2.0, 3.0, 4.0]
    hung = [outcomes[f"starve.hang.m{i}"] for i in range(16)]
    assert {o.status for o in hung} == {"error"} and {o.error.type for o in hung} == {"MetricTimeout"}
    assert any("share of the run's deadline" in o.error.message for o in hung)
    assert result.duration_seconds < 5
