#!/usr/bin/env python3
"""Save an SVG screenshot of `dd-toolkit dashboard` for the docs (docs/images/dashboard.svg).

    python scripts/screenshot_dashboard.py              # the real collectors, offline replay
    python scripts/screenshot_dashboard.py --fixtures   # the test fixture collectors (shop, sample, broken)

It opens the dashboard headless at a fixed size, lets every collector run once offline (from
its cassettes: no credentials, no network), runs the first one a few more times so the
change column and the trend have something to show, and saves the screen. ``--fixtures`` also freezes
the clock and durations, so its output is the same on every machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def highlight_first_change(app) -> None:
    """Put the metrics cursor on the first series whose value moved, for a trend worth seeing."""
    from toolkit.tui.widgets import MetricsTable

    table = app.query_one(MetricsTable)
    moved = [i for i in range(table.row_count) if str(table.get_row_at(i)[-1])[:1] in ("+", "-")]
    # a collector's own metrics before its meta-metrics (collector.<name>.duration_seconds moves every run)
    moved.sort(key=lambda i: str(table.get_row_at(i)[0]).startswith("collector."))
    if moved:
        table.move_cursor(row=moved[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", action="store_true", help="use the test fixture collectors instead of the real ones")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "dashboard.svg")
    parser.add_argument("--size", default="140x40", help="terminal size as COLUMNSxROWS (default 140x40)")
    parser.add_argument("--runs", type=int, default=4, help="runs of the first collector, for the change and trend (default 4)")
    parser.add_argument("--text", action="store_true", help="also print the screen as plain text")
    parser.add_argument("--panel", choices=("none", "payload", "http"), default="payload",
                        help="the detail panel to open on the highlighted metric (default payload)")
    args = parser.parse_args(argv)
    columns, rows = (int(n) for n in args.size.lower().split("x"))

    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from toolkit.tui import create_app

    if args.fixtures:
        from fixtures.dashboard import VALUES, FakeClock, frozen_runner, refs
        from fixtures.sample import metrics as sample_metrics

        sample_metrics.release.set()  # its hanging metric returns at once
        app = create_app(refs("shop", "sample", "broken"), offline=True, values=VALUES, clock=FakeClock(), runner=frozen_runner, reload=False)
    else:
        app = create_app(offline=True, reload=False)  # no watcher: the workers must all complete

    async def pilot_script(pilot) -> None:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for _ in range(args.runs - 1):
            await pilot.press("r")
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        highlight_first_change(pilot.app)
        await pilot.pause()
        if args.panel != "none":
            await pilot.press("j" if args.panel == "payload" else "h")
            await pilot.pause()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        pilot.app.save_screenshot(filename=args.out.name, path=str(args.out.parent))
        if args.text:
            print("\n".join(strip.text for strip in pilot.app.screen._compositor.render_strips()))
        pilot.app.exit()

    app.run(headless=True, size=(columns, rows), auto_pilot=pilot_script)
    print(f"saved {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
