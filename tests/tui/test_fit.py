"""Columns by priority and text cut to a width (toolkit.tui.fit), without Textual."""

from __future__ import annotations

from toolkit.tui.fit import Step, cut, cut_series, fit

STEPS = (Step("value", required=True), Step("name", 10, required=True), Step("unit"), Step("name"), Step("change"))
NATURAL = {"value": 5, "name": 30, "unit": 7, "change": 6}


def test_the_value_stays_and_the_name_takes_what_is_left_before_lesser_columns():
    assert fit(NATURAL, STEPS, 200, 2) == {"value": 5, "name": 30, "unit": 7, "change": 6}
    assert fit(NATURAL, STEPS, 40, 2) == {"value": 5, "name": 22, "unit": 7}  # change gave way, the name is cut
    assert fit(NATURAL, STEPS, 20, 2) == {"value": 5, "name": 11}  # the unit gave way; the name grew
    assert fit(NATURAL, STEPS, 9, 2) == {"value": 5, "name": 1}  # the required ones, whatever is left


def test_cut_ends_with_an_ellipsis_and_a_series_keeps_its_tags():
    assert cut("github.prs.time_to_merge_hours", 12) == "github.prs.…"
    assert cut("short", 12) == "short"
    assert cut_series("shop.orders.by_region", "region:apac", 30) == "shop.orders.by_r…{region:apac}"
    # tags too long to keep whole: the end of the series, where series of one metric differ
    assert cut_series("github.prs.merged_7d", "repo:octocat/hello-world", 29) == "github.prs.merge…{…llo-world}"
