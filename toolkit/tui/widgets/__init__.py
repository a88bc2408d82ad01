"""The dashboard's widgets, one per module."""

from .collector_list import CollectorList
from .confirm import ConfirmScreen
from .errors_panel import ErrorsPanel
from .filter_bar import FilterBar
from .metrics_table import MetricsTable
from .status_header import StatusHeader
from .trend import TrendPanel

__all__ = ["CollectorList", "ConfirmScreen", "ErrorsPanel", "FilterBar", "MetricsTable", "StatusHeader", "TrendPanel"]
