"""Benchmark: the engine's concurrent run against the seed's serial loop, cold start, memory.

Not a test (machines are noisy): it prints ratios against the targets of issue 2. The sides of each
ratio run in turn (A B A B ..., medians of 5), so a load that comes and goes weighs on both.

  engine / serial loop      target <= 0.10  (same metric functions, same loopback server; the serial
                                             loop as an expert writes it: one client, kept connected)
  engine / critical path    target <= 1.5   (the slowest metric's own chain of requests, timed inside a run
                                             with a warm pooled client: no client or connection set-up)
  queueing                  N=256 metrics over a pool of 16: engine / (waves x one metric's warm time)
  cold start                `dd-toolkit run --help` and an offline run beside `python -c pass`
  peak memory               a headless offline dry run, target <= 60 MiB

Run: `make bench` or `.venv/bin/python bench/engine_bench.py [--latency-ms 50] [--metrics 24]`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from loopback import Loopback, Reply  # noqa: E402

from toolkit import BaseCollector, auto_discover_metrics, http_client, metric  # noqa: E402
from toolkit.model import RunContext, enter_run, leave_run  # noqa: E402
from toolkit.sources import pooled_transport  # noqa: E402


def build_metrics(url: str, count: int, long_chain: int, chain: int, shared=None) -> types.ModuleType:
    """``count`` metrics: one makes ``long_chain`` sequential requests, the others ``chain``.

    Each opens ``http_client`` (inside a run it shares the run's pooled connections); with
    ``shared``, each uses that one client instead, as an expert's serial loop would.
    """
    module = types.ModuleType("bench_metrics")

    def make(i: int, hops: int):
        @metric(f"bench.loop.m{i:02d}")
        def fn():
            total = 0
            with contextlib.nullcontext(shared) if shared is not None else http_client(url) as client:
                for hop in range(hops):
                    total += client.get(f"/m{i}/{hop}").json()["n"]
            return total

        return fn

    for i in range(count):
        setattr(module, f"m{i:02d}", make(i, long_chain if i == 0 else chain))
    return module


def seed_serial_loop(module: types.ModuleType) -> dict[str, float]:
    """The seed guide's collect_metrics: one function after another (on one shared client)."""
    collected = {}
    for key, func in auto_discover_metrics(module).items():
        value = func()
        if value is not None:
            collected[key] = value
    return collected


def bench_collector(module: types.ModuleType, workers: int = 16) -> BaseCollector:
    class BenchCollector(BaseCollector):
        name = "bench"
        metrics_module = module
        max_workers = workers

    collector = BenchCollector()
    check = collector.run(timeout=120)
    assert not check.errors, check.errors
    return collector


def side_by_side(sides: dict[str, Callable[[], object]], repeat: int = 5) -> dict[str, float]:
    """Each side's median time, the sides run in turn (A B A B ...): load weighs on both alike."""
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(repeat):
        for name, fn in sides.items():
            began = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - began)
    return {name: statistics.median(s) for name, s in samples.items()}


def engine_vs_serial(latency: float, count: int) -> None:
    long_chain, chain = 4, 2
    with Loopback(default=Reply(200, {"n": 1}, delay=latency)) as server, http_client(server.url) as shared:
        module = build_metrics(server.url, count, long_chain, chain)
        serial_module = build_metrics(server.url, count, long_chain, chain, shared=shared)
        collector = bench_collector(module)
        shared.get("/warm")  # the serial loop's one connection is open before the clock starts
        critical_fn = module.m00
        context = RunContext(collector="bench", deadline=time.monotonic() + 600, transport=pooled_transport(4))

        def critical_path() -> None:  # m00 alone, inside a run whose pooled client is connected
            token = enter_run(context)
            try:
                critical_fn()
            finally:
                leave_run(token)

        critical_path()  # connect
        took = side_by_side({
            "engine": lambda: collector.run(timeout=60),
            "serial": lambda: seed_serial_loop(serial_module),
            "critical": critical_path,
        })
        context.transport.close()
        engine, serial, critical = took["engine"], took["serial"], took["critical"]
    requests = long_chain + (count - 1) * chain
    print(f"metrics: {count}, requests per run: {requests}, server latency: {latency * 1000:.0f} ms per request")
    print(f"  serial loop         {serial * 1000:8.1f} ms  (one function after another, one shared client)")
    print(f"  critical path       {critical * 1000:8.1f} ms  (metric m00: {long_chain} sequential requests)")
    print(f"  engine run          {engine * 1000:8.1f} ms")
    print(f"  engine / serial     {engine / serial:8.3f}     target <= 0.10  {'OK' if engine / serial <= 0.10 else 'MISSED'}")
    print(f"  engine / critical   {engine / critical:8.3f}     target <= 1.5   {'OK' if engine / critical <= 1.5 else 'MISSED'}")


def queueing(latency: float, count: int = 256, workers: int = 16) -> None:
    """More metrics than workers: the run should take the waves it needs and little more."""
    with Loopback(default=Reply(200, {"n": 1}, delay=latency)) as server:
        module = build_metrics(server.url, count, 2, 2)
        collector = bench_collector(module, workers)
        one_fn = module.m01
        context = RunContext(collector="bench", deadline=time.monotonic() + 600, transport=pooled_transport(4))

        def one_metric() -> None:
            token = enter_run(context)
            try:
                one_fn()
            finally:
                leave_run(token)

        one_metric()  # connect
        took = side_by_side({"engine": lambda: collector.run(timeout=120), "one": one_metric})
        context.transport.close()
        engine, one = took["engine"], took["one"]
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
    took = side_by_side({label: (lambda argv=argv: subprocess.run(argv, capture_output=True, check=False)) for label, argv in cases})
    base = took[cases[0][0]]
    print("cold start (interleaved, median of 5):")
    for label, _ in cases:
        print(f"  {label:45s} {took[label] * 1000:7.1f} ms  ({took[label] / base:4.1f}x python)")
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
