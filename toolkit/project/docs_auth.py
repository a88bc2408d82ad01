"""The authentication section of a collector's README, generated from its ``AUTH_HEADERS``.

The metrics module declares the headers it sends as lines (``toolkit.auth_headers``), and the
README says the same between two markers, so changing the scheme in ``metrics.py`` without
``dd-toolkit docs`` fails ``docs --check``::

    <!-- auth:start -->
    Requests authenticate with these headers ...
    - `Authorization: Token token=<pagerduty/token>`
    <!-- auth:end -->

A README without the markers (one written before them, or a collector that signs its requests
another way) has no section to keep: only the metrics table is checked.
"""

from __future__ import annotations

from types import ModuleType

from ..errors import ConfigError, DocsError
from ..sources import parse_auth_header

START = "<!-- auth:start -->"
END = "<!-- auth:end -->"
DECLARATION = "AUTH_HEADERS"


def render_auth(lines: tuple[str, ...] | None, name: str) -> str:
    """The text between the markers (without them), ending in a newline."""
    if not lines:
        return (
            f"No authentication headers are declared: `metrics.py` has no `{DECLARATION}` "
            f"(run `dd-toolkit docs {name}` after adding it).\n"
        )
    items = []
    for line in lines:
        header = parse_auth_header(line)
        shown = header.template.replace("{", "<").replace("}", ">")
        item = f"- `{header.name}: {shown}`"
        if header.basic:
            item += " (HTTP basic auth: what follows `Basic` is sent base64-encoded)"
        items.append(item)
    return (
        "Requests authenticate with these headers, `<secret>` standing for that secret's value\n"
        f"(`{DECLARATION}` in `metrics.py`; `dd-toolkit docs {name}` rewrites this list from it):\n\n"
        + "\n".join(items) + "\n"
    )


def declared_auth(module: ModuleType, name: str) -> tuple[str, ...] | None:
    """The module's ``AUTH_HEADERS``, checked; None when it declares none."""
    lines = getattr(module, DECLARATION, None)
    if lines is None:
        return None
    if isinstance(lines, str) or not all(isinstance(line, str) for line in lines):
        raise DocsError(f"{module.__name__}.{DECLARATION} must be a tuple of header lines, e.g. ('Authorization: Bearer {{{name}/token}}',)")
    try:
        for line in lines:
            parse_auth_header(line)
    except ConfigError as exc:
        raise DocsError(f"{module.__name__}.{DECLARATION}: {exc}") from exc
    return tuple(lines)


def current_auth(text: str, readme, name: str) -> str | None:
    """What is between the README's auth markers now; None when it has none."""
    if START not in text and END not in text:
        return None
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise DocsError(
            f"{readme} needs exactly one {START} line followed by one {END} line (or neither); "
            f"fix them, then run `dd-toolkit docs {name}`"
        )
    return text.split(START, 1)[1].split(END, 1)[0]


def replace_auth(text: str, expected: str) -> str:
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{expected}{END}{after}"


def stale_auth(text: str, readme, module: ModuleType, name: str) -> str | None:
    """The section the code calls for when the README's differs from it; None when they agree
    or the README has no auth markers."""
    current = current_auth(text, readme, name)
    if current is None:
        return None
    expected = render_auth(declared_auth(module, name), name)
    return None if _normal(current) == _normal(expected) else expected


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())
