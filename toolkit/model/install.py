"""Where this toolkit's own files are: in an installed wheel, or in the checkout it runs from.

A wheel carries the built-in collectors as ``toolkit.collectors`` (their cassettes in
``toolkit/collectors/_cassettes``) and the chart, the templates and the manual in
``toolkit/project/_bundle`` (setup.py copies them). A checkout (this repository, installed
editable or run in place) has them where a project keeps them: ``collectors/``, ``tests/cassettes/``, ``charts/``,
``templates/``, ``docs/``. Everything that needs one of these asks here.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # .../toolkit
BUNDLE_DIR = PACKAGE_DIR / "project" / "_bundle"
BUILTIN_PACKAGE = "toolkit.collectors"  # the wheel's built-in collectors


def checkout_root() -> Path | None:
    """The repository this toolkit runs from, when it runs from one (not from a wheel)."""
    root = PACKAGE_DIR.parent
    return root if (root / "collectors" / "__init__.py").is_file() and (root / "pyproject.toml").is_file() else None


def resource(kind: str) -> Path | None:
    """``chart``, ``collector-template``, ``project-template`` or ``docs`` (the manual): the bundled
    copy, else the checkout's."""
    bundled = {
        "chart": BUNDLE_DIR / "chart",
        "collector-template": BUNDLE_DIR / "templates" / "collector",
        "project-template": BUNDLE_DIR / "templates" / "project",
        "docs": BUNDLE_DIR / "docs",
    }[kind]
    if bundled.is_dir():
        return bundled
    root = checkout_root()
    if root is None:
        return None
    in_checkout = {
        "chart": root / "charts" / "datadog-collectors",
        "collector-template": root / "templates" / "collector",
        "project-template": root / "templates" / "project",
        "docs": root / "docs",
    }[kind]
    return in_checkout if in_checkout.is_dir() else None
