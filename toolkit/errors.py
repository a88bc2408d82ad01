"""Every error the toolkit raises, in one tree under ``ToolkitError``.

Each class mixes in the builtin base callers already catch (``LookupError`` for a missing
secret, ``ValueError`` for a bad declaration, ...), so ``except LookupError`` keeps working,
and ``except toolkit.ToolkitError`` catches everything the toolkit means to report. The CLI
catches ``ToolkitError`` once, prints its message as one line and exits with ``exit_code``.

Two errors live elsewhere because they must also be httpx errors: ``RetryDeadlineExceeded`` and
``ResponseTooLarge`` (``toolkit.sources.http``) derive from both ``ToolkitError`` and
``httpx.TransportError``, so httpx's own handling and ``except httpx.TransportError`` see them too.

This module imports nothing but the standard library: every layer may import it.
"""

from __future__ import annotations

import importlib.util

EXIT_USAGE = 2  # bad input: the message names the fix
EXIT_FAILED = 1  # the work was attempted and failed


class ToolkitError(Exception):
    """Root of every error the toolkit raises on purpose."""

    exit_code = EXIT_USAGE


class UsageError(ToolkitError):
    """A command was given input it cannot use (printed as one line)."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class ExtraMissing(UsageError, ImportError):
    """A command needs an optional extra that is not installed."""

    @classmethod
    def check(cls, command: str, extra: str, *modules: str) -> None:
        """Raise when any of ``modules`` cannot be imported (checked without importing them)."""
        missing = [m for m in modules if not _importable(m)]
        if missing:
            raise cls(f"dd-toolkit {command} needs the {extra} extra: pip install 'dd-toolkit[{extra}]'")


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a dotted name whose parent package is missing (ruamel.yaml)
        return False


# --- declaring collectors and metrics -----------------------------------------------------
class MetricDefinitionError(ToolkitError, ValueError):
    """A ``@metric`` declaration breaks a rule; raised at import time."""


class CollectorLoadError(ToolkitError, ImportError):
    """A collector could not be imported, or what was found is not a collector."""


class UnknownCollector(ToolkitError, LookupError):
    """No collector has that name; the message lists the known ones."""


# --- what metric functions meet -------------------------------------------------------------
class ConfigError(ToolkitError, LookupError):
    """A required configuration variable is missing or malformed."""


class TooManyPages(ToolkitError, RuntimeError):
    """A paginated listing went past its page limit; the message names the setting that raises it."""


class SecretNotFoundError(ToolkitError, LookupError):
    """The secret is neither in the environment nor in AWS Secrets Manager."""


class InvalidMetricValue(ToolkitError, TypeError):
    """A metric function returned something that cannot be pushed as a number."""


class MetricTimeout(ToolkitError, TimeoutError):
    """A metric function did not return within its timeout or the run's deadline."""


class SeriesCapExceeded(ToolkitError, OverflowError):
    """A metric (``max_series``) or a collector (``budget.customMetrics``) went over its series cap."""


class RateBudgetSpent(ToolkitError, RuntimeError):
    """A request not sent: its credential's rate budget is down to its floor until the window resets."""


class Interrupted(ToolkitError, RuntimeError):
    """The run was stopped by a signal (SIGTERM, SIGINT) before this finished."""

    exit_code = 143


# --- cassettes --------------------------------------------------------------------------------
class ReplayError(ToolkitError, LookupError):
    """The replay directory is missing, malformed, or has no answer for a request."""


class RecordError(ToolkitError, RuntimeError):
    """Recording could not start, or its result would have leaked a secret."""

    exit_code = EXIT_FAILED


# --- settings and Datadog ----------------------------------------------------------------------
class SettingsError(ToolkitError, ValueError):
    """An environment setting (DD_API_KEY, DD_URL, ...) is missing or malformed."""


class DatadogApiError(ToolkitError, RuntimeError):
    """Datadog's API refused a request (one line, redacted)."""

    exit_code = EXIT_FAILED


# --- the project: values, template, docs ---------------------------------------------------------
class ProjectError(ToolkitError, LookupError):
    """No dd-toolkit project where one is needed."""


class ValuesError(ToolkitError, ValueError):
    """The Helm values file is missing, unreadable, or lacks what was asked of it."""


class ScaffoldError(ToolkitError, ValueError):
    """``new`` refused before anything was written; the message names the fix."""


class TemplateError(ToolkitError, RuntimeError):
    """The template or its recorded version cannot be used; the message names the fix."""


class DocsError(ToolkitError, ValueError):
    """A README has no (or broken) metrics-table markers; the message names the fix."""


__all__ = [
    "EXIT_FAILED",
    "EXIT_USAGE",
    "CollectorLoadError",
    "ConfigError",
    "DatadogApiError",
    "DocsError",
    "ExtraMissing",
    "Interrupted",
    "InvalidMetricValue",
    "MetricDefinitionError",
    "MetricTimeout",
    "ProjectError",
    "RateBudgetSpent",
    "RecordError",
    "ReplayError",
    "ScaffoldError",
    "SecretNotFoundError",
    "SeriesCapExceeded",
    "SettingsError",
    "TemplateError",
    "TooManyPages",
    "ToolkitError",
    "UnknownCollector",
    "UsageError",
    "ValuesError",
]

# Shown as toolkit.X in tracebacks and reprs, where users import them from (httpx does the same).
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type):
        _value.__module__ = "toolkit"
