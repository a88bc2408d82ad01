"""`dd-toolkit cost`: custom metrics from the cassettes, baselines that fail a PR naming the metric and tag."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "tests" / "cassettes"


def cost(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolkit.cli", "cost", *argv], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_all_offline_counts_every_collector():
    done = cost("--all", "--offline")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for name in ("asana", "ec2", "github", "skypilot", "wandb"):
        assert any(line.startswith(f"{name}: ") and "custom metrics (per tag set;" in line for line in lines)
    assert lines[-1].startswith("total: ")


def test_json_is_a_baseline_equal_to_itself(tmp_path):
    done = cost("--all", "--offline", "--json")
    data = json.loads(done.stdout)
    assert data["billing"] == "per tag set" and data["total"] == sum(c["total"] for c in data["collectors"].values())
    baseline = tmp_path / "baseline.json"
    baseline.write_text(done.stdout)
    again = cost("--all", "--offline", "--baseline", str(baseline))
    assert again.returncode == 0 and "against the baseline: +0 custom metrics" in again.stdout


def test_a_new_tag_value_in_a_cassette_fails_the_baseline_naming_the_metric(tmp_path):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(cost("ec2", "--offline", "--json").stdout)
    changed = tmp_path / "ec2"
    shutil.copytree(CASSETTES / "ec2", changed)
    text = (changed / "ec2.yaml").read_text()
    assert "instanceType>g5.xlarge<" in text
    (changed / "ec2.yaml").write_text(text.replace("instanceType>g5.xlarge<", "instanceType>g5.2xlarge<", 1))
    done = cost("ec2", "--cassettes", str(changed), "--baseline", str(baseline))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ec2.instances.by_type: 2 -> 3 (+1) (new tags: instance_type:g5.2xlarge)" in done.stdout
    assert "over --max-increase 0" in done.stdout
    # allowed when the PR says so
    assert cost("ec2", "--cassettes", str(changed), "--baseline", str(baseline), "--max-increase", "5").returncode == 0


def test_a_collector_that_cannot_be_counted_is_named(tmp_path):
    done = cost("github", "--cassettes", str(tmp_path))  # no cassettes there
    assert done.returncode == 1 and "cannot count: github" in done.stdout


def test_bad_baseline_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "b.json"
    bad.write_text("[]")
    done = cost("github", "--offline", "--baseline", str(bad))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "not the output of `dd-toolkit cost --json`" in done.stderr


def test_an_estimate_only_with_a_price_and_it_names_the_billing_model():
    # Datadog's billing pages state no list price for indexed custom metrics ("an amount that
    # is specified in your current contract"), so there is no default: no price, no dollars.
    plain = cost("ec2", "--offline")
    assert plain.returncode == 0, plain.stderr
    assert "$" not in plain.stdout
    total = json.loads(cost("ec2", "--offline", "--json").stdout)["collectors"]["ec2"]["total"]
    priced = cost("ec2", "--offline", "--price", "2.5")
    assert priced.returncode == 0, priced.stderr
    expected = f"about ${total / 100 * 2.5:,.2f}/month at your $2.5 per 100 (per tag set)"
    assert expected in priced.stdout.splitlines()[0]
