"""Finding the real binaries the suite runs (helm, hadolint, kubernetes-validate).

CI installs them (``make test``: scripts/install-helm.sh and the test extras), so a missing one
fails the test. On a machine without them, DD_TOOLKIT_ALLOW_SKIP=1 turns that into a skip.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def require_tool(name: str) -> str:
    """The path of ``name``: <repo>/.tools, then the running Python's bin directory, then PATH."""
    candidates = [ROOT / ".tools" / name, Path(sys.executable).parent / name]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} not found in {ROOT / '.tools'}, beside {sys.executable} or on PATH (make test installs it)"
    if os.environ.get("DD_TOOLKIT_ALLOW_SKIP") == "1":
        pytest.skip(message)
    pytest.fail(message)
