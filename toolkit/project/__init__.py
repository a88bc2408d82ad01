"""The project: where things are (``Project``), the Helm values (``Values``), and the authoring commands.

``Project`` (root, collectors, cassettes, values, chart, template), ``Values`` (the values file
read with the chart's rules), ``new_collector`` (copier; the ``scaffold`` extra),
``update_collector``, ``sync_readme`` (the README metrics table) and ``diagnose`` (``doctor``).
All git calls are in ``project.git``.

Imports the engine and everything below it; a sibling of ``datadog/``, which it never imports.
copier and ruamel.yaml are imported inside the functions that need them.

Names resolve on first use (PEP 562): ``run`` needs ``Project`` and the values, never the
authoring commands (init, update, new, doctor, docs) nor their imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import lazy_exports

# name -> (the module of this package that defines it, its name there; None: the module itself)
_EXPORTS = {
    'api_budget': ('api_budget', None),
    'sync_readme': ('docs', 'sync_readme'),
    'END': ('docs_table', 'END'),
    'START': ('docs_table', 'START'),
    'render_table': ('docs_table', 'render_table'),
    'table_state': ('docs_table', 'table_state'),
    'MISSING': ('doctor', 'MISSING'),
    'OK': ('doctor', 'OK'),
    'SKIPPED': ('doctor', 'SKIPPED'),
    'Check': ('doctor', 'Check'),
    'diagnose': ('doctor', 'diagnose'),
    'format_checks': ('doctor', 'format_checks'),
    'PROJECT_ANSWERS': ('init', 'ANSWERS_FILE'),
    'InitResult': ('init', 'InitResult'),
    'Requirement': ('init', 'Requirement'),
    'init_project': ('init', 'init_project'),
    'toolkit_requirement': ('init', 'toolkit_requirement'),
    'Project': ('project', 'Project'),
    'AUTH_KINDS': ('scaffold', 'AUTH_KINDS'),
    'NAME_PATTERN': ('scaffold', 'NAME_PATTERN'),
    'NewResult': ('scaffold', 'NewResult'),
    'check_name': ('scaffold', 'check_name'),
    'new_collector': ('scaffold', 'new_collector'),
    'next_steps': ('scaffold', 'next_steps'),
    'COLLECTOR_ANSWERS': ('template', 'ANSWERS_FILE'),
    'TEMPLATE_RELPATH': ('template', 'TEMPLATE_RELPATH'),
    'read_answers': ('template', 'read_answers'),
    'UpdateResult': ('update', 'UpdateResult'),
    'recover_interrupted': ('update', 'recover_interrupted'),
    'update_collector': ('update', 'update_collector'),
    'update_project': ('update', 'update_project'),
    'update_project_files': ('update', 'update_project_files'),
    'ACTIVE_DEADLINE_MARGIN': ('values', 'ACTIVE_DEADLINE_MARGIN'),
    'CHART_DEFAULT_PUSH_TIMEOUT': ('values', 'CHART_DEFAULT_PUSH_TIMEOUT'),
    'CHART_DEFAULT_TIMEOUT': ('values', 'CHART_DEFAULT_TIMEOUT'),
    'CHART_PATH': ('values', 'CHART_PATH'),
    'TERMINATION_GRACE': ('values', 'TERMINATION_GRACE'),
    'VALUES_PATH': ('values', 'VALUES_PATH'),
    'CollectorValues': ('values', 'CollectorValues'),
    'SyncReport': ('values', 'SyncReport'),
    'Values': ('values', 'Values'),
    'check_metadata_sync': ('values', 'check_metadata_sync'),
    'check_sync': ('values', 'check_sync'),
    'check_values': ('values', 'check_values'),
    'collector_values': ('values', 'collector_values'),
    'load_values': ('values', 'load_values'),
    'add_entry': ('values_edit', 'add_entry'),
    'read_entry': ('values_edit', 'read_entry'),
    'render_with_entry': ('values_edit', 'render_with_entry'),
    'write_atomically': ('values_edit', 'write_atomically'),
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


if TYPE_CHECKING:
    from . import api_budget
    from .docs import sync_readme
    from .docs_table import END, START, render_table, table_state
    from .doctor import MISSING, OK, SKIPPED, Check, diagnose, format_checks
    from .init import ANSWERS_FILE as PROJECT_ANSWERS
    from .init import InitResult, Requirement, init_project, toolkit_requirement
    from .project import Project
    from .scaffold import AUTH_KINDS, NAME_PATTERN, NewResult, check_name, new_collector, next_steps
    from .template import ANSWERS_FILE as COLLECTOR_ANSWERS
    from .template import TEMPLATE_RELPATH, read_answers
    from .update import (
        UpdateResult,
        recover_interrupted,
        update_collector,
        update_project,
        update_project_files,
    )
    from .values import (
        ACTIVE_DEADLINE_MARGIN,
        CHART_DEFAULT_PUSH_TIMEOUT,
        CHART_DEFAULT_TIMEOUT,
        CHART_PATH,
        TERMINATION_GRACE,
        VALUES_PATH,
        CollectorValues,
        SyncReport,
        Values,
        check_metadata_sync,
        check_sync,
        check_values,
        collector_values,
        load_values,
    )
    from .values_edit import add_entry, read_entry, render_with_entry, write_atomically

__all__ = [
    "ACTIVE_DEADLINE_MARGIN",
    "AUTH_KINDS",
    "CHART_DEFAULT_PUSH_TIMEOUT",
    "CHART_DEFAULT_TIMEOUT",
    "CHART_PATH",
    "COLLECTOR_ANSWERS",
    "END",
    "MISSING",
    "NAME_PATTERN",
    "OK",
    "PROJECT_ANSWERS",
    "SKIPPED",
    "START",
    "TEMPLATE_RELPATH",
    "TERMINATION_GRACE",
    "VALUES_PATH",
    "Check",
    "CollectorValues",
    "InitResult",
    "NewResult",
    "Project",
    "Requirement",
    "SyncReport",
    "UpdateResult",
    "Values",
    "add_entry",
    "api_budget",
    "check_metadata_sync",
    "check_name",
    "check_sync",
    "check_values",
    "collector_values",
    "diagnose",
    "format_checks",
    "init_project",
    "load_values",
    "new_collector",
    "next_steps",
    "read_answers",
    "read_entry",
    "recover_interrupted",
    "render_table",
    "render_with_entry",
    "sync_readme",
    "table_state",
    "toolkit_requirement",
    "update_collector",
    "update_project",
    "update_project_files",
    "write_atomically",
]
