"""Benchmark: the gaps to the floor of issue 24, each a ratio of two sides measured side by side.

Not a test (machines are noisy): every pair of sides runs interleaved (A B A B ...) in one run,
and the medians are compared, so a load that comes and goes weighs on both sides alike.

  cold start      `dd-toolkit --help` / `python -c pass`                         target <= 2
                  `dd-toolkit run github --offline --json` / `python -c pass`    target <= 5
                  (shown beside them, not targets: the floor of that run's own work, a script that
                  imports httpx, as the toolkit does, and decodes the same nine recorded GitHub
                  responses, 3.5 MB of JSON; and the same script importing httpx-retries too, the
                  retry layer every client of a run goes through: it imports asyncio)
  wide metric     one metric returning 1,000,000 tagged values, dry run (the engine's `collect`,
                  the metric function's own building of its dict included) / the dict's build
                  time, in the same process                                      target <= 3
                  peak RSS of that run - peak RSS of a process that only builds the dict
                                                                                 target <= 100 MiB
  run table       the terminal table of `run` for 50 collectors / their JSON output   target <= 3

Run: `make bench` or `.venv/bin/python bench/floor_bench.py [--repeat 7] [--series 1000000] [--only cold|wide|table]`.
"""

from __future__ import annotations

import argparse
import io
import json
import marshal
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def interleaved(sides: dict[str, list[str]], repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall time and CPU time (user + system) of each side's command, the sides run in
    turn ``repeat`` times. On a loaded machine the CPU time is the steadier of the two."""
    wall: dict[str, list[float]] = {label: [] for label in sides}
    cpu: dict[str, list[float]] = {label: [] for label in sides}
    for _ in range(repeat):
        for label, argv in sides.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            began = time.perf_counter()
            subprocess.run(argv, capture_output=True, check=False, cwd=ROOT)
            wall[label].append(time.perf_counter() - began)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[label].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return ({label: statistics.median(s) for label, s in wall.items()},
            {label: statistics.median(s) for label, s in cpu.items()})


# The least any Python program pays for what `run github --offline` does with its data: httpx
# imported (without its command-line client, as the toolkit imports it: a plain `import httpx`
# costs ~45 ms more), and the cassette's nine gzip bodies decoded and parsed as JSON.
FLOOR = r'''
import gzip, json, marshal, sys
sys.modules["httpx._main"] = None
import httpx
if sys.argv[2:] == ["retries"]:
    import httpx_retries
for body in marshal.load(open(sys.argv[1], "rb")):
    json.loads(gzip.decompress(body))
'''


def _github_bodies(into: Path) -> Path:
    import yaml

    cassette = yaml.load((ROOT / "tests" / "cassettes" / "github" / "github.yaml").read_bytes(), Loader=yaml.CSafeLoader)
    path = into / "github-bodies.marshal"
    path.write_bytes(marshal.dumps([i["response"]["body"]["string"] for i in cassette["interactions"]]))
    return path


def cold_start(repeat: int) -> None:
    exe = str(ROOT / ".venv" / "bin" / "dd-toolkit")
    if not os.path.exists(exe):
        exe = "dd-toolkit"
    # byte-compile (as `pip install` does for an installed toolkit): a PYTHONDONTWRITEBYTECODE in the
    # environment would have every run compile the toolkit's sources again (~60 ms)
    warm = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([exe, "run", "github", "--offline", "--json"], capture_output=True, check=False, cwd=ROOT, env=warm)
    scratch = Path(tempfile.mkdtemp(prefix="floor-bench-"))
    sides = {
        "python -c pass": [PY, "-c", "pass"],
        "dd-toolkit --help": [exe, "--help"],
        "dd-toolkit run github --offline --json": [exe, "run", "github", "--offline", "--json"],
        "floor: httpx + its 9 bodies decoded": [PY, "-c", FLOOR, str(bodies := _github_bodies(scratch))],
        "floor + httpx-retries": [PY, "-c", FLOOR, str(bodies), "retries"],
    }
    try:
        took, cpu = interleaved(sides, repeat)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    base, base_cpu = took["python -c pass"], cpu["python -c pass"]
    print(f"cold start (interleaved, median of {repeat}; wall time, then CPU time):")
    for label, target in (("python -c pass", None), ("dd-toolkit --help", 2.0), ("dd-toolkit run github --offline --json", 5.0),
                          ("floor: httpx + its 9 bodies decoded", None), ("floor + httpx-retries", None)):
        ratio = took[label] / base
        tail = "" if target is None else f"  target <= {target:g}  {verdict(ratio <= target)}"
        print(f"  {label:42s} {took[label] * 1000:7.1f} ms  {ratio:5.2f}x python   "
              f"CPU {cpu[label] * 1000:6.1f} ms  {cpu[label] / base_cpu:5.2f}x{tail}")


# One metric of ``n`` tagged values, as a collector writes it. "dict" only builds the dict and
# holds it (the floor: the collector's own work); "run" collects it through the engine.
WIDE = r'''
import json, resource, sys, time
mode, n = sys.argv[1], int(sys.argv[2])
from toolkit import BaseCollector, RunOptions, collect, metric
built = {}
def build():
    began = time.perf_counter()
    values = {(f"host:host-{i % 500}", f"shard:{i}", "team:platform"): float(i) for i in range(n)}
    built["s"] = time.perf_counter() - began
    return values
if mode == "dict":
    held = build()
    total = built["s"]
else:
    import types
    module = types.ModuleType("wide_metrics")
    module.wide = metric("bench.wide.value", unit="count")(build)
    class WideCollector(BaseCollector):
        name = "wide"
        metrics_module = module
    began = time.perf_counter()
    result = collect(WideCollector(), RunOptions(timeout=600))
    total = time.perf_counter() - began
    assert len(result.outcomes[0].series) == n, result.errors
print(json.dumps({"build": built["s"], "total": total, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def wide_metric(series: int, repeat: int) -> None:
    runs: dict[str, list[dict]] = {"dict": [], "run": []}
    for _ in range(repeat):
        for mode in runs:
            out = subprocess.run([PY, "-c", WIDE, mode, str(series)], capture_output=True, text=True, check=True, cwd=ROOT).stdout
            runs[mode].append(json.loads(out.strip().splitlines()[-1]))
    ratios = [r["total"] / r["build"] for r in runs["run"]]
    build = statistics.median(r["build"] for r in runs["run"])
    total = statistics.median(r["total"] for r in runs["run"])
    ratio = statistics.median(ratios)
    floor = statistics.median(r["rss"] for r in runs["dict"])
    peak = statistics.median(r["rss"] for r in runs["run"])
    print(f"wide metric: {series:,} tagged values in one metric (interleaved, median of {repeat}):")
    print(f"  the dict's build {build * 1000:8.0f} ms, the dry run {total * 1000:8.0f} ms: "
          f"{ratio:5.2f}x  target <= 3  {verdict(ratio <= 3)}")
    print(f"  peak RSS: the dict alone {floor:6.0f} MiB, the dry run {peak:6.0f} MiB: "
          f"+{peak - floor:.0f} MiB  target <= +100  {verdict(peak - floor <= 100)}")
    print(f"  memory per million series: about {peak / series * 1_000_000:.0f} MiB at peak (dict included)")


def run_table(repeat: int, collectors: int = 50, metrics: int = 12) -> None:
    """The terminal table against the JSON output for the same results, rendered in-process."""
    from datetime import UTC, datetime

    from rich.console import Console

    from toolkit.cli import _report
    from toolkit.model import OK, CollectionResult, MetricOutcome, Series

    def outcomes(c: int) -> list[MetricOutcome]:
        found = []
        for m in range(metrics):
            name = f"c{c}.metric_{m}"
            if m % 3:
                found.append(MetricOutcome(name, "count", "gauge", "", OK, 0.012, value=float(m), series=(Series(name, float(m)),)))
            else:
                tagged = tuple(Series(name, float(i), (f"repo:r{i}", "team:a")) for i in range(5))
                found.append(MetricOutcome(name, "count", "gauge", "", OK, 0.02, series=tagged))
        return found

    results = [CollectionResult(f"collector{c}", datetime.now(UTC), 0.5, outcomes(c)) for c in range(collectors)]

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    def table() -> None:
        real = _report.stdout_console
        _report.stdout_console = lambda: Console(file=Tty(), highlight=False, width=120)
        try:
            _report.print_results(results)
        finally:
            _report.stdout_console = real

    def as_json() -> None:
        json.dumps([r.to_json() for r in results], indent=2)

    samples: dict[str, list[float]] = {"table": [], "json": []}
    for _ in range(repeat):
        for label, fn in (("table", table), ("json", as_json)):
            began = time.perf_counter()
            fn()
            samples[label].append(time.perf_counter() - began)
    t, j = statistics.median(samples["table"]), statistics.median(samples["json"])
    print(f"run table: {collectors} collectors of {metrics} metrics on a terminal (interleaved, median of {repeat}):")
    print(f"  table {t * 1000:7.1f} ms, JSON {j * 1000:7.1f} ms: {t / j:5.2f}x  target <= 3  {verdict(t / j <= 3)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--series", type=int, default=1_000_000)
    parser.add_argument("--only", choices=("cold", "wide", "table"), help="measure one gap only")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores")
    if args.only in (None, "cold"):
        cold_start(args.repeat)
    if args.only in (None, "wide"):
        wide_metric(args.series, max(3, args.repeat // 2))
    if args.only in (None, "table"):
        run_table(args.repeat)


if __name__ == "__main__":
    main()
