"""``python -m toolkit.cli`` works as the brief and the READMEs say (it needs ``__main__.py``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_python_dash_m_toolkit_cli_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "toolkit.cli", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "dd-toolkit 0.1.0"
