"""``dd-toolkit doctor``: the seed guide's checklist, checked rather than ticked by hand.

Each check is ok, missing (with what to do) or skipped; anything missing fails the command.
Secret values are never printed: a resolvable secret shows as ok, an unresolvable one shows
the lookup's own (redacted) message.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from ._registry import CollectorRef

OK, MISSING, SKIPPED = "ok", "missing", "skipped"


@dataclass(frozen=True)
class Check:
    label: str
    status: str
    detail: str = ""


def project_root_of(collector, fallback: Path) -> Path:
    """The project a built-in collector lives in: the parent of its ``collectors/`` package."""
    module = sys.modules[type(collector).__module__]
    path = Path(module.__file__ or ".").resolve()
    for parent in path.parents:
        if parent.name == "collectors" and (parent / "__init__.py").is_file():
            return parent.parent
    return fallback


def diagnose(ref: CollectorRef, fallback_root: Path, *, secrets: bool = False) -> tuple[Path, list[Check]]:
    name = ref.name
    checks: list[Check] = []
    try:
        cls = ref.load()
        collector = cls()
        checks.append(Check("collector class", OK, f"{cls.__module__}.{cls.__name__}"))
    except Exception as exc:
        checks.append(Check("collector class", MISSING, f"{ref.target} does not import: {type(exc).__name__}: {exc}"))
        rest = ("metrics", "README metrics table", "tests", "cassettes", "Helm values entry", "values.schema.json", "secrets")
        return fallback_root, checks + [Check(label, MISSING, "needs the collector class") for label in rest]
    root = project_root_of(collector, fallback_root)
    specs = _check_metrics(collector, checks)
    _check_readme(collector, name, specs, checks)
    _check_tests(root, name, checks)
    _check_cassettes(collector, name, checks)
    _check_helm(root, name, checks)
    _check_schema(root, checks)
    _check_secrets(collector, name, secrets, checks)
    return root, checks


def _check_metrics(collector, checks: list[Check]):
    from ._metric import UNITS, validate_metric_name

    try:
        specs = collector.metric_specs()
    except Exception as exc:
        checks.append(Check("metrics", MISSING, f"metrics module does not import: {type(exc).__name__}: {exc}"))
        return None
    problems = [p for p in (validate_metric_name(s.name) for s in specs) if p]
    problems += [f"{s.name}: unit {s.unit!r} is not one of {', '.join(UNITS)}" for s in specs if s.unit not in UNITS]
    if not specs:
        checks.append(Check("metrics", MISSING, "no @metric functions in metrics.py; define at least one"))
    elif problems:
        checks.append(Check("metrics", MISSING, "; ".join(problems)))
    else:
        checks.append(Check("metrics", OK, f"{len(specs)} defined, names and units valid"))
    return specs


def _check_readme(collector, name: str, specs, checks: list[Check]) -> None:
    from ._docs_table import DocsError, readme_of, table_state

    if specs is None:
        checks.append(Check("README metrics table", MISSING, "needs the metrics to import"))
        return
    try:
        state = table_state(readme_of(collector), specs, name)
    except DocsError as exc:
        checks.append(Check("README metrics table", MISSING, str(exc)))
        return
    if state.in_sync:
        checks.append(Check("README metrics table", OK, "in sync with metrics.py"))
    else:
        checks.append(Check("README metrics table", MISSING, f"out of date with metrics.py; run `dd-toolkit docs {name}`"))


def _check_tests(root: Path, name: str, checks: list[Check]) -> None:
    path = root / "tests" / "collectors" / f"test_{name}.py"
    if path.is_file():
        checks.append(Check("tests", OK, str(path.relative_to(root))))
    else:
        checks.append(Check("tests", MISSING, f"{path.relative_to(root)} does not exist; write it (`dd-toolkit new` generates one)"))


def _check_cassettes(collector, name: str, checks: list[Check]) -> None:
    from ._replay import ReplayError, load_replay

    directory = collector.cassettes()
    try:
        replay = load_replay(directory, name)
    except ReplayError as exc:
        checks.append(Check("cassettes", MISSING, str(exc)))
        return
    count = len(list(directory.glob("*.yaml")))
    checks.append(Check("cassettes", OK, f"{count} in {directory} ({len(replay.interactions)} interactions)"))


def _check_helm(root: Path, name: str, checks: list[Check]) -> None:
    from croniter import croniter

    from ._helm_values import VALUES_PATH, ValuesError, check_sync, collector_packages, load_values
    from ._values_edit import read_entry

    path = root / VALUES_PATH
    try:
        entry = read_entry(path, name)
    except ValuesError as exc:
        checks.append(Check("Helm values entry", MISSING, str(exc)))
        return
    if entry is None:
        checks.append(Check("Helm values entry", MISSING, f"{VALUES_PATH} has no collectors.{name}; add one (see docs/new-collector.md)"))
        return
    schedule = str(entry.get("schedule", ""))
    if len(schedule.split()) != 5 or not croniter.is_valid(schedule):
        checks.append(Check("Helm values entry", MISSING, f"collectors.{name}.schedule {schedule!r} is not a five-field cron expression"))
        return
    problems = _deadline_problems(path, name)
    if problems:
        checks.append(Check("Helm values entry", MISSING, "; ".join(problems)))
        return
    checks.append(Check("Helm values entry", OK, f"collectors.{name}, schedule {schedule!r}"))
    sync = check_sync(collector_packages(root / "collectors"), load_values(path))
    checks.append(Check("Helm values match collectors/", OK if sync.ok else MISSING, "; ".join(sync.problems()) or "every package has an entry"))


def _check_schema(root: Path, checks: list[Check], *, shown: int = 3) -> None:
    """The whole values file against the chart's values.schema.json, as `helm template` checks it:
    one bad key there (any collector's) fails every collector's deploy."""
    import json

    from ._helm_values import CHART_PATH, VALUES_PATH, ValuesError, load_values

    label = "values.schema.json"
    schema_path = root / CHART_PATH / "values.schema.json"
    if not schema_path.is_file():
        checks.append(Check(label, SKIPPED, f"no {schema_path.relative_to(root)} to check {VALUES_PATH} against"))
        return
    import jsonschema  # a runtime dependency for this check (pyproject.toml)

    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        values = load_values(root / VALUES_PATH)
    except (OSError, ValueError) as exc:  # ValuesError and json's JSONDecodeError are ValueErrors
        checks.append(Check(label, MISSING, str(exc) if isinstance(exc, ValuesError) else f"{schema_path}: {exc}"))
        return
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(values), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        checks.append(Check(label, OK, f"{VALUES_PATH} matches {schema_path.relative_to(root)}"))
        return
    problems = [_schema_problem(values, e) for e in errors[:shown]]
    more = f" (and {len(errors) - shown} more)" if len(errors) > shown else ""
    checks.append(Check(label, MISSING, "; ".join(problems) + more + f"; `helm template` would refuse {VALUES_PATH}"))


def _schema_problem(values, error) -> str:
    """One schema error as a line that never shows a value (it may be a key put in the wrong place)."""
    path = list(error.absolute_path)
    where = "/" + "/".join(map(str, path))
    if error.validator is None:  # a `false` schema: a key that may not be set (jsonschema reports its parent)
        node = values
        for part in path:
            node = node[part]
        keys = [str(k) for k, v in node.items() if v is error.instance] if isinstance(node, dict) else []
        return f"{where.rstrip('/')}/{keys[0] if keys else '?'} may not be set in values (see the schema's description)"
    message = error.message
    if isinstance(error.instance, str):
        message = message.replace(repr(error.instance), "the value")
    return f"{where}: {message}"


def _deadline_problems(path: Path, name: str) -> list[str]:
    """This collector's timeout and activeDeadlineSeconds against its schedule (as the chart merges them)."""
    from ._helm_values import check_values, load_values

    values = load_values(path)
    return check_values({**values, "collectors": {name: values["collectors"][name]}})


def _check_secrets(collector, name: str, resolve: bool, checks: list[Check]) -> None:
    from ._redact import redact
    from ._secrets import get_secret

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
