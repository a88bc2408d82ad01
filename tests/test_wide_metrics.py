"""A wide metric's fast check (toolkit/engine/outcome.py ``_plain_series``) decides exactly as the
item-by-item value and tag rules do: the same series, or the same error, for every mapping."""

from __future__ import annotations

import random
from decimal import Decimal
from types import MappingProxyType

from toolkit.engine import outcome_for
from toolkit.model import MetricSpec

SPEC = MetricSpec(name="wide.metric", unit="count", type="gauge", description="", function=lambda: None)
GOOD = ["host:a", "host:b-1", "shard:1", "shard:22", "team:platform", "env:prod", "region:eu/west.1", "canary", "k:v:w"]
BAD = ["Host:a", "host:", "host:a_", "host:a__b", "host:a b", "host:a\nb", "1host:a", "_x:y", "host:" + "x" * 200,
       "host:" + "x" * 195, "é:1", "host:é", "host:É", ""]
NUMBERS = [0, 1, -3, 2.5, 1e300, 10**400, float("nan"), float("inf"), True, None, Decimal("1.5"), "7", ValueError("boom")]


def both(mapping: dict) -> tuple:
    """(fast, item by item): each the outcome's status, series, error message and item errors."""
    found = []
    for value in (mapping, MappingProxyType(mapping)):  # a proxy is no dict: the item-by-item path
        o = outcome_for(SPEC, value, None, 0.0)
        found.append((o.status, o.series, o.error and o.error.message, [e.message for e in o.item_errors]))
    return tuple(found)


def key(rng: random.Random, i: int, shape: list[str], bad: float):
    tags = []
    for name in shape:
        if rng.random() < bad:
            tags.append(rng.choice(BAD + GOOD))
        else:
            tags.append(name if ":" not in name else f"{name.split(':')[0]}:v{i}")
    if rng.random() < bad:
        rng.shuffle(tags)
    if rng.random() < bad / 2:
        tags.append(tags[0])  # a repeated tag
    return tags[0] if len(shape) == 1 and rng.random() < 0.5 else tuple(tags)


def test_the_fast_check_agrees_with_the_rules_on_random_mappings():
    rng = random.Random(24)
    for case in range(400):
        shape = rng.sample(["host:x", "shard:x", "team:x", "canary", "env:x", "k:v:w"], rng.randint(1, 3))
        bad = rng.choice([0.0, 0.0, 0.001, 0.05, 0.3])
        mapping = {}
        for i in range(rng.randint(1, 300)):
            number = rng.choice(NUMBERS) if rng.random() < bad else rng.choice([i, i * 0.5])
            mapping[key(rng, i, shape, bad)] = number
        fast, slow = both(mapping)
        assert fast == slow, (case, mapping)


def test_edge_keys_agree():
    cases = [
        {("host:a", "shard:1"): 1, ("shard:1", "host:a"): 2},  # one tag set twice, in two orders
        {"host:a": 1, ("host:a",): 2},  # one tag, as a string and as a tuple
        {("host:a", "host:b"): 1, ("host:b", "host:a"): 2},  # a name twice in the shape
        {("host:a",): 1, ("host:b", "shard:1"): 2},  # two shapes
        {("host:a", "shard:1"): 1, ("host:b", 5): 2},  # a tag that is no string
        {(): 1},
        {("host:a shard:1",): 1, ("host:b shard:2",): 2},  # a space inside a tag
        {"host:a\nhost:b": 1, "host:c": 2},  # a newline inside a tag
        {("canary", "host:a"): 1, ("canary", "host:b"): 2},  # a tag without a value, kept
        {("canary", "host:a"): 1, ("beta", "host:b"): 2},
        {"host:" + "x" * 195: 1, "host:" + "y" * 196: 2},  # the 200-character cap
        {("a" * 150 + ":" + "b" * 49,): 1, ("a" * 150 + ":" + "b" * 50,): 2},
        {("host:a",): 10**400},
        {("host:a",): True},
    ]
    for mapping in cases:
        fast, slow = both(mapping)
        assert fast == slow, mapping


def test_a_wide_metric_keeps_every_value_and_tag():
    mapping = {(f"host:h{i % 7}", f"shard:{i}"): float(i) for i in range(50_000)}
    o = outcome_for(SPEC, mapping, None, 0.0)
    assert [(s.tags, s.value) for s in o.series] == [(k, v) for k, v in mapping.items()]
    assert "twice" in outcome_for(SPEC, {**mapping, ("shard:3", "host:h3"): 1.0}, None, 0.0).error.message


def test_made_series_equal_the_dataclass_s():
    from toolkit.model import Series, series_maker

    made = series_maker("a.b", "second", "rate", 60)(2.5, ("x:1",))
    assert made == Series("a.b", 2.5, ("x:1",), "second", "rate", interval=60)
    assert repr(made) == repr(Series("a.b", 2.5, ("x:1",), "second", "rate", interval=60))


def test_a_wide_metric_is_held_as_columns_that_read_as_its_series():
    """The usual wide metric keeps the returned keys and values (no Series each, toolkit.model.SeriesColumn),
    and reads as the tuple of Series the item-by-item path makes: equal, sliced, indexed, added, shown."""
    from toolkit.model import SeriesColumn

    mapping = {(f"host:h{i % 7}", f"shard:{i}"): float(i) for i in range(1_000)}
    column = outcome_for(SPEC, mapping, None, 0.0).series
    series = outcome_for(SPEC, MappingProxyType(mapping), None, 0.0).series
    assert type(column) is SeriesColumn and type(series) is tuple
    assert all(held is key for held, key in zip(column.tags, mapping, strict=True))  # the caller's tuples, not copies
    assert column == series and series == column and column != list(series) and tuple(column) == series
    assert (column[0], column[-1], column[500]) == (series[0], series[-1], series[500])
    assert type(column[10:20]) is SeriesColumn and column[10:20] == series[10:20] and column[::-3] == series[::-3]
    assert repr(column[:3]) == repr(series[:3]) and hash(column[:3]) == hash(series[:3])
    assert list(reversed(column)) == list(reversed(series)) and series[7] in column and column.index(series[9]) == 9
    assert series[:2] + column[2:4] == column[:2] + series[2:4] == series[:4]
    singles = outcome_for(SPEC, {f"shard:{i}": i for i in range(5)}, None, 0.0).series
    assert type(singles) is SeriesColumn and singles == outcome_for(SPEC, MappingProxyType({f"shard:{i}": i for i in range(5)}), None, 0.0).series


def test_a_column_with_more_of_its_metric_s_series_stays_a_column():
    """A windowed count's zero-filled tag sets join its column (toolkit.engine.zero_fill) as Series would."""
    from toolkit.model import Series, SeriesColumn

    spec = MetricSpec(name="wide.events", unit="event", type="count", description="", function=lambda: None, interval=60)
    for mapping in ({("host:a", "shard:1"): 3, ("host:b", "shard:2"): 4}, {"shard:1": 3, "shard:2": 4}):
        column = outcome_for(spec, mapping, None, 0.0).series
        zeros = (Series("wide.events", 0.0, ("host:c", "shard:3"), "event", "count", interval=60),)
        assert type(column + zeros) is SeriesColumn and column + zeros == tuple(column) + zeros
        other = (Series("wide.events", 0.0, ("host:c",), "event", "count", interval=900),)  # another interval: a tuple
        assert type(column + other) is tuple and column + other == tuple(column) + other
        assert column.with_interval(900) == tuple(Series(s.metric, s.value, s.tags, s.unit, s.type, interval=900) for s in column)


def test_a_wide_metric_holds_two_references_a_series():
    """The memory a million series cost beside the dict the metric returned (issue 24: at most
    100 MiB): a value and a tag set a series, 16 bytes, where a Series each was 96."""
    import tracemalloc

    mapping = {(f"host:h{i % 7}", f"shard:{i}"): float(i) for i in range(100_000)}
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        outcome = outcome_for(SPEC, mapping, None, 0.0)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(outcome.series) == 100_000
    assert held < 20 * 100_000, held


def test_a_column_is_counted_and_budgeted_as_its_series():
    """Custom metrics (model.cost) read a column's tags, and a budget keeps a column's first
    series: the same figures and series as for the tuple it stands for."""
    from datetime import UTC, datetime

    from toolkit.engine import apply_budget
    from toolkit.model import CollectionResult, SeriesColumn, cost

    mapping = {(f"host:h{i % 7}", f"shard:{i % 40}"): float(i) for i in range(280)}
    column = outcome_for(SPEC, mapping, None, 0.0)
    as_tuple = outcome_for(SPEC, MappingProxyType(mapping), None, 0.0)
    again = outcome_for(SPEC, {("host:h0", "shard:0"): 1.0, ("host:h9", "shard:0"): 2.0}, None, 0.0)  # the name twice: one repeat

    def result(*outcomes):
        return CollectionResult("wide", datetime(2026, 1, 1, tzinfo=UTC), 0.1, list(outcomes))

    for outcomes in ((column,), (column, again), (again, column)):
        tuples = tuple(as_tuple if o is column else o for o in outcomes)
        assert cost.to_json(result(*outcomes).custom_metrics) == cost.to_json(result(*tuples).custom_metrics)
    assert cost.to_json(result(column, again).custom_metrics)["metrics"]["wide.metric"]["custom_metrics"] == 281
    kept = apply_budget(result(column), 100).outcomes[0]
    assert type(kept.series) is SeriesColumn and kept == apply_budget(result(as_tuple), 100).outcomes[0]
    assert len(kept.series) == 100 - len(result(column).meta_series)


def test_a_results_series_are_counted_without_making_them(monkeypatch):
    """The dashboard's push question and backfill count a run's series: a column's are not made."""
    from datetime import UTC, datetime

    from toolkit.model import CollectionResult, SeriesColumn

    outcome = outcome_for(SPEC, {(f"host:h{i % 7}", f"shard:{i}"): float(i) for i in range(1_000)}, None, 0.0)
    result = CollectionResult("wide", datetime.now(UTC), 0.1, [outcome])
    expected = len(result.series)

    def no_series(self):
        raise AssertionError("a Series was made")

    monkeypatch.setattr(SeriesColumn, "__iter__", no_series)
    monkeypatch.setattr(SeriesColumn, "__getitem__", no_series)
    assert result.series_count == expected == 1_000 + len(result.meta_series)
