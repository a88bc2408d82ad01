"""The toolkit's pytest plugin: ``--update-golden`` and the ``golden`` fixture.

Enable it in a project's ``tests/conftest.py``::

    pytest_plugins = ["toolkit.testing.plugin"]

then ``def test_golden(golden): golden(MyCollector())`` fails with a diff naming each series
that changed, and ``pytest --update-golden`` rewrites the golden files instead (review them).
It is a module of its own, not a ``pytest11`` entry point, so it loads only where asked.
"""

from __future__ import annotations

import pytest

from . import check_golden


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("dd-toolkit").addoption(
        "--update-golden", action="store_true", default=False,
        help="rewrite each collector's golden.json from its offline run instead of comparing (review the diff)",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """``golden(collector, cassettes=None)``: the offline run must match its golden file."""
    update = request.config.getoption("--update-golden")

    def check(collector, cassettes=None) -> None:
        problem = check_golden(collector, cassettes, update=update)
        if problem:
            pytest.fail(problem, pytrace=False)

    return check
