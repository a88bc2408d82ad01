"""``dd-toolkit manual [TOPIC]``: the manual (the repository's docs/, shipped in the wheel), offline.

Generated files and error messages cite a topic (``dd-toolkit manual deploying``) rather than a
path like docs/deploying.md, which a team repository or a pipx install does not have.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import UsageError, stdout_console


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("topic", nargs="?", metavar="TOPIC", help="the page to show (none: list the topics)")
    parser.add_argument("--raw", action="store_true", help="print the page's Markdown source instead of rendering it")


def topics() -> dict[str, Path]:
    """Every page of the manual by topic (its file name without .md)."""
    from ..model import resource

    docs = resource("docs")
    if docs is None:
        raise UsageError("this dd-toolkit has no manual bundled; reinstall it from a wheel or a checkout", 1)
    return {page.stem: page for page in sorted(docs.glob("*.md"))}


def title(page: Path) -> str:
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return page.stem


def handle(args: argparse.Namespace) -> int:
    pages = topics()
    console = stdout_console()
    if args.topic is None:
        from rich.table import Table

        table = Table(box=None, show_header=False, pad_edge=False)
        for topic, page in pages.items():
            table.add_row(f"[bold]{topic}[/]", title(page))
        console.print(table)
        console.print("Read one with: dd-toolkit manual TOPIC")
        return 0
    page = pages.get(args.topic.removesuffix(".md"))
    if page is None:
        raise UsageError(f"no manual topic {args.topic!r}; topics: {', '.join(pages)}")
    text = page.read_text(encoding="utf-8")
    if args.raw:
        print(text, end="")
        return 0
    from rich.markdown import Markdown

    console.print(Markdown(text))
    return 0
