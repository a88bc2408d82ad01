"""Discovery: the collectors package and the dd_toolkit.collectors entry points; load errors as data."""

from __future__ import annotations

import importlib
import json
import sys

import pytest

from toolkit.cli import main
from toolkit.engine import discover, load, resolve, run_collector
from toolkit.engine import registry as _registry


@pytest.fixture
def third_party(tmp_path, monkeypatch):
    """An installed distribution that adds two collectors through entry points (one broken)."""
    pkg = tmp_path / "acme_collectors"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "collector.py").write_text("from toolkit import BaseCollector\n\nclass AcmeCollector(BaseCollector):\n    name = 'acme'\n")
    (pkg / "metrics.py").write_text("from toolkit import metric\n\n@metric('acme.widgets.total')\ndef total():\n    return 5\n")
    (pkg / "broken.py").write_text("raise RuntimeError('acme import failed')\n")
    # the seed guide's Step 2: `name` as a read-only property, once agreeing with its key, once not
    seed_class = "class {cls}(BaseCollector):\n    metrics_module = metrics\n\n    @property\n    def name(self) -> str:\n        return {name!r}\n\n\n"
    (pkg / "seedstyle.py").write_text(
        "from toolkit import BaseCollector\nfrom . import metrics\n\n\n"
        + seed_class.format(cls="AcmeSeedCollector", name="acme_seed")
        + seed_class.format(cls="OtherNameCollector", name="someone_else")
    )
    (pkg / "unnamed.py").write_text("from toolkit import BaseCollector\nfrom . import metrics\n\nclass U(BaseCollector):\n    metrics_module = metrics\n")
    dist = tmp_path / "acme_collectors-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-collectors\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[dd_toolkit.collectors]\nacme = acme_collectors.collector:AcmeCollector\nacme_broken = acme_collectors.broken\n"
        "acme_seed = acme_collectors.seedstyle:AcmeSeedCollector\nacme_mismatch = acme_collectors.seedstyle:OtherNameCollector\n"
        "acme_unnamed = acme_collectors.unnamed:U\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    monkeypatch.setattr(_registry, "BUILTIN_PACKAGE", "fixtures")
    yield
    for name in [m for m in sys.modules if m.startswith("acme_collectors")]:
        del sys.modules[name]


def test_entry_point_collectors_are_found_and_run(third_party):
    refs = discover()
    assert refs["acme"].origin == "acme-collectors"
    assert refs["sample"].origin == "built-in"
    result = run_collector(refs["acme"], timeout=5)
    assert result.metrics["acme.widgets.total"] == 5.0  # metrics module found beside the class
    # named by the entry point's key everywhere, not by its package (acme_collectors)
    assert result.collector == "acme" and "collector.acme.metric_count" in result.metrics
    collector, _ = load(refs["acme"])
    assert collector.name == "acme" and collector.cassettes().name == "acme" and collector.source_tag == "source:acme-collector"


def test_a_seed_style_name_property_loads_and_runs(third_party):
    """The seed guide's read-only ``name`` property is never assigned to (it has no setter)."""
    result = run_collector(discover()["acme_seed"], timeout=5)
    assert not result.failed, result.fatal
    assert result.metrics["acme.widgets.total"] == 5.0 and "collector.acme_seed.metric_count" in result.metrics


def test_an_undeclared_name_takes_the_entry_points_key(third_party):
    collector, error = load(discover()["acme_unnamed"])
    assert error is None and collector.name == "acme_unnamed"  # not its package, acme_collectors


def test_a_declared_name_that_differs_from_its_key_is_one_load_error_naming_both(third_party):
    collector, error = load(discover()["acme_mismatch"])
    assert collector is None and error.type == "CollectorLoadError"
    assert "'someone_else'" in error.message and "'acme_mismatch'" in error.message


def test_load_error_is_data(third_party):
    collector, error = load(discover()["acme_broken"])
    assert collector is None and error.type == "RuntimeError" and "acme import failed" in error.message
    assert "broken.py" in error.traceback
    result = run_collector(discover()["acme_broken"])
    assert result.failed and result.fatal.message == "acme import failed"


def test_list_shows_load_failures_and_exits_non_zero(third_party, capsys):
    code = main(["list", "--json"])
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert code == 1
    assert rows["acme"]["metrics"] == 1 and "acme import failed" in rows["acme_broken"]["error"]


def test_resolve_unknown():
    with pytest.raises(_registry.UnknownCollector, match="unknown collector 'zzz'; known collectors:"):
        resolve(["zzz"])


def test_a_collector_calling_sys_exit_is_reported_not_dropped(third_party, tmp_path):
    from toolkit.engine import run_collectors

    (tmp_path / "acme_collectors" / "exits.py").write_text("import sys\nsys.exit('missing dependency')\n")
    refs = [discover()["acme"], _registry.CollectorRef("exits", "acme_collectors.exits", "test")]
    results = run_collectors(refs, timeout=5)
    assert [r.collector for r in results] == ["acme", "exits"]
    assert results[1].failed and results[1].fatal.type == "SystemExit" and "missing dependency" in results[1].fatal.message


def test_the_reference_project_keeps_its_collectors_package_after_a_mount():
    """Outside a project the checkout's collectors are mounted as toolkit.collectors; working in
    the checkout itself they are still its `collectors` package, as its tests import them."""
    from realtools import ROOT

    assert discover()["github"].target == "toolkit.collectors.github.collector"
    assert discover(ROOT)["github"].target == "collectors.github.collector"
