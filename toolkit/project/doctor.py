"""``dd-toolkit doctor``: the seed guide's checklist, checked rather than ticked by hand.

Each check is ok, missing (with what to do) or skipped; anything missing fails the command.
Secret values are never printed: a resolvable secret shows as ok, an unresolvable one shows
the lookup's own (redacted) message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..engine import CollectorRef, describe, discover
from ..errors import DocsError, ProjectError, ReplayError, TemplateError
from ..model import (
    INTERVAL_TYPES,
    MetricSpec,
    default_max_errors,
    is_valid_cron,
    monitor_problems,
    redact,
    schedule_period,
    unit_problem,
    validate_metric_name,
)
from . import docs_auth
from .docs_table import table_state
from .project import Project
from .values import VALUES_PATH, Values

OK, MISSING, SKIPPED = "ok", "missing", "skipped"


@dataclass(frozen=True)
class Check:
    label: str
    status: str
    detail: str = ""


def diagnose(ref: CollectorRef, project: Project, *, secrets: bool = False) -> tuple[Path, list[Check]]:
    """Every check of one collector, in the checklist's order; returns the project root it was checked in."""
    name = ref.name
    checks: list[Check] = []
    described = describe(ref)
    collector = described.collector
    if collector is None:
        error = described.error
        checks.append(Check("collector class", MISSING, f"{ref.target} does not import: {error.type}: {error.message}"))
        rest = ("metrics", "README metrics table", "tests", "cassettes", "Helm values entry", "Helm deadlines of every collector",
                "values.schema.json", "secrets")
        return project.root, checks + [Check(label, MISSING, "needs the collector class") for label in rest]
    checks.append(Check("collector class", OK, f"{type(collector).__module__}.{type(collector).__name__}"))
    try:
        project = Project.find(collector.package_dir)  # the project the collector lives in
    except ProjectError:
        pass  # installed from elsewhere: checked against the given project
    specs = _check_metrics(described, checks)
    _check_readme(collector, name, specs, checks)
    _check_tests(project, name, checks)
    _check_cassettes(collector, name, checks)
    values = _load_values(project, checks)
    if values is not None:
        _check_helm(project, values, name, checks)
        _check_schema(project, checks)
        _check_intervals(values, name, specs, checks)
        _check_monitors(values, name, specs, checks)
        _check_examples(collector, values, name, specs, checks)
        _check_api_budget(ref, project, values, checks)
    _check_secrets(collector, name, secrets, checks)
    return project.root, checks


def _load_values(project: Project, checks: list[Check]) -> Values | None:
    """The values file, read once for every check that needs it.

    A missing file is a check that fails; a file that is there but not what the chart's schema
    allows stops doctor as it stops every command (one line, exit 2): it breaks every deploy.
    """
    if not project.values_path.is_file():
        checks.append(Check("Helm values entry", MISSING, f"no Helm values file at {project.values_path}; restore {VALUES_PATH}"))
        return None
    return project.values()


def _check_metrics(described, checks: list[Check]) -> list[MetricSpec] | None:
    if described.error is not None:
        error = described.error
        checks.append(Check("metrics", MISSING, f"metrics module does not import: {error.type}: {error.message}"))
        return None
    specs = list(described.specs)
    problems = [p for p in (validate_metric_name(s.name) for s in specs) if p]
    problems += [p for s in specs for p in (unit_problem(s.unit), s.per_unit and unit_problem(s.per_unit, "per_unit")) if p]
    if not specs:
        checks.append(Check("metrics", MISSING, "no @metric functions in metrics.py; define at least one"))
    elif problems:
        checks.append(Check("metrics", MISSING, "; ".join(problems)))
    else:
        checks.append(Check("metrics", OK, f"{len(specs)} defined, names and units valid"))
    return specs


def _check_intervals(values: Values, name: str, specs, checks: list[Check]) -> None:
    """Counts and rates carry an interval: the schedule's period, or one declared on the metric."""
    timed = [s for s in specs or () if s.type in INTERVAL_TYPES]
    entry = values.collectors.get(name)
    if not timed or entry is None:
        return
    period = schedule_period(entry.schedule)
    problems = []
    if period is None:
        undeclared = [s.name for s in timed if s.interval is None]
        if undeclared:
            problems.append(
                f"schedule {entry.schedule!r} is irregular, so {', '.join(undeclared)} need @metric(interval=SECONDS)"
            )
    else:
        problems += [
            f"{s.name} is a count with interval={s.interval} but the collector runs every {period}s: "
            "a count must cover the time since the last run"
            for s in timed if s.type == "count" and s.interval is not None and s.interval != period
        ]
    if problems:
        checks.append(Check("metric intervals", MISSING, "; ".join(problems)))
    else:
        checks.append(Check("metric intervals", OK, f"{len(timed)} count/rate metric(s), interval known"))


def _check_monitors(values: Values, name: str, specs, checks: list[Check]) -> None:
    """The three monitors `dd-toolkit monitors` makes from this entry, with its default threshold:
    none may be one that can never fire or would always fire (`monitors` would not make it)."""
    entry = values.collectors.get(name)
    if entry is None or not entry.enabled or not is_valid_cron(entry.schedule):
        return  # the Helm checks say why
    count = len(specs) if specs is not None else None
    problems = monitor_problems(entry.schedule, entry.timeout, default_max_errors(count), count)
    if problems:
        checks.append(Check("monitors", MISSING, "; ".join(f"{kind}: {why}" for kind, why in problems.items())))
    else:
        checks.append(Check("monitors", OK, f"the three of `dd-toolkit monitors {name}` can fire, and do not always"))


def _check_examples(collector, values: Values, name: str, specs, checks: list[Check]) -> None:
    """A collector `new` generated is unfinished while it declares the template's example metrics:
    deployed, its CronJob would fail every run (the example endpoints do not exist). Named either
    way; a failure only once the values enable it."""
    from .template import ANSWERS_FILE, example_metrics, read_answers

    answers = Path(collector.package_dir) / ANSWERS_FILE
    if not answers.is_file() or specs is None:
        return  # not generated by `new`
    try:
        examples = sorted(example_metrics(read_answers(answers)) & {s.name for s in specs})
    except TemplateError as exc:
        checks.append(Check("template examples", MISSING, str(exc)))
        return
    if not examples:
        checks.append(Check("template examples", OK, "none left: the metrics are the collector's own"))
        return
    entry = values.collectors.get(name)
    fix = "replace them with the real endpoints, `dd-toolkit record " + name + "`, then enable"
    if entry is not None and entry.enabled:
        checks.append(Check("template examples", MISSING,
                            f"collectors.{name} is enabled but {', '.join(examples)} are still the template's examples "
                            f"(the CronJob would fail every run); {fix}"))
    else:
        checks.append(Check("template examples", SKIPPED, f"{', '.join(examples)} are still the template's examples; {fix}"))


def _check_api_budget(ref: CollectorRef, project: Project, values: Values, checks: list[Check]) -> None:
    """Each credential the collector's cassettes use, summed over every enabled collector that
    uses it (their schedules in the values), within its limit (and apiBudgets.margin)."""
    from . import api_budget

    label = "API budget"
    plan = api_budget.plan([ref], values, discover(project.root), offline=True)
    if ref.name in plan.unmeasured:
        checks.append(Check(label, SKIPPED, f"its cassettes do not replay: {plan.unmeasured[ref.name]}"))
        return
    if not plan.credentials:
        checks.append(Check(label, OK, "no request carries a credential (get_secret) it could be counted against"))
        return
    over = plan.over
    if over:
        checks.append(Check(label, MISSING, "; ".join(
            f"{b.credential}: {', '.join(u.collector for u in b.counted)} make {b.requests_per_window:,} requests "
            f"{b.limit.per_window} against its limit of {b.limit.text()}"
            + (f" x apiBudgets.margin {b.margin:g} = {b.allowed:,.0f}" if b.margin != 1 else "")
            + "; run them less often, make fewer requests, or give them separate credentials"
            for b in over
        )))
    else:
        checks.append(Check(label, OK, "; ".join(b.line() for b in plan.credentials.values())))


def _check_readme(collector, name: str, specs, checks: list[Check]) -> None:
    if specs is None:
        checks.append(Check("README metrics table", MISSING, "needs the metrics to import"))
        return
    try:
        state = table_state(collector.package_dir / "README.md", specs, name)
    except DocsError as exc:
        checks.append(Check("README metrics table", MISSING, str(exc)))
        return
    if not state.in_sync:
        checks.append(Check("README metrics table", MISSING, f"out of date with metrics.py; run `dd-toolkit docs {name}`"))
        return
    try:  # the authentication section, when the README has one, is part of the same check
        stale = docs_auth.stale_auth(state.text, state.path, collector.metrics(), name)
    except DocsError as exc:
        checks.append(Check("README metrics table", MISSING, str(exc)))
        return
    if stale is not None:
        checks.append(Check("README metrics table", MISSING,
                            f"in sync, but its authentication section is out of date with AUTH_HEADERS in metrics.py; run `dd-toolkit docs {name}`"))
    else:
        checks.append(Check("README metrics table", OK, "in sync with metrics.py"))


def _check_tests(project: Project, name: str, checks: list[Check]) -> None:
    path, root = project.test_file(name), project.root
    if path.is_file():
        checks.append(Check("tests", OK, str(path.relative_to(root))))
    else:
        checks.append(Check("tests", MISSING, f"{path.relative_to(root)} does not exist; write it (`dd-toolkit new` generates one)"))


def _check_cassettes(collector, name: str, checks: list[Check]) -> None:
    from ..cassettes import load_replay

    directory = collector.cassettes()
    try:
        replay = load_replay(directory, name)
    except ReplayError as exc:
        checks.append(Check("cassettes", MISSING, str(exc)))
        return
    count = len(list(directory.glob("*.yaml")))
    checks.append(Check("cassettes", OK, f"{count} in {directory} ({len(replay.interactions)} interactions)"))


def _check_helm(project: Project, values: Values, name: str, checks: list[Check]) -> None:
    entry = values.entry(name)
    if entry is None:
        checks.append(Check("Helm values entry", MISSING, f"{VALUES_PATH} has no collectors.{name}; add one (see `dd-toolkit manual new-collector`)"))
        return
    problems = values.problems(only=name)
    if problems:
        checks.append(Check("Helm values entry", MISSING, "; ".join(problems)))
        return
    c = values.collectors[name]
    checks.append(Check(
        "Helm values entry", OK,
        f"collectors.{name}, schedule {c.schedule!r}; activeDeadlineSeconds {c.active_deadline_seconds} >= "
        f"timeout {c.timeout} + pushTimeout {c.push_timeout} + 10, terminationGracePeriodSeconds {c.termination_grace_seconds}",
    ))
    sync = values.sync(project.collector_packages(), available=discover(project.root))
    checks.append(Check("Helm values match collectors/", OK if sync.ok else MISSING, "; ".join(sync.problems()) or "every package has an entry"))
    # every enabled collector's deadlines: one deploy renders them all, so one misfit is everyone's
    others = values.problems()  # this collector's own are already known to be none
    checks.append(Check(
        "Helm deadlines of every collector", MISSING if others else OK,
        "; ".join(others) or f"{len(values.enabled)} enabled, each deadline fits its run and its schedule",
    ))
    if values.metadata_sync:  # one line only when the chart renders the Job: off, it needs nothing
        sync = values.metadata_sync_problems()
        checks.append(Check(
            "Helm metadata sync", MISSING if sync else OK,
            "; ".join(sync) or f"a hook Job syncs the {len(values.enabled)} enabled collector(s) after each install and upgrade",
        ))


def _check_schema(project: Project, checks: list[Check]) -> None:
    """The values were checked whole against the chart's values.schema.json when they were read
    (``Values.load``, as `helm template` checks them); here doctor says against which."""
    schema = project.schema_path
    against = schema.relative_to(project.root) if schema.is_file() else "the values.schema.json of the chart dd-toolkit ships"
    checks.append(Check("values.schema.json", OK, f"{VALUES_PATH} matches {against}"))


def _check_secrets(collector, name: str, resolve: bool, checks: list[Check]) -> None:
    from ..sources import get_secret

    declared = tuple(collector.secrets)
    if not declared:
        checks.append(Check("secrets", OK, "none declared"))
        return
    if not resolve:
        checks.append(Check("secrets", SKIPPED, f"pass --secrets to check that they resolve: {', '.join(declared)}"))
        return
    for secret in declared:
        try:
            get_secret(secret)  # the value is dropped here: only whether it resolved is reported
        except Exception as exc:
            checks.append(Check(f"secret {secret}", MISSING, redact(str(exc))))
        else:
            checks.append(Check(f"secret {secret}", OK, "resolves"))


def format_checks(name: str, root: Path, checks: list[Check]) -> str:
    lines = [f"doctor {name} ({root}):"]
    width = max(len(c.label) for c in checks)
    for c in checks:
        lines.append(f"  {c.status:<8} {c.label:<{width}}  {c.detail}".rstrip())
    missing = sum(1 for c in checks if c.status == MISSING)
    lines.append(f"{missing} missing" if missing else "all ok")
    return "\n".join(lines)
