"""A package's names imported on first use (PEP 562), so ``dd-toolkit run`` imports only what it uses.

``__getattr__, __dir__ = lazy_exports(__name__, table, globals())`` in a package's ``__init__``;
``table`` maps each name to ``(module, its name there)``, ``None`` for the module itself. A name,
once loaded, is kept in the package's namespace.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(
    package: str, table: dict[str, tuple[str, str | None]], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    def __getattr__(name: str) -> Any:
        found = table.get(name)
        if found is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attr = found
        loaded = importlib.import_module(f"{package}.{module}")
        value = loaded if attr is None else getattr(loaded, attr)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
