"""httpx, imported without its command-line client.

``httpx/__init__`` ends with ``from ._main import main``: the ``httpx`` console script's module,
which imports click, pygments and rich (40 of the 73 ms ``import httpx`` takes) and which no
library user calls. A ``None`` in ``sys.modules`` makes that import raise ImportError, which
httpx catches (it then defines a ``main`` that says the CLI's extras are missing); the entry is
removed at once, so an explicit ``import httpx._main`` later still gets the real module. The
``httpx`` command itself runs in a process of its own and is untouched.

Every module of the toolkit that uses httpx imports it from here, so whichever comes first
does the import this way.
"""

from __future__ import annotations

import sys

_CLI = "httpx._main"

if "httpx" not in sys.modules and _CLI not in sys.modules:
    sys.modules[_CLI] = None  # type: ignore[assignment]
    try:
        import httpx
    finally:
        if sys.modules.get(_CLI, False) is None:
            del sys.modules[_CLI]
else:
    import httpx

__all__ = ["httpx"]
