"""The dashboard's widgets, one per module."""

from .collector_list import CollectorList
from .confirm import ConfirmScreen
from .detail_panel import DetailPanel
from .errors_panel import ErrorsPanel
from .filter_bar import FilterBar
from .key_footer import KeyFooter
from .metrics_table import MetricsTable
from .status_header import StatusHeader
from .trend import TrendPanel

__all__ = ["CollectorList", "ConfirmScreen", "DetailPanel", "ErrorsPanel", "FilterBar", "KeyFooter", "MetricsTable", "StatusHeader", "TrendPanel"]
