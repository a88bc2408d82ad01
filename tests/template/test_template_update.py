"""`dd-toolkit update`: template changes reach a generated collector, user edits survive.

The known trap: the template is a subfolder of the repository it renders into, so a bare
`copier update` refuses. `dd-toolkit update` must really merge from this layout.
"""

from __future__ import annotations

import subprocess

import pytest
from project_helpers import PYTHON, commit_all, env_for, git, make_project

from toolkit.cli import main
from toolkit.project import read_answers

METRICS_TEMPLATE = "templates/collector/project/collectors/{{ collector_name }}/metrics.py.jinja"
README_TEMPLATE = "templates/collector/project/collectors/{{ collector_name }}/README.md.jinja"


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def generated(tmp_path):
    root = make_project(tmp_path / "project")
    assert main(["new", "pagerduty", "--root", str(root), "--defaults"]) == 0
    commit_all(root, "add pagerduty")
    return root


def test_bare_copier_update_refuses_in_this_layout(generated):
    """The trap, kept as a regression check: this is why `dd-toolkit update` exists."""
    import copier
    from copier.errors import UserMessageError

    with pytest.raises(UserMessageError):
        copier.run_update(str(generated), answers_file="collectors/pagerduty/.copier-answers.yml",
                          defaults=True, overwrite=True, quiet=True)


def test_update_pulls_a_template_change_and_keeps_a_user_edit(generated, capsys):
    root = generated
    metrics = root / "collectors" / "pagerduty" / "metrics.py"
    # the user's edit, committed
    edit(metrics, "    return len(_list())\n", "    return len(_list())  # counts archived items too\n")
    commit_all(root, "tune pagerduty")
    old_commit = read_answers(root / "collectors" / "pagerduty" / ".copier-answers.yml")["_commit"]
    # a template improvement elsewhere in the same file, and in the README
    edit(root / METRICS_TEMPLATE, "def _list(**params: str) -> list[dict]:\n",
         "def _list(**params: str) -> list[dict]:  # template: one listing helper\n")
    edit(root / README_TEMPLATE, "## Troubleshooting\n", "## Troubleshooting\n\nTemplate v2 troubleshooting note.\n")
    commit_all(root, "improve the template")
    new_commit = git(root, "log", "-1", "--format=%H", "--", "templates/collector").strip()

    assert main(["update", "pagerduty", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "changed  collectors/pagerduty/metrics.py" in out

    text = metrics.read_text()
    assert "# template: one listing helper" in text  # the template's change arrived
    assert "# counts archived items too" in text  # the user's edit survived
    assert "Template v2 troubleshooting note." in (root / "collectors" / "pagerduty" / "README.md").read_text()
    answers = read_answers(root / "collectors" / "pagerduty" / ".copier-answers.yml")
    assert answers["_commit"] == new_commit != old_commit
    assert answers["_src_path"] == "templates/collector" and answers["auth"] == "token"
    changed = git(root, "status", "--porcelain").split("\n")
    assert all("pagerduty" in line for line in changed if line.strip())  # nothing else touched

    # the updated collector still passes its generated tests
    done = subprocess.run([PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/collectors/test_pagerduty.py"],
                          cwd=root, env=env_for(root), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr

    commit_all(root, "update pagerduty")
    assert main(["update", "pagerduty", "--root", str(root)]) == 0
    assert "already at the current template version" in capsys.readouterr().out


def test_conflicting_edits_are_marked_and_fail(generated, capsys):
    root = generated
    metrics = root / "collectors" / "pagerduty" / "metrics.py"
    edit(metrics, "def _list(**params: str) -> list[dict]:\n", "def _list(**params: str) -> list[dict]:  # mine\n")
    commit_all(root, "user")
    edit(root / METRICS_TEMPLATE, "def _list(**params: str) -> list[dict]:\n",
         "def _list(**params: str) -> list[dict]:  # theirs\n")
    commit_all(root, "template")
    assert main(["update", "pagerduty", "--root", str(root)]) == 1
    assert "conflict collectors/pagerduty/metrics.py" in capsys.readouterr().out
    text = metrics.read_text()
    assert "<<<<<<< " in text and "# mine" in text and "# theirs" in text


def test_refuses_with_uncommitted_changes(generated, capsys):
    root = generated
    edit(root / METRICS_TEMPLATE, "def _list(", "def _list(  ")
    assert main(["update", "pagerduty", "--root", str(root)]) == 2
    assert "templates/collector has uncommitted changes" in capsys.readouterr().err
    commit_all(root, "template")
    metrics = root / "collectors" / "pagerduty" / "metrics.py"
    edit(metrics, "def _list(", "def _list( ")
    before = metrics.read_text()
    assert main(["update", "pagerduty", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "collector 'pagerduty' has uncommitted changes" in err and "git diff" in err
    assert metrics.read_text() == before


def test_a_template_outside_git_is_versioned_by_content(tmp_path, capsys):
    """The template of an installed toolkit is in no git history: `new` records its content digest
    and keeps a copy in the project for `update` to merge from; updating still needs the project in git."""
    root = make_project(tmp_path / "project", with_git=False)
    assert main(["new", "pagerduty", "--root", str(root), "--defaults"]) == 0
    capsys.readouterr()
    version = read_answers(root / "collectors" / "pagerduty" / ".copier-answers.yml")["_commit"]
    assert version.startswith("bundle-")
    snapshot = root / ".dd-toolkit" / "templates" / "collector" / version.removeprefix("bundle-")
    assert (snapshot / "copier.yml").read_text() == (root / "templates" / "collector" / "copier.yml").read_text()
    assert main(["update", "pagerduty", "--root", str(root)]) == 2
    assert "is not a git repository" in capsys.readouterr().err


def test_refuses_without_a_recorded_version(generated, capsys):
    answers = generated / "collectors" / "pagerduty" / ".copier-answers.yml"
    answers.write_text("".join(line for line in answers.read_text().splitlines(keepends=True) if not line.startswith("_commit")))
    commit_all(generated, "answers without a version")
    assert main(["update", "pagerduty", "--root", str(generated)]) == 2
    assert "records no template version" in capsys.readouterr().err
