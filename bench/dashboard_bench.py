"""Key latency of the dashboard: key press to repaint, idle and during "run all".

    .venv/bin/python bench/dashboard_bench.py [--keys 40]

Drives the real app with Textual's pilot (headless) on the fixture collectors (tests/fixtures,
offline replay, the real engine). Each sample is the time from pressing ``down`` in the
metrics table until the app has handled it and repainted (``pilot.pause()`` returns after the
screen's refresh). "during runs" presses while every collector is being run again and again.
Prints median and p95 side by side; the issue's target is at most 50 ms during runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


async def measure(keys: int, during_runs: bool) -> list[float]:
    from fixtures.dashboard import VALUES, FakeClock, refs

    from toolkit.tui import create_app

    app = create_app(refs("shop", "sample", "broken", "leaky"), offline=True, values=VALUES, clock=FakeClock(),
                     run_on_start=False, reload=False, timeout=30)
    samples: list[float] = []
    async with app.run_test(size=(140, 40)) as pilot:
        app.action_run_all()
        await app.workers.wait_for_complete()
        await pilot.press("2")
        for _ in range(keys):
            if during_runs:
                app.action_run_all()  # collectors that are still running are skipped
            began = time.perf_counter()
            await pilot.press("down")
            await pilot.pause()
            samples.append(time.perf_counter() - began)
        app.workers.cancel_all()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=40)
    args = parser.parse_args()
    idle = asyncio.run(measure(args.keys, during_runs=False))
    busy = asyncio.run(measure(args.keys, during_runs=True))
    print(f"{'':14}{'median':>10}{'p95':>10}")
    for label, samples in (("idle", idle), ("during runs", busy)):
        print(f"{label:14}{statistics.median(samples) * 1000:>8.1f}ms{p95(samples) * 1000:>8.1f}ms")
    print(f"during/idle median ratio: {statistics.median(busy) / statistics.median(idle):.2f} (target: during runs <= 50 ms)")


if __name__ == "__main__":
    main()
