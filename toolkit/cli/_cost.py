"""``dd-toolkit cost [NAME... | --all] [--offline] [--baseline FILE] [--max-increase N] [--price P] [--json]``
and ``dd-toolkit cost --api [NAME... | --all] [--offline] [--json]``.

Custom metrics per collector and in total, counted from one run (live, or ``--offline`` from
the cassettes) the way Datadog bills them (toolkit.model.cost). ``--json`` prints the counts;
saved to a file, that output is a baseline: ``--baseline FILE`` shows the difference per metric
and names the tag that grew, and exits 1 when the total grows by more than ``--max-increase``.
With a price per 100 custom metrics (``--price``, else each collector's ``budget.pricePer100``
in the values), a monthly estimate. A collector that cannot be counted is named, and exits 1.

``--api``: API requests instead (toolkit.project.api_budget): per credential, requests an hour
summed over every enabled collector that uses it, from the schedules in the values, against the
provider's limit; exits 1 when one is over (docs/budgets.md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ._common import EXIT_FAILED, EXIT_OK, UsageError, collector_refs


def _non_negative_int(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of custom metrics (0 or more)")
    return int(text)


def _price(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a price above 0 (your price per 100 custom metrics a month)")
    return value


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="collectors (see `dd-toolkit list`)")
    parser.add_argument("--all", action="store_true", help="every collector")
    parser.add_argument("--offline", action="store_true", help="count from the recorded cassettes: no network, no credentials")
    parser.add_argument("--cassettes", type=Path, metavar="DIR", help="count one collector from these cassettes instead of its own")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON (save it as a --baseline)")
    parser.add_argument("--baseline", type=Path, metavar="FILE", help="a saved `cost --json`: show the difference per metric")
    parser.add_argument("--max-increase", type=_non_negative_int, default=0, metavar="N",
                        help="with --baseline: exit 1 when the total grows by more than N custom metrics (default 0)")
    parser.add_argument("--price", type=_price, metavar="USD", help="your price per 100 custom metrics a month, for an estimate")
    parser.add_argument("--timeout", type=float, default=None, metavar="S", help="deadline for a live run in seconds")
    parser.add_argument("--api", action="store_true",
                        help="API requests per credential an hour (from the values' schedules) against its rate limit, instead of custom metrics")


def handle(args: argparse.Namespace) -> int:
    from ..engine import run_collector, run_collectors
    from ..model import cost

    refs = collector_refs(args.names, args.all)
    if args.api:
        return _api(args, refs)
    if args.cassettes is not None and len(refs) != 1:
        raise UsageError("--cassettes counts one collector: name exactly one")
    baseline = _load_baseline(args.baseline) if args.baseline else None
    prices = _prices(args.price, [r.name for r in refs])

    if args.cassettes is not None:
        results = [run_collector(refs[0], timeout=args.timeout, cassettes=args.cassettes)]
    else:
        results = run_collectors(refs, timeout=args.timeout, offline=args.offline)
    report: dict = {"billing": cost.PER_TAG_SET, "total": 0, "by_name": 0, "collectors": {}}
    uncounted = []
    for result in results:
        if result.failed:
            why = result.fatal or (result.errors[0] if result.errors else None)
            uncounted.append(f"{result.collector} ({why.type}: {why.message})" if why else result.collector)
            continue
        counts = cost.to_json(result.custom_metrics)
        report["collectors"][result.collector] = counts
        report["total"] += counts["total"]
        report["by_name"] += counts["by_name"]

    code = EXIT_OK
    lines = []
    for name, counts in report["collectors"].items():
        line = f"{name}: {counts['total']} custom metrics ({cost.PER_TAG_SET}; {counts['by_name']} {cost.PER_METRIC_NAME})"
        if prices.get(name):
            # A price per 100 applies to the per-tag-set model only (metric-name pricing is
            # tiered per name and per datapoint), so the estimate says so.
            estimate = cost.monthly_estimate(counts["total"], prices[name])
            line += f", about ${estimate:,.2f}/month at your ${prices[name]:g} per 100 ({cost.PER_TAG_SET})"
        lines.append(line)
    lines.append(f"total: {report['total']} custom metrics ({cost.PER_TAG_SET}; {report['by_name']} {cost.PER_METRIC_NAME})")
    if uncounted:
        lines.append(f"dd-toolkit: cannot count: {'; '.join(uncounted)}")
        code = EXIT_FAILED
    if baseline is not None:
        diff_lines, grew = _compare(baseline, report)
        lines += diff_lines
        if grew > args.max_increase:
            lines.append(f"dd-toolkit: custom metrics grew by {grew}, over --max-increase {args.max_increase}")
            code = EXIT_FAILED
    if args.json:
        print(json.dumps(report, indent=2))
        import sys

        for line in lines[len(report["collectors"]) + 1:]:  # differences and failures still reach a reader
            print(line, file=sys.stderr)
    else:
        print("\n".join(lines))
    return code


def _api(args: argparse.Namespace, refs: list) -> int:
    """Requests per credential an hour against each limit; exit 1 when one is over or a collector cannot be measured."""
    import sys

    from ..engine import discover
    from ..project import Project, api_budget

    for flag, given in (("--cassettes", args.cassettes), ("--baseline", args.baseline), ("--price", args.price)):
        if given is not None:
            raise UsageError(f"{flag} counts custom metrics; leave it out with --api")
    project = Project.find()
    values = project.values_or_empty()
    plan = api_budget.plan(refs, values, discover(project.root), offline=args.offline, timeout=args.timeout)
    lines = [budget.line() for budget in plan.credentials.values()] or ["no request of these collectors carried a known credential"]
    problems = [f"dd-toolkit: cannot measure {name}: {why}" for name, why in plan.unmeasured.items()]
    problems += [
        f"dd-toolkit: {b.credential} is over its limit: {b.requests_per_window:,} requests "
        f"{b.limit.per_window} from {', '.join(u.collector for u in b.counted)} against {b.allowed:,.0f}"
        for b in plan.over
    ]
    if args.json:
        print(json.dumps(plan.to_json(), indent=2))
        for line in problems:
            print(line, file=sys.stderr)
    else:
        print("\n".join(lines + problems))
    return EXIT_FAILED if problems else EXIT_OK


def _load_baseline(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--baseline {path}: {exc}; save one with `dd-toolkit cost --all --offline --json > {path}`") from None
    if not isinstance(data, dict) or not isinstance(data.get("collectors"), dict):
        raise UsageError(f"--baseline {path} is not the output of `dd-toolkit cost --json`")
    return data


def _compare(baseline: dict, report: dict) -> tuple[list[str], int]:
    """One line per metric whose count changed, naming the tags that are new; and the total's growth."""
    lines = []
    for collector in sorted(set(baseline["collectors"]) | set(report["collectors"])):
        old = (baseline["collectors"].get(collector) or {}).get("metrics", {})
        new = (report["collectors"].get(collector) or {}).get("metrics", {})
        for metric in sorted(set(old) | set(new)):
            before = old.get(metric, {}).get("custom_metrics", 0)
            after = new.get(metric, {}).get("custom_metrics", 0)
            if before == after:
                continue
            old_sets = {frozenset(t) for t in old.get(metric, {}).get("tag_sets", [])}
            new_sets = {frozenset(t) for t in new.get(metric, {}).get("tag_sets", [])}
            old_tags = set().union(*old_sets) if old_sets else set()
            added = sorted({tag for tag_set in new_sets - old_sets for tag in tag_set} - old_tags)
            why = f" (new tags: {', '.join(added)})" if added else ""
            lines.append(f"{metric}: {before} -> {after} ({after - before:+d}){why}")
    grew = report["total"] - int(baseline.get("total", 0))
    lines.append(f"against the baseline: {grew:+d} custom metrics ({cost_model(baseline)})")
    return lines, grew


def cost_model(data: dict) -> str:
    return str(data.get("billing") or "per tag set")


def _prices(price: float | None, names: list[str]) -> dict[str, float | None]:
    if price is not None:
        return {n: price for n in names}
    from ..errors import ProjectError
    from ..project import Project

    try:
        project = Project.find()
    except ProjectError:  # no project here: no prices from values
        return {}
    entries = project.values_or_empty().collectors  # a values file that is there must be valid
    return {n: entries[n].price_per_100 for n in names if n in entries}
