"""dd-toolkit: write, test, run and deploy Datadog metric collectors.

The public surface is ``__all__``: what a collector and its tests use. Names resolve on first
use (PEP 562), so ``import toolkit`` and ``dd-toolkit --help`` cost nothing: httpx alone takes
~120 ms to import, and only a run needs it. The layers behind it (model, sources, engine,
cassettes, datadog, project, and the faces cli and tui) are described in docs/architecture.md.
"""

from ._version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~6 ms of `dd-toolkit --help`)

# The one list of public names: name -> the subpackage that exports it.
_EXPORTS = {
    "BaseCollector": "engine",
    "CollectionResult": "model",
    "CollectorLoadError": "errors",
    "ConfigError": "errors",
    "DEFAULT_TIMEOUT": "model.defaults",
    "DatadogApiError": "errors",
    "DocsError": "errors",
    "ExtraMissing": "errors",
    "InvalidMetricValue": "errors",
    "MetricDefinitionError": "errors",
    "MetricError": "model",
    "MetricOutcome": "model",
    "MetricSpec": "model",
    "MetricTimeout": "errors",
    "ProjectError": "errors",
    "RateBudgetSpent": "errors",
    "RecordError": "errors",
    "ReplayError": "errors",
    "ResponseTooLarge": "sources",
    "RetryDeadlineExceeded": "sources",
    "RunOptions": "engine",
    "ScaffoldError": "errors",
    "SecretNotFoundError": "errors",
    "Series": "model",
    "SettingsError": "errors",
    "TemplateError": "errors",
    "TooManyPages": "errors",
    "ToolkitError": "errors",
    "UNITS": "model",
    "UnknownCollector": "errors",
    "UsageError": "errors",
    "ValuesError": "errors",
    "auth_headers": "sources",
    "auto_discover_metrics": "model",
    "aws_client": "sources",
    "collect": "engine",
    "get_config": "sources",
    "get_config_list": "sources",
    "get_secret": "sources",
    "http_client": "sources",
    "metric": "model",
    "metric_specs": "model",
    "normalize_tag": "model",
    "now": "sources",
    "paginate_cursor": "sources",
    "paginate_links": "sources",
    "paginate_pages": "sources",
    "per_run": "sources",
    "redact": "model",
    "window": "sources",
}
_RENAMED = {"DEFAULT_TIMEOUT": "RUN_TIMEOUT"}  # public name -> its name in the subpackage

if TYPE_CHECKING:  # for type checkers and IDEs; tests/test_public_api.py keeps it equal to _EXPORTS
    from .engine import BaseCollector, RunOptions, collect
    from .errors import (
        CollectorLoadError,
        ConfigError,
        DatadogApiError,
        DocsError,
        ExtraMissing,
        InvalidMetricValue,
        MetricDefinitionError,
        MetricTimeout,
        ProjectError,
        RateBudgetSpent,
        RecordError,
        ReplayError,
        ScaffoldError,
        SecretNotFoundError,
        SettingsError,
        TemplateError,
        ToolkitError,
        TooManyPages,
        UnknownCollector,
        UsageError,
        ValuesError,
    )
    from .model import (
        UNITS,
        CollectionResult,
        MetricError,
        MetricOutcome,
        MetricSpec,
        Series,
        auto_discover_metrics,
        metric,
        metric_specs,
        normalize_tag,
        redact,
    )
    from .model.defaults import RUN_TIMEOUT as DEFAULT_TIMEOUT
    from .sources import (
        ResponseTooLarge,
        RetryDeadlineExceeded,
        auth_headers,
        aws_client,
        get_config,
        get_config_list,
        get_secret,
        http_client,
        now,
        paginate_cursor,
        paginate_links,
        paginate_pages,
        per_run,
        window,
    )


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = sorted(_EXPORTS)
