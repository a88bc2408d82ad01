"""Benchmark: `dd-toolkit run --push` of a collector returning many series, before and after issue 12.

Not a test (machines are noisy): it prints the figures side by side, in one run.

  before  the toolkit at BEFORE_COMMIT (5d8aee0, the branch base of issue 12): datadog-api-client's
          model objects per series and point, 1,000 series a request, one request at a time
  after   this checkout: JSON text written straight from the series (toolkit/datadog/payload.py),
          requests cut to the intake's limits, a few at once, within --push-timeout

For 10,000 and 100,000 series (a metric name and three tags each, from a collector's metric
function, as a user writes it) it runs `dd-toolkit run bulk` and `dd-toolkit run bulk --push`
against a loopback intake, each in its own process, and prints:

  requests, raw and compressed KB per request   as the intake received them
  push ms                                       `run --push` wall minus the dry run's (median of --repeat)
  json.dumps + zlib ms                          of the same payload, in one piece (the target's unit)
  peak RSS MiB                                  of the whole `run --push` process (its VmHWM at exit)
  serialization ms / json.dumps ms              the series to JSON text, against json.dumps of the
                                                same payload as dicts (in a process of its own)

Targets (issue 12): serialization <= 2x json.dumps; push <= 4x json.dumps + zlib (100,000
series); peak RSS <= 120 MiB; at most 25 requests for 100,000 series.

Run: `.venv/bin/python bench/push_bench.py [--series 10000 100000] [--repeat 3]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE_COMMIT = "5d8aee0"  # the branch base: the push as it was before issue 12
sys.path.insert(0, str(ROOT / "tests"))

COLLECTOR = {
    "__init__.py": "",
    "collector.py": 'from toolkit import BaseCollector\n\n\nclass BulkCollector(BaseCollector):\n    """Many series."""\n',
    "metrics.py": (
        "import os\n\nfrom toolkit import metric\n\n\n"
        '@metric("bench.push.value", unit="count")\n'
        "def value():\n"
        '    n = int(os.environ["BULK_SERIES"])\n'
        '    return {(f"host:host-{i % 500}", f"shard:{i}", "team:platform"): float(i) for i in range(n)}\n'
    ),
}


def write_collector(collectors: Path) -> None:
    (collectors / "bulk").mkdir(parents=True, exist_ok=True)
    (collectors / "__init__.py").touch()
    for name, text in COLLECTOR.items():
        (collectors / "bulk" / name).write_text(text)


def before_tree(workdir: Path) -> Path:
    """BEFORE_COMMIT's toolkit, with the bulk collector among its built-ins."""
    tree = workdir / "before"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", BEFORE_COMMIT], cwd=ROOT, capture_output=True, check=True, timeout=60).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True, timeout=60)
    write_collector(tree / "collectors")
    return tree


# The CLI's own entry point, printing the process's peak RSS at exit. VmHWM, not the parent's
# ru_maxrss of the child: Linux carries ru_maxrss over an exec, so it can be the forking parent's.
CLI = (
    "import atexit, re, sys; atexit.register(lambda: print('vmhwm_kib=' + "
    "re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1), file=sys.stderr)); "
    "from toolkit.cli import main; sys.exit(main(sys.argv[1:]))"
)


def command(side: str, tree: Path, push: bool) -> tuple[list[str], dict[str, str], Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    if side == "before":
        env["PYTHONPATH"] = str(tree)
        args = [sys.executable, "-c", CLI, "run", "bulk"]
        cwd = tree
    else:
        args = [sys.executable, "-c", CLI, "--project", str(tree), "run", "bulk"]
        cwd = ROOT
    return args + (["--push"] if push else []), env, cwd


def timed_run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one process, which must exit 0."""
    began = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[3:])} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return wall, int(done.stderr.rsplit("vmhwm_kib=", 1)[1].split()[0]) / 1024


def run_side(side: str, tree: Path, count: int, repeat: int) -> dict:
    from loopback import Loopback, Reply

    figures: dict = {"dry": [], "push": [], "rss": 0.0}
    for _ in range(repeat):
        args, env, cwd = command(side, tree, push=False)
        env["BULK_SERIES"] = str(count)
        figures["dry"].append(timed_run(args, env, cwd)[0])
        with Loopback({"POST /api/v2/series": Reply(202, {"errors": []})}) as intake:
            args, env, cwd = command(side, tree, push=True)
            env.update(BULK_SERIES=str(count), DD_API_KEY="0" * 32, DD_URL=intake.url)
            wall, rss = timed_run(args, env, cwd)
            bodies = [r.body for r in intake.requests]
        figures["push"].append(wall)
        figures["rss"] = max(figures["rss"], rss)
    figures["requests"] = len(bodies)
    figures["compressed"] = sum(map(len, bodies)) / max(1, len(bodies))
    payloads = [zlib.decompress(b) if b[:1] == b"\x78" else b for b in bodies]
    figures["raw"] = sum(map(len, payloads)) / max(1, len(payloads))
    figures["sent"] = sum(len(json.loads(p)["series"]) for p in payloads)
    figures["push_ms"] = (statistics.median(figures["push"]) - statistics.median(figures["dry"])) * 1000
    figures.update(serialization(side, tree, count))
    return figures


def serialization(side: str, tree: Path, count: int) -> dict:
    args = [sys.executable, __file__, "--child", side, "--tree", str(tree), "--series", str(count)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    if side == "before":
        env["PYTHONPATH"] = str(tree)
    done = subprocess.run(args, env=env, cwd=tree if side == "before" else ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"serialization {side} {count}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def child(side: str, count: int) -> None:
    """Serialization timings in this process: the series of a run to JSON text, against json.dumps."""
    from toolkit import CollectionResult, MetricOutcome, Series
    from toolkit.datadog import PushSettings

    settings = PushSettings("0" * 32, "http://127.0.0.1:9")
    series = tuple(Series("bench.push.value", float(i), (f"host:host-{i % 500}", f"shard:{i}", "team:platform"), "count") for i in range(count))
    result = CollectionResult("bulk", datetime.now(UTC), 0.1, [MetricOutcome("bench.push.value", "count", "gauge", "", "ok", 0.0, series=series)])
    if side == "before":
        import importlib

        from datadog_api_client.model_utils import data_to_dict

        module = importlib.import_module("toolkit.datadog.push")
        items = module.build_series([result], settings)

        def serialize():
            for batch in module.batches(items):  # what submit_metrics did per request: models, then back to dicts
                json.dumps(data_to_dict(module._payload(batch)))

        sent = {"series": [body for _, body in items]}
        runs = 1  # about 40x json.dumps: once is enough to compare
    else:
        from toolkit.datadog import build_series
        from toolkit.datadog.push import make_plan

        def serialize():
            made = make_plan([result], settings)
            for group in made.groups:
                ",".join(group.fragments(0, len(group.series)))

        sent = {"series": [body for _, body in build_series([result], settings)]}
        runs = 3
    # the baseline: the payload the side sends, as dicts both sides build the same way (json.loads)
    payload = json.loads(json.dumps(sent))
    serialize_s = median_time(serialize, runs)
    text = json.dumps(payload, separators=(",", ":")).encode()
    dumps = median_time(lambda: json.dumps(payload, separators=(",", ":")).encode(), 3)
    dumps_zlib = dumps + median_time(lambda: zlib.compress(text), 3)
    print(json.dumps({"serialize_ms": serialize_s * 1000, "dumps_ms": dumps * 1000, "dumps_zlib_ms": dumps_zlib * 1000}))


ROWS = [
    ("requests", "requests", "{:.0f}", 1),
    ("raw KB / request", "raw", "{:.0f}", 1 / 1000),
    ("compressed KB / request", "compressed", "{:.0f}", 1 / 1000),
    ("push ms (run --push - dry run)", "push_ms", "{:.0f}", 1),
    ("json.dumps + zlib ms", "dumps_zlib_ms", "{:.0f}", 1),
    ("peak RSS MiB (run --push)", "rss", "{:.0f}", 1),
    ("serialization ms", "serialize_ms", "{:.0f}", 1),
    ("json.dumps ms (same payload)", "dumps_ms", "{:.0f}", 1),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command; the median wall time is used")
    parser.add_argument("--child", choices=("before", "after"))
    parser.add_argument("--tree")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.series[0])
        return
    with tempfile.TemporaryDirectory(prefix="push-bench-") as workdir:
        trees = {"before": before_tree(Path(workdir)), "after": Path(workdir) / "project"}
        write_collector(trees["after"] / "collectors")
        for count in args.series:
            figures = {side: run_side(side, tree, count, args.repeat) for side, tree in trees.items()}
            before, after = figures["before"], figures["after"]
            print(f"\n{count:,} series (sent: before {before['sent']:,}, after {after['sent']:,}; repeat {args.repeat})")
            print(f"  {'':34} {'before':>10} {'after':>10}")
            for label, key, fmt, scale in ROWS:
                print(f"  {label:34} {fmt.format(before[key] * scale):>10} {fmt.format(after[key] * scale):>10}")
            for name, f in figures.items():
                print(f"  {name:6}: serialization / json.dumps = {f['serialize_ms'] / f['dumps_ms']:.2f}x (target <= 2), "
                      f"push / (json.dumps + zlib) = {f['push_ms'] / f['dumps_zlib_ms']:.2f}x (target <= 4), "
                      f"peak RSS {f['rss']:.0f} MiB (target <= 120)")


if __name__ == "__main__":
    main()
