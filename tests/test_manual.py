"""`dd-toolkit manual [TOPIC]`: the docs, readable offline from the CLI (here from the checkout;
tests/test_own_repository.py reads one from an installed wheel with no checkout at hand), and
generated files that cite a topic rather than a docs/ path a team repository does not have."""

from __future__ import annotations

import re

from realtools import ROOT

from toolkit.cli import main


def test_no_topic_lists_every_page_with_its_title(capsys):
    assert main(["manual"]) == 0
    out = capsys.readouterr().out
    for page in (ROOT / "docs").glob("*.md"):
        assert page.stem in out, page.stem
    assert "Deploying" in out and "dd-toolkit manual TOPIC" in out


def test_a_topic_prints_its_page_rendered(capsys):
    assert main(["manual", "deploying"]) == 0
    out = capsys.readouterr().out
    assert "Metadata sync" in out and "Drift check" in out
    assert "## Metadata sync" not in out  # rendered by rich, not the Markdown source


def test_raw_prints_the_markdown_source(capsys):
    assert main(["manual", "deploying.md", "--raw"]) == 0
    assert capsys.readouterr().out == (ROOT / "docs" / "deploying.md").read_text(encoding="utf-8")


def test_an_unknown_topic_is_one_line_naming_the_topics(capsys):
    assert main(["manual", "deploy"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no manual topic 'deploy'" in err and "deploying" in err


def test_what_the_toolkit_writes_and_says_cites_topics_that_exist():
    """No docs/<page>.md in the chart, the templates or the messages of the toolkit's runtime;
    every `dd-toolkit manual TOPIC` they cite is a page of the manual."""
    topics = {page.stem for page in (ROOT / "docs").glob("*.md")}
    shipped = [p for d in ("charts", "templates/project") for p in (ROOT / d).rglob("*") if p.is_file()]
    shipped += [p for p in (ROOT / "toolkit").rglob("*.py") if p.name != "_manual.py"]
    cited = set()
    for path in shipped:
        text = path.read_text(encoding="utf-8")
        if path.suffix != ".py":  # code may say docs/... in a docstring for its developers
            assert not re.search(r"docs/[a-z-]+\.md", text), path
        cited |= set(re.findall(r"dd-toolkit manual ([a-z-]+)", text))
    assert cited and cited - {"TOPIC"} <= topics, cited - topics
