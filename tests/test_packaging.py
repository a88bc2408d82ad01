"""The release a user installs: `python -m build` (the sdist, then the wheel from it) as the release
workflow runs it, `twine check --strict`, what the wheel carries, and the release workflow itself."""

from __future__ import annotations

import email
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml
from realtools import ROOT

from toolkit._version import __version__

pytestmark = pytest.mark.slow  # builds the sdist and two wheels (once a session)

BUILTINS = sorted(p.name for p in (ROOT / "collectors").iterdir() if (p / "__init__.py").is_file() and not p.name.startswith("_"))


def contents(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_twine_check_strict_passes_on_the_sdist_and_the_wheel(release):
    done = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", release.sdist, release.wheel],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_the_wheel_from_the_sdist_holds_the_collectors_cassettes_chart_templates_and_manual(release):
    names = set(contents(release.wheel))
    for name in BUILTINS:
        assert f"toolkit/collectors/{name}/__init__.py" in names, name
        assert any(n.startswith(f"toolkit/collectors/_cassettes/{name}/") and n.endswith(".yaml") for n in names), name
    bundle = "toolkit/project/_bundle/"
    for rel in ("chart/Chart.yaml", "chart/values.yaml", "chart/values.schema.json", "chart/templates/cronjob.yaml",
                "templates/collector/copier.yml", "templates/project/copier.yml", "templates/project/project/Makefile",
                "templates/project/project/scripts/install-helm.sh", "docs/deploying.md", "docs/own-repository.md"):
        assert bundle + rel in names, rel
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    # only the built-ins' cassettes, not the suite's own fixtures
    assert {n.split("/")[3] for n in names if n.startswith("toolkit/collectors/_cassettes/")} == set(BUILTINS)


def test_a_wheel_built_from_the_sdist_equals_one_built_from_the_checkout(release):
    from_sdist, from_checkout = contents(release.wheel), contents(release.checkout_wheel)
    assert sorted(from_sdist) == sorted(from_checkout), set(from_sdist) ^ set(from_checkout)
    differ = [name for name in from_sdist if from_sdist[name] != from_checkout[name]]
    assert differ == []


def test_the_sdist_carries_what_the_wheel_bundles(release):
    with tarfile.open(release.sdist) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    for rel in ("MANIFEST.in", "setup.py", "LICENSE", "collectors/github/__init__.py", "charts/datadog-collectors/Chart.yaml",
                "templates/project/copier.yml", "templates/collector/copier.yml", "docs/deploying.md"):
        assert rel in names, rel
    for name in BUILTINS:
        assert any(n.startswith(f"tests/cassettes/{name}/") for n in names), name


def test_the_metadata_is_complete(release):
    (metadata,) = [v for k, v in contents(release.wheel).items() if k.endswith(".dist-info/METADATA")]
    meta = email.message_from_bytes(metadata)
    assert meta["Name"] == "dd-toolkit" and meta["Version"] == __version__
    assert meta["License-Expression"] == "Apache-2.0" and meta["License-File"] == "LICENSE"
    assert meta["Description-Content-Type"] == "text/markdown" and "# dd-toolkit" in meta.get_payload()
    classifiers = meta.get_all("Classifier")
    assert "Programming Language :: Python :: 3.11" in classifiers and "Topic :: System :: Monitoring" in classifiers
    urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL"))
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(urls)


def test_one_version_source():
    """toolkit/_version.py; the chart's appVersion (the image it deploys by default) must agree."""
    chart = yaml.safe_load((ROOT / "charts" / "datadog-collectors" / "Chart.yaml").read_text())
    assert chart["appVersion"] == __version__
    assert 'version = { attr = "toolkit._version.__version__" }' in (ROOT / "pyproject.toml").read_text()


def test_the_release_workflow_publishes_only_on_a_tag_and_passes_actionlint():
    workflow = ROOT / ".github" / "workflows" / "release.yml"
    linted = subprocess.run([str(Path(sys.executable).with_name("actionlint")), str(workflow)], capture_output=True, text=True, timeout=60)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    spec = yaml.safe_load(workflow.read_text())
    assert spec[True] == {"push": {"tags": ["v*"]}}  # YAML 1.1 reads the key `on` as True
    steps = " ".join(step.get("run", "") for step in spec["jobs"]["build"]["steps"])
    assert "python -m build" in steps and "twine check --strict" in steps
    publish = spec["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"} and publish["needs"] == "build"
    assert publish["steps"][-1]["uses"].startswith("pypa/gh-action-pypi-publish@")


def test_installing_from_a_clone_gives_the_whole_toolkit(release, tmp_path):
    """The README's `pipx install './dd-toolkit[all]'`: pip builds the clone's wheel and installs it.
    Here into a target directory (the dependencies are this suite's), then used with no checkout near."""
    from release import clean_env, run

    target = tmp_path / "site"
    run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--target", target, release.source], tmp_path)
    env = {**clean_env(), "PYTHONPATH": str(target)}

    def cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "toolkit.cli", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    where = subprocess.run([sys.executable, "-c", "import toolkit; print(toolkit.__file__)"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=60).stdout
    assert Path(where.strip()).is_relative_to(target)
    assert set(BUILTINS) <= {row["name"] for row in __import__("json").loads(cli("list", "--json"))}
    assert "Metadata sync" in cli("manual", "deploying")


def test_the_readme_documents_installing_from_source_beside_the_index():
    readme = (ROOT / "README.md").read_text()
    assert "pipx install 'dd-toolkit[all]'" in readme
    assert "pipx install './dd-toolkit[all]'" in readme and "git+https://" in readme
