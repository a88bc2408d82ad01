"""Benchmark: peak memory of `record`, `record --check` and `run --capture` of a 30 MB body, before
and after issue 21 (recording streamed to disk).

Not a test (machines are noisy): it prints the figures side by side, in one run.

  before  the toolkit at BEFORE_COMMIT (the branch base of issue 21's streaming): vcrpy holds every
          interaction and dumps the whole cassette as YAML at once; `record` loads the new
          cassette again for its replay check
  after   this checkout

A loopback API answers one JSON body of --mb megabytes (30 by default, under the body cap
toolkit/sources/http.py MAX_BODY_BYTES); a collector reads it with ``response.json()`` and
returns how many items it holds. Each command runs as the real CLI in its own process; the
figure is that process's peak RSS (VmHWM at exit) and its wall time. The chart gives a pod 256 Mi.

Run: `.venv/bin/python bench/record_bench.py [--mb 30]`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE_COMMIT = "4f2b15a"  # the branch base: recording as it was before the streaming
sys.path.insert(0, str(ROOT / "tests"))

from bigbody import CLI, LIMIT_MIB, big_body, peak_mib, write_project  # noqa: E402  (tests/bigbody.py)

COMMANDS = {
    "record": ["record", "big"],
    "record --check": ["record", "big", "--check"],
    "run --capture": ["run", "big", "--capture", "{capture}"],
}


def before_tree(workdir: Path) -> Path:
    tree = workdir / "before"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", BEFORE_COMMIT, "toolkit"], cwd=ROOT, capture_output=True, check=True, timeout=60).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True, timeout=60)
    return tree


def measure(toolkit_tree: Path, project: Path, argv: list[str], api: str) -> tuple[float, float, str]:
    """Peak RSS (MiB), wall seconds and the output's last line of one CLI process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DD_", "BIG_"))}
    env.update(PYTHONPATH=str(toolkit_tree), BIG_API_URL=api)
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CLI, "--project", str(project), *argv],
                          cwd=project, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - began
    if "vmhwm_kib=" not in done.stderr:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    last = (done.stdout.strip().splitlines() or [""])[-1] if done.returncode == 0 else f"exit {done.returncode}: {done.stderr.strip().splitlines()[-2:]}"
    return peak_mib(done.stderr), wall, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=30.0, help="the body's size in MB (default 30)")
    args = parser.parse_args()
    from loopback import Loopback, Reply

    body = big_body(int(args.mb * 1_000_000))
    rows = []
    with tempfile.TemporaryDirectory(prefix="dd-toolkit-record-bench-") as scratch, \
            Loopback({"GET /items": Reply(200, body)}) as api:
        trees = {"before": before_tree(Path(scratch)), "after": ROOT}
        for name, argv in COMMANDS.items():
            row = [name]
            for side, tree in trees.items():
                project = Path(scratch) / f"{side}-{name.replace(' ', '').replace('-', '')}"
                write_project(project)
                if name == "record --check":  # something committed to compare with
                    measure(tree, project, ["record", "big"], api.url)
                argv_here = [a.format(capture=project / "capture") for a in argv]
                rss, wall, last = measure(tree, project, argv_here, api.url)
                if last.startswith("exit "):
                    raise SystemExit(f"{side} {name}: {last}")
                row += [rss, wall]
            rows.append(row)
    print(f"body: {len(body) / 1e6:.1f} MB of JSON; the chart's memory limit: {LIMIT_MIB} MiB")
    print(f"{'command':<16} {'before MiB':>11} {'after MiB':>10} {'ratio':>6}   {'before s':>8} {'after s':>8}")
    for name, rss_before, wall_before, rss_after, wall_after in rows:
        print(f"{name:<16} {rss_before:>11.0f} {rss_after:>10.0f} {rss_after / rss_before:>6.2f}   {wall_before:>8.1f} {wall_after:>8.1f}")
    print(json.dumps({name: {"before_mib": round(b, 1), "after_mib": round(a, 1)} for name, b, _, a, _ in rows}))


if __name__ == "__main__":
    main()
