"""Every Python code block of README.md and docs/*.md runs, in order, one namespace per page
(Sybil parses them), so an example that stops working fails the suite.

A block that cannot run here is marked before it with a visible ``<!-- skip: next -->`` and
a comment saying why; MAX_SKIPPED keeps that list short. ``sh`` blocks are not run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MAX_SKIPPED = 1  # docs/writing-a-collector.md: a project's test file importing its own collectors package

SYBIL = Sybil(parsers=[PythonCodeBlockParser(), SkipParser()])


@pytest.mark.parametrize("page", [p for p in PAGES if "```python" in p.read_text()], ids=lambda p: p.name)
def test_every_python_block_of_the_page_runs(page):
    document = SYBIL.parse(page)
    ran = 0
    for example in document:
        example.evaluate()
        ran += 1
    assert ran, f"{page.name}: Sybil found no block to run"


def test_skipped_blocks_are_few():
    skips = sum(p.read_text().count("<!-- skip: next -->") for p in PAGES)
    assert skips <= MAX_SKIPPED, f"{skips} skipped doc blocks; make them run (give them setup) rather than skip them"
