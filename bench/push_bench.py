"""Benchmark: the push at intake speed, against a loopback intake, before and after issue 12.

Not a test (machines are noisy): it prints the figures side by side.

  before  the branch base's push (git show 5d8aee0:toolkit/datadog/push.py): datadog-api-client's
          model objects per series and point, 1,000 series a request, one request at a time
  after   toolkit/datadog/push.py: the JSON built once, deflated, batches sized to the intake's
          limits, a few requests at once, within --push-timeout

For 10,000 and 100,000 series (a metric name and three tags each) it prints: requests, raw and
compressed bytes per request (as the intake received them), serialization against json.dumps of
the same payload, the push's wall time against json.dumps + zlib of that payload, and the peak RSS
of the process that pushed (each case runs in its own process; VmHWM, so nothing else counts).

Run: `.venv/bin/python bench/push_bench.py [--series 10000 100000]`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
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
sys.path.insert(0, str(ROOT))


def make_result(count: int):
    from toolkit import CollectionResult, MetricOutcome, Series

    series = tuple(
        Series("bench.push.value", float(i), (f"host:host-{i % 500}", f"shard:{i}", "team:platform"))
        for i in range(count)
    )
    outcome = MetricOutcome("bench.push.value", "count", "gauge", "", "ok", 0.0, series=series)
    return CollectionResult("bench", datetime.now(UTC), 0.1, [outcome])


def load_before():
    """The old push module, loaded under toolkit.datadog so its relative imports resolve."""
    source = subprocess.run(["git", "show", f"{BEFORE_COMMIT}:toolkit/datadog/push.py"], cwd=ROOT,
                            capture_output=True, text=True, check=True, timeout=30).stdout
    path = Path(tempfile.mkdtemp(prefix="push-before-")) / "push_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("toolkit.datadog._push_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def peak_rss_mib() -> float:
    return int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024


def child(case: str, count: int, intake: str) -> None:
    """One case in this process: serialization timings, then the push to ``intake``."""
    from toolkit.datadog import PushSettings

    settings = PushSettings("0" * 32, intake)
    result = make_result(count)
    if case == "before":
        module = load_before()
    else:
        import importlib

        module = importlib.import_module("toolkit.datadog.push")  # the module (the package exports the function)
    items = module.build_series([result], settings)
    payload = {"series": [body for _, body in items]}

    began = time.perf_counter()
    baseline = json.dumps(payload, separators=(",", ":")).encode()
    dumps = time.perf_counter() - began
    began = time.perf_counter()
    zlib.compress(baseline)
    dumps_zlib = dumps + (time.perf_counter() - began)

    began = time.perf_counter()
    if case == "before":
        from datadog_api_client.model_utils import data_to_dict

        for batch in module.batches(items):  # what submit_metrics did per request: models, then back to dicts
            json.dumps(data_to_dict(module._payload(batch)))
    else:
        for batch in module.batches(items):
            json.dumps({"series": [body for _, body in batch]}, separators=(",", ":"))
    serialize = time.perf_counter() - began

    began = time.perf_counter()
    if case == "before":
        report = module.push([result], settings)
    else:
        report = module.push([result], settings, timeout=120)
    wall = time.perf_counter() - began
    print(json.dumps({"dumps": dumps, "dumps_zlib": dumps_zlib, "serialize": serialize, "wall": wall,
                      "sent": report.sent, "ok": report.ok, "rss": peak_rss_mib()}))


def run_case(case: str, count: int) -> dict:
    from loopback import Loopback, Reply

    with Loopback({"POST /api/v2/series": Reply(202, {"errors": []})}) as intake:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
        env["PYTHONPATH"] = str(ROOT)
        done = subprocess.run([sys.executable, __file__, "--child", case, "--series", str(count), "--intake", intake.url],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"{case} {count}: {done.stderr[-2000:]}")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        bodies = [r.body for r in intake.requests]
    figures["requests"] = len(bodies)
    figures["compressed"] = sum(map(len, bodies)) / max(1, len(bodies))
    figures["raw"] = sum(len(zlib.decompress(b)) if b[:1] == b"\x78" else len(b) for b in bodies) / max(1, len(bodies))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--child", choices=("before", "after"))
    parser.add_argument("--intake")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.series[0], args.intake)
        return
    rows = [
        ("requests", "requests", "{:.0f}"),
        ("raw KB / request", "raw", "{:.0f}", 1 / 1000),
        ("compressed KB / request", "compressed", "{:.0f}", 1 / 1000),
        ("serialization ms", "serialize", "{:.0f}", 1000),
        ("json.dumps ms (same payload)", "dumps", "{:.0f}", 1000),
        ("push wall ms", "wall", "{:.0f}", 1000),
        ("json.dumps + zlib ms", "dumps_zlib", "{:.0f}", 1000),
        ("peak RSS MiB", "rss", "{:.0f}"),
    ]
    for count in args.series:
        before, after = run_case("before", count), run_case("after", count)
        print(f"\n{count:,} series (all sent: before {before['ok']}, after {after['ok']})")
        print(f"  {'':32} {'before':>10} {'after':>10}")
        for label, key, fmt, *scale in rows:
            k = scale[0] if scale else 1
            print(f"  {label:32} {fmt.format(before[key] * k):>10} {fmt.format(after[key] * k):>10}")
        for name, f in (("before", before), ("after", after)):
            print(f"  {name}: serialization / json.dumps = {f['serialize'] / f['dumps']:.1f}x (target <= 2), "
                  f"push wall / (json.dumps + zlib) = {f['wall'] / f['dumps_zlib']:.1f}x (target <= 4)")


if __name__ == "__main__":
    main()
