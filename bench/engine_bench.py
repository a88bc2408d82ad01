"""Benchmark: the engine's concurrent run against the seed's serial loop, cold start, memory.

Not a test (machines are noisy): it prints ratios against the targets of issue 2.

  engine / serial loop      target <= 0.10  (same metric functions, same loopback server; medians of 3 runs each)
  engine / critical path    target <= 1.5   (the slowest metric's own chain of requests, timed inside a run
                                             with a warm pooled client: no client or connection set-up)
  queueing                  N=256 metrics over a pool of 16: engine / (waves x one metric's warm time)
  cold start                `dd-toolkit run --help` and an offline run beside `python -c pass`
  peak memory               a headless offline dry run, target <= 60 MiB

Run: `make bench` or `.venv/bin/python bench/engine_bench.py [--latency-ms 50] [--metrics 24]`.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from loopback import Loopback, Reply  # noqa: E402

from toolkit import BaseCollector, auto_discover_metrics, http_client, metric  # noqa: E402
from toolkit.model import RunContext, enter_run, leave_run  # noqa: E402
from toolkit.sources import pooled_transport  # noqa: E402


def build_metrics(url: str, count: int, long_chain: int, chain: int) -> types.ModuleType:
    """``count`` metrics: one makes ``long_chain`` sequential requests, the others ``chain``."""
    module = types.ModuleType("bench_metrics")

    def make(i: int, hops: int):
        @metric(f"bench.loop.m{i:02d}")
        def fn():
            total = 0
            with http_client(url) as client:  # the seed's pattern: a client per metric
                for hop in range(hops):
                    total += client.get(f"/m{i}/{hop}").json()["n"]
            return total

        return fn

    for i in range(count):
        setattr(module, f"m{i:02d}", make(i, long_chain if i == 0 else chain))
    return module


def seed_serial_loop(module: types.ModuleType) -> dict[str, float]:
    """The seed guide's collect_metrics: one function after another, a new client each time."""
    collected = {}
    for key, func in auto_discover_metrics(module).items():
        value = func()
        if value is not None:
            collected[key] = value
    return collected


def timed(fn, repeat: int = 3) -> float:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def warm_time(fn, url: str, repeat: int = 5) -> float:
    """``fn``'s median time inside a run whose pooled client is already connected."""
    context = RunContext(collector="bench", deadline=time.monotonic() + 600, transport=pooled_transport(4))
    token = enter_run(context)
    try:
        with http_client(url) as client:
            client.get("/warm")  # the connection is open before the clock starts
        return timed(fn, repeat=repeat)
    finally:
        leave_run(token)
        context.transport.close()


def bench_collector(module: types.ModuleType, workers: int = 16) -> BaseCollector:
    class BenchCollector(BaseCollector):
        name = "bench"
        metrics_module = module
        max_workers = workers

    collector = BenchCollector()
    check = collector.run(timeout=120)
    assert not check.errors, check.errors
    return collector


def engine_vs_serial(latency: float, count: int) -> None:
    long_chain, chain = 4, 2
    with Loopback(default=Reply(200, {"n": 1}, delay=latency)) as server:
        module = build_metrics(server.url, count, long_chain, chain)
        collector = bench_collector(module)
        engine = timed(lambda: collector.run(timeout=60))
        serial = timed(lambda: seed_serial_loop(module), repeat=3)
        critical = warm_time(module.m00, server.url)
    requests = long_chain + (count - 1) * chain
    print(f"metrics: {count}, requests per run: {requests}, server latency: {latency * 1000:.0f} ms per request")
    print(f"  seed serial loop    {serial * 1000:8.1f} ms")
    print(f"  critical path       {critical * 1000:8.1f} ms  (metric m00: {long_chain} sequential requests)")
    print(f"  engine run          {engine * 1000:8.1f} ms")
    print(f"  engine / serial     {engine / serial:8.3f}     target <= 0.10  {'OK' if engine / serial <= 0.10 else 'MISSED'}")
    print(f"  engine / critical   {engine / critical:8.3f}     target <= 1.5   {'OK' if engine / critical <= 1.5 else 'MISSED'}")


def queueing(latency: float, count: int = 256, workers: int = 16) -> None:
    """More metrics than workers: the run should take the waves it needs and little more."""
    with Loopback(default=Reply(200, {"n": 1}, delay=latency)) as server:
        module = build_metrics(server.url, count, 2, 2)
        collector = bench_collector(module, workers)
        engine = timed(lambda: collector.run(timeout=120))
        one = warm_time(module.m01, server.url)
    waves = -(-count // workers)
    ideal = waves * one
    print(f"queueing: {count} metrics over a pool of {workers} ({waves} waves of {one * 1000:.1f} ms each)")
    print(f"  ideal (waves x one) {ideal * 1000:8.1f} ms")
    print(f"  engine run          {engine * 1000:8.1f} ms")
    print(f"  engine / ideal      {engine / ideal:8.3f}")


def cold_start() -> None:
    exe = str(ROOT / ".venv" / "bin" / "dd-toolkit")
    if not os.path.exists(exe):
        exe = "dd-toolkit"
    offline = _offline_target()
    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("dd-toolkit run --help", [exe, "run", "--help"]),
        (f"dd-toolkit run {offline} --offline --json", [exe, "run", offline, "--offline", "--json"]),
    ]
    print("cold start (median of 5):")
    base = None
    for label, argv in cases:
        took = timed(lambda argv=argv: subprocess.run(argv, capture_output=True, check=False), repeat=5)
        base = base or took
        print(f"  {label:45s} {took * 1000:7.1f} ms  ({took / base:4.1f}x python)")
    peak = _peak_rss_mib([exe, "run", offline, "--offline", "--json"])
    print(f"peak memory of `dd-toolkit run {offline} --offline --json`: {peak:.1f} MiB  target <= 60  {'OK' if peak <= 60 else 'MISSED'}")


def _offline_target() -> str:
    cassettes = ROOT / "tests" / "cassettes"
    collectors = sorted(p.name for p in (ROOT / "collectors").iterdir() if (p / "collector.py").exists())
    with_cassettes = [c for c in collectors if (cassettes / c).is_dir()]
    return "github" if "github" in with_cassettes else (with_cassettes or collectors or ["github"])[0]


def _peak_rss_mib(argv: list[str]) -> float:
    code = "import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True).stdout
    return int(out.strip()) / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--metrics", type=int, default=24)
    args = parser.parse_args()
    engine_vs_serial(args.latency_ms / 1000, args.metrics)
    queueing(args.latency_ms / 1000)
    cold_start()
    print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
