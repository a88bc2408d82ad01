"""The project as a whole: its Helm values deploy, and every collector is in them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from toolkit.project import Project

ROOT = Path(__file__).resolve().parents[1]


def test_values_match_the_charts_schema():
    project = Project.at(ROOT)
    schema = json.loads(project.schema_path.read_text())
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(dict(project.values().data)))
    assert not errors, [error.message for error in errors]


def test_every_collector_has_a_values_entry():
    project = Project.at(ROOT)
    missing = project.values().sync(project.collector_packages()).missing_entries
    assert not missing, f"add an entry under collectors: in {project.values_path} for {', '.join(missing)}"
