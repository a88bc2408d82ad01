"""Where a collector's cassettes are: the one rule, used by the engine's offline default and by ``Project``.

``DD_TOOLKIT_CASSETTES`` (a directory holding one directory per collector) wins; otherwise a
collector's cassettes are ``tests/cassettes/<name>/`` of the project its module lives in (the
nearest parent of the module's file that has ``tests/cassettes/``), or, for a built-in collector
installed from a wheel, the ``_cassettes/<name>/`` shipped beside it; else those of the working
directory.
"""

from __future__ import annotations

import os
from pathlib import Path

CASSETTES_RELPATH = Path("tests") / "cassettes"
SHIPPED = "_cassettes"  # toolkit/collectors/_cassettes/<name> in a wheel (setup.py puts them there)
ENV_VAR = "DD_TOOLKIT_CASSETTES"


def default_directory(name: str, module_file: str | Path | None) -> Path:
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override) / name
    if module_file:
        for parent in Path(module_file).resolve().parents:
            if (parent / CASSETTES_RELPATH).is_dir():
                return parent / CASSETTES_RELPATH / name
            if (parent / SHIPPED / name).is_dir():
                return parent / SHIPPED / name
    return Path.cwd() / CASSETTES_RELPATH / name
