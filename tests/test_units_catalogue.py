"""Datadog's unit catalogue as shipped in toolkit/model/units.json: pinned against its sources.

Names: VALID_UNIT_NAMES in DataDog/integrations-core, ddev/src/ddev/cli/validate/metadata_utils.py
at 145606dc4d4fb076fb5f6b308830fda35ccb91af. Families: the "Unit list" table of
https://docs.datadoghq.com/metrics/units/ (DataDog/documentation, content/en/metrics/units.md at
76915aa35ac209695b61a57e533a9c8775149fbd). The pinned names below were read from those files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from toolkit import MetricDefinitionError, metric
from toolkit.model import DATADOG_UNITS, UNIT_FAMILIES, UNITS, UNITS_SOURCE, datadog_unit

ROOT = Path(__file__).resolve().parents[1]
DATA = json.loads((ROOT / "toolkit/model/units.json").read_text(encoding="utf-8"))

# A few names per family, as the docs table lists them (catalogue spelling for pence/terrawatt).
PINNED = {
    "BYTES": ["bit", "byte", "kibibyte", "exbibyte"],
    "TIME": ["nanosecond", "second", "hour", "week"],
    "PERCENTAGE": ["percent_nano", "percent", "apdex", "fraction"],
    "NETWORK": ["connection", "request", "packet", "hop"],
    "SYSTEM": ["process", "host", "cpu"],
    "DISK": ["file", "inode", "block"],
    "GENERAL": ["error", "garbage collection", "job", "exception"],
    "DB": ["table", "transaction", "query", "question"],
    "CACHE": ["hit", "miss", "eviction", "get", "set"],
    "MONEY": ["dollar", "cent", "microdollar", "euro", "pound", "penny", "yen"],
    "MEMORY": ["page", "split"],
    "FREQUENCY": ["hertz", "gigahertz"],
    "LOGGING": ["entry"],
    "TEMPERATURE": ["decidegree celsius", "degree celsius", "degree fahrenheit"],
    "CPU": ["nanocore", "core", "exacore"],
    "POWER": ["nanowatt", "watt", "terawatt"],
    "CURRENT": ["milliampere", "ampere"],
    "POTENTIAL": ["millivolt", "volt"],
    "APM": ["span"],
    "SYNTHETICS": ["run", "step"],
}


def test_the_families_are_the_docs_table_in_its_order():
    assert list(UNIT_FAMILIES) == list(PINNED)
    for family, names in PINNED.items():
        assert set(names) <= set(UNIT_FAMILIES[family]), family
    assert UNIT_FAMILIES["SYNTHETICS"] == ("run", "step")
    assert len(UNIT_FAMILIES["BYTES"]) == 8 and len(UNIT_FAMILIES["TIME"]) == 8


def test_no_name_is_in_two_places():
    listed = [name for names in UNIT_FAMILIES.values() for name in names] + DATA["without_family"]
    assert len(listed) == len(set(listed)) == len(DATADOG_UNITS)


def test_names_the_catalogue_has_beyond_the_docs_table():
    for name in ["kilobyte", "megabyte", "joule", "megajoule", "kilobit", "token", "permille", "swiss franc"]:
        assert name in DATADOG_UNITS, name
        assert not any(name in names for names in UNIT_FAMILIES.values()), name
    # The validator's list, less the CSV header it picked up ("name"), is 350 names.
    assert len(DATADOG_UNITS) == 350
    assert "name" not in DATADOG_UNITS


def test_the_docs_spellings_translate_to_the_catalogue_names():
    assert datadog_unit("pence") == "penny" and datadog_unit("terrawatt") == "terawatt"
    assert "pence" not in DATADOG_UNITS and "terrawatt" not in DATADOG_UNITS


def test_seed_names_are_not_datadog_names():
    assert not {"hours", "seconds", "bytes", "usd", "count"} & DATADOG_UNITS
    assert UNITS["usd"] == "dollar" and UNITS["seconds"] == "second"


def test_the_sources_are_pinned_to_commits():
    sources = DATA["sources"]
    assert sources["names"]["repository"] == "DataDog/integrations-core"
    assert sources["families"]["repository"] == "DataDog/documentation"
    for source in sources.values():
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"])
        assert source["commit"] in UNITS_SOURCE


def test_a_catalogue_name_declares_and_a_near_miss_names_the_fix():
    assert metric("a.b.size", unit="kilobyte", per_unit="second")(lambda: 1)
    with pytest.raises(MetricDefinitionError, match="'kilobytes' is not in Datadog's unit catalogue.*'kilobyte'"):
        metric("a.b.size", unit="kilobytes")(lambda: 1)


def test_docs_metrics_md_lists_the_same_families():
    text = (ROOT / "docs/metrics.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        if m := re.fullmatch(r"\| ([A-Z]+) \| (.*) \|", line):
            rows[m[1]] = tuple(re.findall(r"`([^`]+)`", m[2]))
    assert rows == UNIT_FAMILIES
