"""How long `dd-toolkit new` takes (the issue's target: about a second).

Generates collectors into a scratch copy of the project layout, in fresh processes as a user
would run the command, and prints the timings. Not a test: timings depend on the machine.

    python bench/new_bench.py [ROUNDS]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def scratch_project(base: Path) -> Path:
    root = base / "project"
    (root / "collectors").mkdir(parents=True)
    shutil.copy(REPO / "collectors" / "__init__.py", root / "collectors")
    shutil.copytree(REPO / "templates" / "collector", root / "templates" / "collector")
    return root


def main(rounds: int = 5) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    kinds = ["token", "api_key", "oauth", "aws"]
    with tempfile.TemporaryDirectory() as tmp:
        root = scratch_project(Path(tmp))
        timings = []
        for i in range(rounds):
            kind = kinds[i % len(kinds)]
            began = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "toolkit.cli", "new", f"bench_{i}", "--auth", kind, "--defaults", "--root", str(root)],
                env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL,
            )
            timings.append(time.perf_counter() - began)
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import toolkit.cli"], env=env, check=True)
        startup = time.perf_counter() - began
    print(f"dd-toolkit new, {rounds} runs (whole process): median {statistics.median(timings):.2f}s, "
          f"min {min(timings):.2f}s, max {max(timings):.2f}s; python + toolkit.cli import alone: {startup:.2f}s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
