"""dd-toolkit: write, test, run and deploy Datadog metric collectors.

The public surface is what ``__all__`` lists; the ``_``-modules behind it are private.
Importing ``toolkit`` stays light: no textual, copier, boto3 or datadog-api-client.
"""

from typing import TYPE_CHECKING

# Names resolve on first use (PEP 562), so `dd-toolkit --help` and `import toolkit` cost
# nothing: httpx alone takes ~120 ms to import, and only a run needs it.
_EXPORTS = {
    "BaseCollector": "_collector",
    "CollectionResult": "_result",
    "ConfigError": "_config",
    "DEFAULT_TIMEOUT": "_collector",
    "InvalidMetricValue": "_engine",
    "MetricDefinitionError": "_metric",
    "MetricError": "_result",
    "MetricOutcome": "_result",
    "MetricSpec": "_metric",
    "MetricTimeout": "_engine",
    "ReplayError": "_replay",
    "RetryDeadlineExceeded": "_http",
    "SecretNotFoundError": "_secrets",
    "Series": "_result",
    "UNITS": "_metric",
    "auto_discover_metrics": "_discovery",
    "get_config": "_config",
    "get_config_list": "_config",
    "get_secret": "_secrets",
    "http_client": "_http",
    "metric": "_metric",
    "metric_specs": "_discovery",
    "now": "_config",
    "paginate_cursor": "_paginate",
    "paginate_links": "_paginate",
    "paginate_pages": "_paginate",
    "per_run": "_cache",
    "redact": "_redact",
}

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from ._cache import per_run
    from ._collector import DEFAULT_TIMEOUT, BaseCollector
    from ._config import ConfigError, get_config, get_config_list, now
    from ._discovery import auto_discover_metrics, metric_specs
    from ._engine import InvalidMetricValue, MetricTimeout
    from ._http import RetryDeadlineExceeded, http_client
    from ._metric import UNITS, MetricDefinitionError, MetricSpec, metric
    from ._paginate import paginate_cursor, paginate_links, paginate_pages
    from ._redact import redact
    from ._replay import ReplayError
    from ._result import CollectionResult, MetricError, MetricOutcome, Series
    from ._secrets import SecretNotFoundError, get_secret


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__version__ = "0.1.0"

__all__ = [
    "DEFAULT_TIMEOUT",
    "UNITS",
    "BaseCollector",
    "CollectionResult",
    "ConfigError",
    "InvalidMetricValue",
    "MetricDefinitionError",
    "MetricError",
    "MetricOutcome",
    "MetricSpec",
    "MetricTimeout",
    "ReplayError",
    "RetryDeadlineExceeded",
    "SecretNotFoundError",
    "Series",
    "auto_discover_metrics",
    "get_config",
    "get_config_list",
    "get_secret",
    "http_client",
    "metric",
    "metric_specs",
    "now",
    "paginate_cursor",
    "paginate_links",
    "paginate_pages",
    "per_run",
    "redact",
]
