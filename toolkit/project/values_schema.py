"""The Helm values checked against the chart's ``values.schema.json``, as helm checks them.

The schema is the one source of what a value may be: every command that reads the values file
(``run``, ``cost``, ``monitors``, ``doctor``, ``new``, the dashboard) checks the whole file with it
through ``Values.load`` before using any of it, so a wrongly typed value is one line naming the
file, the key path and what was expected, never a traceback deep in a command. Like ``helm``, a
values file other than the chart's own ``values.yaml`` (``--values``, ``DD_TOOLKIT_VALUES``, a
bare file ``new`` wrote) is checked merged over the chart's defaults, so the keys the chart
supplies need not be repeated.

Values that passed are remembered (``model.memo``) by a digest of the schema, the merged values
and the toolkit's version, so the next command reading the same values skips the check and never
imports jsonschema (~50 ms of every ``dd-toolkit run`` on a workstation). Values that fail are
checked every time; any change to the schema or the values is a new digest and a full check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ValuesError
from ..model import memo, resource

SCHEMA_FILE = "values.schema.json"
MEMO = "values-checked"
_NAMES = {"integer": "a whole number", "number": "a number", "string": "a string", "boolean": "true or false",
          "object": "a mapping", "array": "a list", "null": "null"}


def chart_with_schema(chart: Path | None) -> Path | None:
    """``chart`` when it has a schema, else the chart this toolkit ships (whose schema is the same)."""
    if chart is not None and (Path(chart) / SCHEMA_FILE).is_file():
        return Path(chart)
    bundled = resource("chart")
    return bundled if bundled is not None and (bundled / SCHEMA_FILE).is_file() else None


def check(data: Any, path: Path, chart: Path | None, defaults: Mapping[str, Any] | None) -> None:
    """Raise one ``ValuesError`` for the first schema error of ``data`` (the file at ``path``).

    ``defaults``: the chart's own values, which ``data`` is merged over first (None when ``path``
    is the chart's values file itself).
    """
    if chart is None:
        return
    merged = _merge(defaults, data) if defaults is not None else data
    digest = _digest(chart / SCHEMA_FILE, merged)
    if digest is not None and memo.recall(MEMO, digest) is not None:
        return
    validator = _validator(chart / SCHEMA_FILE)
    errors = list(validator.iter_errors(merged))
    if not errors:
        if digest is not None:
            memo.remember(MEMO, digest, b"")
        return
    import jsonschema

    error = jsonschema.exceptions.best_match(errors)
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    raise ValuesError(f"{path}: {_describe(error, merged)}{more}; fix it (the chart's {SCHEMA_FILE} says what each key takes)")


@lru_cache(maxsize=4)
def _validator(schema_path: Path):
    import jsonschema  # a base dependency: the headless commands check the values too

    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValuesError(f"the chart's schema {schema_path} cannot be read: {exc}") from None
    return jsonschema.Draft202012Validator(schema)


def _digest(schema_path: Path, merged: Any) -> str | None:
    """What decides the check's verdict, as one digest; None when the data is not plain JSON-like
    data with string keys (a YAML date, or an integer key, would not survive ``json.dumps`` as
    itself, so two different files could share a digest: those are always checked)."""
    if not _plain(merged):
        return None
    try:
        schema = schema_path.read_bytes()
    except OSError:
        return None  # ``_validator`` names the problem
    return memo.digest(schema, json.dumps(merged, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def _plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


def _merge(base: Any, over: Any) -> Any:
    """Helm's coalescing of a values file over the chart's: mappings merge key by key, a null
    removes the chart's key, anything else replaces it."""
    if not isinstance(base, Mapping) or not isinstance(over, Mapping):
        return over
    out = dict(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge(out.get(key), value) if key in out else value
    return out


def key_path(parts) -> str:
    """``collectors.github.timeout`` (list items as ``tags[0]``)."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"


def _describe(error, data: Any) -> str:
    """``key.path: what was expected``, never the value itself (it may be a key put in the wrong place)."""
    parts = list(error.absolute_path)
    where = key_path(parts)
    kind, schema = error.validator, error.schema
    got = f", not {_kind(error.instance)}"
    if kind is None or schema is False:  # a `false` schema: a key that may not be set (reported at its parent)
        node = data
        for part in parts:
            node = node[part]
        keys = [k for k, v in node.items() if v is error.instance] if isinstance(node, Mapping) else []
        return f"{key_path(parts + keys[:1])} may not be set in values: the chart sets it itself (from datadog.* and aws.region)"
    if kind == "type":
        wanted = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return f"{where}: expected {' or '.join(_NAMES.get(t, t) for t in wanted)}{got}"
    if kind in ("minimum", "exclusiveMinimum"):
        bound = schema[kind]
        return f"{where}: expected {'at least' if kind == 'minimum' else 'above'} {bound}{got if not isinstance(error.instance, int | float) else ''}"
    if kind == "pattern":
        described = (schema.get("description") or "").rstrip(".")
        expected = described[0].lower() + described[1:] if described else f"text matching {schema['pattern']}"
        if "propertyNames" in error.absolute_schema_path:  # the key itself is wrong (keys are shown; values never)
            return f"{key_path(parts + [str(error.instance)])}: not a valid key; expected {expected}"
        return f"{where}: expected {expected}"
    if kind == "enum":
        return f"{where}: expected one of {', '.join(map(str, schema['enum']))}"
    if kind == "additionalProperties":
        unknown = [k for k in error.instance if k not in schema.get("properties", {})] if isinstance(error.instance, dict) else []
        return f"{key_path(parts + unknown[:1])}: unknown key (a typo?); the keys here are {', '.join(schema.get('properties', {}))}"
    if kind == "required":
        return f"{where}: {error.message}"
    message = error.message
    if isinstance(error.instance, str | int | float):
        message = message.replace(repr(error.instance), "the value")
    return f"{where}: {message}"


def _kind(value: Any) -> str:
    for python, name in ((bool, "true or false"), (int, "a whole number"), (float, "a number"), (str, "a string"),
                         (Mapping, "a mapping"), (list, "a list")):
        if isinstance(value, python):
            return name
    return "null" if value is None else type(value).__name__
