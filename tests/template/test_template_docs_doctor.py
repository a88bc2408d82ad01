"""`dd-toolkit docs` keeps README tables true; `dd-toolkit doctor` reports what is missing."""

from __future__ import annotations

import pytest
from project_helpers import cli, make_project

from toolkit.cli import main
from toolkit.errors import DocsError
from toolkit.model import metric, spec_of
from toolkit.project import END, START, render_table, render_with_entry, table_state
from toolkit.project import VALUES_PATH as VALUES_RELPATH


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("docs") / "project", with_git=False)
    assert main(["new", "pagerduty", "--root", str(root), "--defaults"]) == 0
    return root


def test_docs_check_detects_drift_and_docs_fixes_it(tmp_path):
    root = make_project(tmp_path / "project", with_git=False)
    assert main(["new", "pagerduty", "--root", str(root), "--defaults"]) == 0
    metrics = root / "collectors" / "pagerduty" / "metrics.py"
    readme = root / "collectors" / "pagerduty" / "README.md"
    metrics.write_text(metrics.read_text().replace('"""Number of items in Pagerduty."""', '"""Items | all of them."""'))
    before = readme.read_text()

    done = cli(root, "docs", "pagerduty", "--check")
    assert done.returncode == 1 and "out of date" in done.stdout and "dd-toolkit docs pagerduty" in done.stdout
    assert readme.read_text() == before  # --check changes nothing

    done = cli(root, "docs", "pagerduty")
    assert done.returncode == 0, done.stdout + done.stderr
    after = readme.read_text()
    assert "| `pagerduty.items.total` | Items \\| all of them. | count | GAUGE |" in after
    assert after.split(START)[0] == before.split(START)[0] and after.split(END)[1] == before.split(END)[1]
    assert cli(root, "docs", "pagerduty", "--check").returncode == 0


def test_doctor_reports_missing_pieces(tmp_path):
    root = make_project(tmp_path / "project", with_git=False)
    assert main(["new", "pagerduty", "--root", str(root), "--defaults"]) == 0
    (root / "tests" / "collectors" / "test_pagerduty.py").unlink()
    for path in sorted((root / "tests" / "cassettes" / "pagerduty").glob("*.yaml")):
        path.unlink()
    values = root / VALUES_RELPATH
    values.write_text(values.read_text().replace('"*/15 * * * *"', '"0 0 * * *"'))
    values.write_text(values.read_text() + "  other:\n    enabled: true\n    pushTimeout: 100\n    activeDeadlineSeconds: 200\n")
    readme = root / "collectors" / "pagerduty" / "README.md"
    readme.write_text(readme.read_text().replace("| count | GAUGE |", "| count | RATE |", 1))

    done = cli(root, "doctor", "pagerduty")
    assert done.returncode == 1
    lines = {line.split()[1] if line.split()[1] != "README" else "README": line for line in done.stdout.splitlines()[1:-1]}
    assert lines["collector"].split()[0] == "ok" and lines["metrics"].split()[0] == "ok"
    for label in ("README", "tests", "cassettes", "Helm"):
        assert lines[label].split()[0] == "missing", done.stdout
    assert "dd-toolkit docs pagerduty" in lines["README"]
    # the deadline arithmetic (beyond any schema), and an entry without a package
    assert "collectors.other: activeDeadlineSeconds (200) must be at least" in done.stdout
    assert done.stdout.rstrip().endswith("5 missing")

    # a schedule the chart's schema refuses stops doctor as it stops every command: one line, exit 2
    values.write_text(values.read_text().replace('"0 0 * * *"', '"every quarter hour"'))
    done = cli(root, "doctor", "pagerduty")
    assert done.returncode == 2 and "collectors.pagerduty.schedule: expected a five-field cron schedule" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr

    values.unlink()
    done = cli(root, "doctor", "pagerduty")
    assert "no Helm values file at" in done.stdout


def test_doctor_reports_a_collector_that_does_not_import(generated):
    broken = generated / "collectors" / "broken"
    broken.mkdir()
    (broken / "__init__.py").write_text("")
    (broken / "collector.py").write_text("import does_not_exist\n")
    done = cli(generated, "doctor", "broken")
    assert done.returncode == 1 and "ModuleNotFoundError" in done.stdout
    assert done.stdout.count("missing") >= 6


def test_render_table_rows_in_definition_order_escaped():
    @metric("svc.jobs.running")
    def running():
        """Jobs running now.

        More text that is not the description."""

    @metric("svc.costs.spend_7d", unit="usd", type="count", description="Spend | 7 days")
    def spend():
        pass

    text = render_table([spec_of(running), spec_of(spend)])
    assert text == (
        "| Metric | Description | Unit | Type |\n|--------|-------------|------|------|\n"
        "| `svc.jobs.running` | Jobs running now. | count | GAUGE |\n"
        "| `svc.costs.spend_7d` | Spend \\| 7 days | usd | COUNT |\n"
    )


def test_missing_markers_name_the_fix(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# X\n\nno table\n")
    with pytest.raises(DocsError, match="metrics-table:start"):
        table_state(readme, [], "x")


def test_values_round_trip_keeps_comments(tmp_path):
    current = (
        "# chart values, hand-written\n"
        "image:\n  repository: example/collectors  # the image\n"
        "collectors:\n"
        "  # GitHub first\n"
        "  github:\n    enabled: true\n    schedule: \"*/15 * * * *\"\n    env:\n      GITHUB_REPOSITORIES: \"a/b\"  # which repos\n"
        "\n# service account used by every CronJob\n"
        "serviceAccount:\n  create: true\n"
    )
    fragment = "pagerduty:\n  enabled: true\n  schedule: \"*/5 * * * *\"  # often\n  env: {}\n"
    text = render_with_entry(current, "pagerduty", fragment)
    for kept in ("# chart values, hand-written", "# the image", "# GitHub first", "# which repos", '"*/15 * * * *"'):
        assert kept in text
    # the comment heading serviceAccount still heads it, below the new entry
    assert text.index("pagerduty:") < text.index("# service account used by every CronJob") < text.index("serviceAccount:")
    assert '"*/5 * * * *"' in text
    assert render_with_entry(text, "pagerduty", fragment) is None  # an existing entry is never overwritten


def test_values_file_with_an_empty_collectors_mapping(tmp_path):
    text = render_with_entry("collectors: {}\n", "pagerduty", "pagerduty:\n  enabled: true\n")
    assert text == "collectors:\n  pagerduty:\n    enabled: true\n"



def test_doctor_asks_counts_on_an_irregular_schedule_for_an_interval(tmp_path):
    root = make_project(tmp_path / "project", with_git=False)
    assert main(["new", "pagerduty", "--root", str(root), "--defaults"]) == 0
    metrics = root / "collectors" / "pagerduty" / "metrics.py"
    metrics.write_text(metrics.read_text() + '''

@metric("pagerduty.incidents.opened", type="count")
def opened():
    """Incidents opened since the last run."""
    return 1
''')
    assert cli(root, "docs", "pagerduty").returncode == 0
    values = root / VALUES_RELPATH
    values.write_text(values.read_text().replace('"*/15 * * * *"', '"0 9 * * 1-5"'))
    done = cli(root, "doctor", "pagerduty")
    assert done.returncode == 1
    (line,) = [line for line in done.stdout.splitlines() if "metric intervals" in line]
    assert "missing" in line and "pagerduty.incidents.opened need @metric(interval=SECONDS)" in line

    metrics.write_text(metrics.read_text().replace('type="count")', 'type="count", interval=86400)'))
    done = cli(root, "doctor", "pagerduty")
    (line,) = [line for line in done.stdout.splitlines() if "metric intervals" in line]
    assert line.split()[0] == "ok", done.stdout


def test_doctor_checks_the_deadline_arithmetic_of_every_collector(tmp_path):
    root = make_project(tmp_path / "project", with_git=False)
    assert main(["new", "pagerduty", "--root", str(root), "--defaults"]) == 0
    done = cli(root, "doctor", "pagerduty")
    helm = {" ".join(line.split()[1:4]): line for line in done.stdout.splitlines() if "Helm" in line}
    entry = helm["Helm values entry"]
    assert entry.split()[0] == "ok" and "activeDeadlineSeconds 205 >= timeout 120 + pushTimeout 60 + 10" in entry, done.stdout
    assert helm["Helm deadlines of"].split()[0] == "ok", done.stdout

    # another collector's entry whose pod would be killed mid-push: one deploy renders all of them
    values = root / VALUES_RELPATH
    values.write_text(values.read_text() + "  other:\n    enabled: true\n    pushTimeout: 100\n    activeDeadlineSeconds: 200\n")
    done = cli(root, "doctor", "pagerduty")
    assert done.returncode == 1
    helm = {" ".join(line.split()[1:4]): line for line in done.stdout.splitlines() if "Helm" in line}
    assert helm["Helm values entry"].split()[0] == "ok", done.stdout  # pagerduty's own entry still fits
    every = helm["Helm deadlines of"]
    assert every.split()[0] == "missing", done.stdout
    assert "collectors.other: activeDeadlineSeconds (200) must be at least timeout + pushTimeout + 10 (120 + 100 + 10 = 230)" in every


def test_doctor_checks_the_metadata_sync_has_its_app_key(tmp_path):
    root = make_project(tmp_path / "project", with_git=False)
    assert main(["new", "pagerduty", "--root", str(root), "--defaults"]) == 0
    assert "metadata sync" not in cli(root, "doctor", "pagerduty").stdout  # off: nothing to check

    values = root / VALUES_RELPATH
    values.write_text(values.read_text() + "metadataSync:\n  enabled: true\n")
    assert "metadata sync" not in cli(root, "doctor", "pagerduty").stdout  # no enabled collector: no Job
    values.write_text(values.read_text().replace("enabled: false", "enabled: true", 1))
    done = cli(root, "doctor", "pagerduty")
    assert done.returncode == 1
    (line,) = [line for line in done.stdout.splitlines() if "Helm metadata sync" in line]
    assert line.split()[0] == "missing" and "metadataSync.enabled needs datadog.appKeySecret.name" in line, done.stdout

    values.write_text(values.read_text() + "datadog:\n  appKeySecret: {name: dd-app, key: app-key}\n")
    done = cli(root, "doctor", "pagerduty")
    (line,) = [line for line in done.stdout.splitlines() if "Helm metadata sync" in line]
    assert line.split()[0] == "ok" and "1 enabled collector" in line, done.stdout


def test_two_new_at_once_both_keep_their_values_entry(tmp_path):
    """Two `dd-toolkit new` processes on one project at the same time: both entries survive (the
    values file's read-modify-write is locked), and the same name twice is refused once."""
    import subprocess

    from project_helpers import PYTHON, env_for

    root = make_project(tmp_path / "project", with_git=False)
    values = root / VALUES_RELPATH
    for round_ in range(3):
        names = [f"pair{round_}a", f"pair{round_}b"]
        procs = [
            subprocess.Popen([PYTHON, "-m", "toolkit.cli", "new", n, "--root", str(root), "--defaults"], cwd=root,
                             env=env_for(root), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for n in names
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        text = values.read_text()
        for n in names:
            assert f"\n  {n}:\n" in text, (n, text)
    procs = [
        subprocess.Popen([PYTHON, "-m", "toolkit.cli", "new", "twin", "--root", str(root), "--defaults"], cwd=root,
                         env=env_for(root), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes[0] == 0 and codes[1] != 0, (codes, errors)
    assert any("collector 'twin' already exists" in e for e in errors), errors
    assert values.read_text().count("\n  twin:\n") == 1


def test_doctor_refuses_a_monitor_that_cannot_work(tmp_path):
    """A weekly schedule: Datadog's longest metric-alert window is a week, which a weekly
    collector's not-reporting monitor cannot use without firing between on-time runs."""
    root = make_project(tmp_path / "project", with_git=False)
    assert main(["new", "pagerduty", "--root", str(root), "--defaults"]) == 0
    values = root / VALUES_RELPATH
    values.write_text(values.read_text().replace("enabled: false", "enabled: true", 1))
    done = cli(root, "doctor", "pagerduty")
    (line,) = [line for line in done.stdout.splitlines() if " monitors " in line]
    assert line.split()[0] == "ok", done.stdout
    values.write_text(values.read_text().replace('"*/15 * * * *"', '"0 9 * * 1"'))
    done = cli(root, "doctor", "pagerduty")
    assert done.returncode == 1
    (line,) = [line for line in done.stdout.splitlines() if " monitors " in line]
    assert line.split()[0] == "missing" and "not-reporting: schedule '0 9 * * 1' leaves 7d between runs" in line, done.stdout


def test_a_scaffold_is_disabled_until_its_metrics_are_no_longer_the_examples(tmp_path):
    root = make_project(tmp_path / "project", with_git=False)
    assert main(["new", "pagerduty", "--root", str(root), "--defaults", "--base-url", "https://api.pagerduty.com"]) == 0
    values = root / VALUES_RELPATH
    assert "enabled: false" in values.read_text().split("  pagerduty:")[1].split("schedule")[0]
    examples = "pagerduty.items.avg_duration_seconds, pagerduty.items.created_7d, pagerduty.items.total"

    def line():
        done = cli(root, "doctor", "pagerduty")
        (found,) = [x for x in done.stdout.splitlines() if "template examples" in x]
        return done.returncode, found

    code, found = line()
    assert found.split()[0] == "skipped" and examples in found, found

    values.write_text(values.read_text().replace("    enabled: false", "    enabled: true", 1))
    code, found = line()
    assert code == 1 and found.split()[0] == "missing" and "is enabled but" in found and examples in found, found

    metrics = root / "collectors" / "pagerduty" / "metrics.py"
    metrics.write_text(metrics.read_text().replace("pagerduty.items.", "pagerduty.real."))
    code, found = line()
    assert found.split()[0] == "ok", found
