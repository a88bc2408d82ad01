"""Monitors as code: the seed's three Datadog monitors for one collector, as plain JSON.

Pure functions: a collector's name, its Helm schedule and its run timeout in, monitor
definitions (the body of ``POST /api/v1/monitor``) out. ``monitors_api`` sends them.

The three monitors of the seed guide (step 10), on the meta-metrics every run pushes:

* not reporting: ``collector.<name>.metric_count`` below 1, or no data at all, for a window
  of two schedule intervals (30 minutes for the default ``*/15``): two runs in a row missed or
  collected nothing; no data at all notifies after twice that window (Datadog's advice);
* errors: ``collector.<name>.error_count`` averaging above a threshold (3) over an hour, or
  over one interval when the schedule is slower than hourly, so the window always holds a run;
* duration: ``collector.<name>.duration_seconds`` above 80 % of the run's ``--timeout``
  (warning at 50 %): the run is close to being cut off at its deadline.

A collector that declares ``rate_limits`` gets a fourth (``rate_budget_monitor``): its
``collector.<name>.rate_budget.remaining`` per credential below 10 % of the limit (warning at
25 %), before the provider starts refusing and metrics are skipped for the rate budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..model import monitor_problems, monitoring, schedule_gaps

# the arithmetic lives in the model, where doctor reads it too
NOT_REPORTING, ERRORS, DURATION, KINDS = monitoring.NOT_REPORTING, monitoring.ERRORS, monitoring.DURATION, monitoring.KINDS
DEFAULT_MAX_ERRORS = monitoring.DEFAULT_MAX_ERRORS
window_text = monitoring.window_text

MANAGED_TAG = "managed-by:dd-toolkit"
KIND_TAG = "dd-toolkit-monitor"  # which of the three a monitor is: the key for updates
DURATION_CRITICAL, DURATION_WARNING = 0.8, 0.5  # fractions of --timeout
RATE_BUDGET = "rate-budget"
MANAGED_KINDS = (*KINDS, RATE_BUDGET)
BUDGET_CRITICAL, BUDGET_WARNING = 0.1, 0.25  # fractions of the credential's limit left


@dataclass(frozen=True)
class MonitorInputs:
    """What the monitors of one collector are derived from."""

    collector: str
    schedule: str
    timeout: float  # seconds, as `dd-toolkit run --timeout`
    env: str | None = None  # scope the queries to env:<env> (the chart's datadog.env)
    notify: tuple[str, ...] = ()  # @-handles appended to every message
    max_errors: float = DEFAULT_MAX_ERRORS
    metric_count: int | None = None  # the collector's declared metrics, when known: bounds error_count
    rate_limits: tuple[tuple[str, int], ...] = ()  # (credential, its limit's requests) the collector declares

    def problems(self) -> dict[str, str]:
        """The monitors of ``monitors_for`` that can never fire or would always fire (kind -> why)."""
        return monitor_problems(self.schedule, self.timeout, self.max_errors, self.metric_count)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 3)


def monitor_tags(inputs: MonitorInputs, kind: str) -> list[str]:
    tags = [MANAGED_TAG, f"collector:{inputs.collector}", f"{KIND_TAG}:{kind}"]
    if inputs.env:
        tags.append(f"env:{inputs.env}")
    return tags


def monitors_for(inputs: MonitorInputs) -> list[dict]:
    """The three monitor definitions for one collector, in the order of ``KINDS``."""
    _, longest = schedule_gaps(inputs.schedule)
    name, scope = inputs.collector, f"env:{inputs.env}" if inputs.env else "*"
    silence = monitoring.silence_minutes(longest)
    errors_window = monitoring.error_window_minutes(longest)
    critical = _number(round(inputs.timeout * DURATION_CRITICAL, 1))
    warning = _number(round(inputs.timeout * DURATION_WARNING, 1))
    max_errors = _number(inputs.max_errors)
    where = f" ({scope})" if inputs.env else ""
    runbook = (
        f"Schedule {inputs.schedule!r}, timeout {_number(inputs.timeout)}s. Its runs and logs:\n"
        f"`kubectl get cronjobs,jobs -l collector={name}`\n"
        f"`kubectl logs -l collector={name} --tail=100`\n"
        f"Run it by hand: `dd-toolkit run {name} -v`."
    )
    notify = ("\n\n" + " ".join(inputs.notify)) if inputs.notify else ""
    return [
        {
            "name": f"[dd-toolkit] {name} collector is not reporting{where}",
            "type": "metric alert",
            "query": f"max(last_{window_text(silence)}):sum:collector.{name}.metric_count{{{scope}}} < 1",
            "message": (
                f"The {name} collector has pushed no metrics for {window_text(silence)}: "
                f"{'at least two runs in a row' if silence * 60 >= 2 * longest else 'a run'} did not happen "
                f"or collected nothing.\n\n{runbook}{notify}"
            ),
            "tags": monitor_tags(inputs, NOT_REPORTING),
            "options": {
                "thresholds": {"critical": 1},
                "notify_no_data": True,
                # Datadog recommends a no-data timeframe of at least twice the evaluation window
                # (monitor API, options.no_data_timeframe): a window-long gap is then not "no data"
                "no_data_timeframe": 2 * silence,  # minutes: not bound to the query's one-week limit
                "require_full_window": False,
            },
        },
        {
            "name": f"[dd-toolkit] {name} collector has errors{where}",
            "type": "metric alert",
            "query": (
                f"avg(last_{window_text(errors_window)}):sum:collector.{name}.error_count{{{scope}}} > {max_errors}"
            ),
            "message": (
                f"The {name} collector's runs average more than {max_errors} failed metrics "
                f"over {window_text(errors_window)}.\n\n{runbook}{notify}"
            ),
            "tags": monitor_tags(inputs, ERRORS),
            "options": {
                "thresholds": {"critical": max_errors},
                "notify_no_data": False,
                "require_full_window": False,
            },
        },
        {
            "name": f"[dd-toolkit] {name} collector is slow{where}",
            "type": "metric alert",
            "query": (
                f"avg(last_{window_text(silence)}):avg:collector.{name}.duration_seconds{{{scope}}} > {critical}"
            ),
            "message": (
                f"The {name} collector's runs take over {critical}s of their {_number(inputs.timeout)}s timeout; "
                f"metrics still running at the deadline are reported as errors.\n\n{runbook}{notify}"
            ),
            "tags": monitor_tags(inputs, DURATION),
            "options": {
                "thresholds": {"critical": critical, "warning": warning},
                "notify_no_data": False,
                "require_full_window": False,
            },
        },
    ]


def rate_budget_monitor(inputs: MonitorInputs) -> dict | None:
    """The fourth monitor, for a collector that declares ``rate_limits``: a credential's budget
    left (as its provider said after each run) below a tenth of the smallest declared limit."""
    if not inputs.rate_limits:
        return None
    _, longest = schedule_gaps(inputs.schedule)
    name, scope = inputs.collector, f"env:{inputs.env}" if inputs.env else "*"
    window = monitoring.error_window_minutes(longest)
    smallest = min(limit for _, limit in inputs.rate_limits)
    critical, warning = _number(round(smallest * BUDGET_CRITICAL)), _number(round(smallest * BUDGET_WARNING))
    credentials = ", ".join(credential for credential, _ in inputs.rate_limits)
    where = f" ({scope})" if inputs.env else ""
    notify = ("\n\n" + " ".join(inputs.notify)) if inputs.notify else ""
    return {
        "name": f"[dd-toolkit] {name} collector is running out of API budget{where}",
        "type": "metric alert",
        "query": f"min(last_{window_text(window)}):min:collector.{name}.rate_budget.remaining{{{scope}}} by {{credential}} < {critical}",
        "message": (
            f"{{{{credential.name}}}} has fewer than {critical} requests left in its rate-limit window ({credentials}; "
            f"smallest declared limit {smallest:,}). When it reaches the collector's floor, metrics are skipped for "
            f"the rate budget. See what each collector spends: `dd-toolkit cost --api --all`.{notify}"
        ),
        "tags": monitor_tags(inputs, RATE_BUDGET),
        "options": {
            "thresholds": {"critical": critical, "warning": warning},
            "notify_no_data": False,
            "require_full_window": False,
        },
    }


def monitor_key(tags: Iterable[str]) -> tuple[str, str, str | None] | None:
    """(collector, kind, env) of a monitor this toolkit manages, from its tags; None for others.

    The env is part of the key: applying the staging monitors never rewrites production's.
    """
    tags = list(tags)
    if MANAGED_TAG not in tags:
        return None
    collector = next((t.split(":", 1)[1] for t in tags if t.startswith("collector:")), None)
    kind = next((t.split(":", 1)[1] for t in tags if t.startswith(f"{KIND_TAG}:")), None)
    env = next((t.split(":", 1)[1] for t in tags if t.startswith("env:")), None)
    return (collector, kind, env) if collector and kind in MANAGED_KINDS else None
