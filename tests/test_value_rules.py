"""One bad metric never costs the others: values that are not floats, huge values and messages,
tag sets in another order. Run through the real CLI in a subprocess (``--json`` and the table)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from toolkit.engine import series_identity, shown

ROOT = Path(__file__).resolve().parent.parent
RUNNER = (
    "import sys; sys.path.insert(0, 'tests'); from toolkit.engine import registry; "
    "registry.BUILTIN_PACKAGE = 'fixtures'; from toolkit.cli import main; sys.exit(main(sys.argv[1:]))"
)


def run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-c", RUNNER, "run", "badvalues", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_bad_values_are_their_metrics_errors_and_the_rest_survive():
    done = run("--json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(done.stdout) < 100_000  # nothing dumped whole (a 50 MB value, a 50 MB message)
    result = json.loads(done.stdout)
    assert result["metrics"]["badvalues.healthy.total"] == 3.0
    by_team = {tuple(s["tags"]): s["value"] for s in result["series"] if s["metric"] == "badvalues.healthy.by_team"}
    assert by_team == {("team:a", "tier:1"): 1.0, ("tier:2", "team:b"): 2.0}
    errors = {e["metric"]: e for e in result["errors"]}
    assert set(errors) == {
        "badvalues.overflow.int", "badvalues.overflow.fraction", "badvalues.overflow.tagged", "badvalues.decimal.snan",
        "badvalues.string.huge", "badvalues.raises.huge", "badvalues.tags.reordered",
        "badvalues.distribution.huge", "badvalues.distribution.tagged",
    }
    for name in ("badvalues.overflow.int", "badvalues.overflow.fraction", "badvalues.overflow.tagged", "badvalues.decimal.snan"):
        assert errors[name]["type"] == "InvalidMetricValue", errors[name]
        assert "not a float" in errors[name]["message"] and len(errors[name]["message"]) < 600
    assert "for tags ('team:b',)" in errors["badvalues.overflow.tagged"]["message"]
    assert errors["badvalues.string.huge"]["message"].startswith("badvalues.string.huge returned str 'xxx")
    assert len(errors["badvalues.string.huge"]["message"]) < 400
    huge = errors["badvalues.raises.huge"]
    assert huge["type"] == "ValueError" and huge["message"].endswith(f"[{50 * 1024 * 1024 - 2000:,} more characters]")
    assert "the tag set ('a:1', 'b:2') twice" in errors["badvalues.tags.reordered"]["message"]
    assert errors["badvalues.distribution.huge"]["message"].startswith("badvalues.distribution.huge is a distribution and returned str 'xxx")
    assert len(errors["badvalues.distribution.huge"]["message"]) < 400
    assert "in its list for tags ('team:a',), which is not a float" in errors["badvalues.distribution.tagged"]["message"]


def test_the_table_and_verbose_stay_bounded():
    done = run("--verbose")
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(done.stdout) + len(done.stderr) < 200_000
    assert "badvalues.healthy.total" in done.stdout


def test_shown_and_identity():
    assert len(shown("z" * 10_000_000)) < 200
    assert len(shown(10**400)) < 100
    assert series_identity(("b:2", "a:1", "b:2")) == series_identity(("a:1", "b:2")) == ("a:1", "b:2")
