"""dd-toolkit: write, test, run and deploy Datadog metric collectors.

The public surface is what ``__all__`` lists; the ``_``-modules behind it are private.
Importing ``toolkit`` stays light: no textual, copier, boto3 or datadog-api-client.
"""

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
