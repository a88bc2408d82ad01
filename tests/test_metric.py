"""@metric validation at import time, and auto-discovery in definition order."""

from __future__ import annotations

import types

import pytest

from toolkit import MetricDefinitionError, auto_discover_metrics, metric


@pytest.mark.parametrize("name", ["github.prs.open", "svc.cat.name_2", "a.b.c.d"])
def test_valid_names(name):
    @metric(name)
    def f():
        return 1


@pytest.mark.parametrize("name", ["github.prs", "GitHub.prs.open", "svc..x", "svc.cat.name-x", "1svc.cat.x", ""])
def test_bad_names_name_the_function_and_rule(name):
    with pytest.raises(MetricDefinitionError) as info:

        @metric(name)
        def my_metric():
            return 1

    assert "my_metric" in str(info.value)


@pytest.mark.parametrize("unit", ["seconds", "usd", "gb", "rate", "percent"])
def test_units_from_the_seed(unit):
    metric("svc.cat.x", unit=unit)(lambda: 1)


def test_a_name_over_datadogs_200_characters_is_refused_at_import():
    # the intake refuses a whole request holding a longer name, losing the other series in it
    longest = "svc.cat." + "x" * (200 - len("svc.cat."))

    @metric(longest)
    def fits():
        return 1

    with pytest.raises(MetricDefinitionError, match="201 characters; Datadog's limit is 200"):

        @metric(longest + "x")
        def too_long():
            return 1


def test_bad_unit_lists_the_allowed_ones():
    with pytest.raises(MetricDefinitionError, match="unit 'secs' is not in Datadog's unit catalogue.*did you mean 'seconds'"):
        metric("svc.cat.x", unit="secs")(lambda: 1)


def test_bad_type():
    with pytest.raises(MetricDefinitionError, match="type 'histogram'"):
        metric("svc.cat.x", type="histogram")(lambda: 1)


def test_function_with_required_arguments_is_refused():
    with pytest.raises(MetricDefinitionError, match="requires repo"):

        @metric("svc.cat.x")
        def f(repo):
            return 1


def test_description_defaults_to_docstring_first_paragraph():
    @metric("svc.cat.x")
    def f():
        """Open pull requests
        across repositories.

        Details nobody needs in a table."""

    from toolkit.model import spec_of

    assert spec_of(f).description == "Open pull requests across repositories."
    assert spec_of(metric("svc.cat.y", description="given")(lambda: 1)).description == "given"


def _module(**funcs) -> types.ModuleType:
    module = types.ModuleType("m")
    for key, value in funcs.items():
        setattr(module, key, value)
    return module


def test_discovery_in_definition_order_and_plain_functions_ignored():
    b = metric("svc.cat.b")(lambda: 2)
    a = metric("svc.cat.a")(lambda: 1)

    def helper():
        return 0

    found = auto_discover_metrics(_module(b=b, a=a, helper=helper))
    assert list(found) == ["svc.cat.b", "svc.cat.a"]
    assert found["svc.cat.a"]() == 1


def test_two_functions_claiming_one_name():
    one = metric("svc.cat.same")(lambda: 1)
    two = metric("svc.cat.same")(lambda: 2)
    with pytest.raises(MetricDefinitionError, match="svc.cat.same"):
        auto_discover_metrics(_module(one=one, two=two))
