"""Arbitrary YAML and JSON fed to the values, cassette and golden loaders: never a traceback.

Whatever the bytes, each loader returns data or raises a ``ToolkitError`` (which the CLI prints
as one line); nothing else may escape. The budget is fixed (``max_examples``, derandomized, no
deadline) so this runs in `make test` in seconds and fails the same way every time.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from realtools import ROOT

from toolkit.cassettes import load_replay
from toolkit.engine.golden import read_golden
from toolkit.errors import ToolkitError
from toolkit.project import Values

CHART = ROOT / "charts" / "datadog-collectors"
BUDGET = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=12))
data = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)
# Near-miss values files: the chart's keys with arbitrary values where the schema checks types
keys = st.sampled_from(["timeout", "pushTimeout", "workers", "env", "schedule", "activeDeadlineSeconds", "enabled", "budget",
                        "terminationGracePeriodSeconds", "resources", "args", "driftCheck"])
near_values = st.fixed_dictionaries(
    {"collectors": st.dictionaries(st.sampled_from(["github", "foo", "Bad-Name", ""]), st.dictionaries(keys, data, max_size=4), max_size=2)},
    optional={"defaults": st.dictionaries(keys, data, max_size=3), "datadog": data, "global": data},
)
# YAML's own syntax, shuffled: anchors, aliases, tags, flow and block markers, odd indentation
tokens = st.sampled_from(["a", ":", " ", "\n", "  ", "- ", "[", "]", "{", "}", ",", "&x ", "*x", "!!int ", "!!binary ", "!!python/name:os.system ",
                          "? ", "|", ">", "'", '"', "#", "%YAML 1.1\n", "---\n", "...\n", "<<: ", "2024-13-45", "0x1F", ".nan", "~", "\t", "\x00", "\ufeff"])
yaml_texts = st.one_of(
    st.text(max_size=200),
    st.lists(tokens, max_size=60).map("".join),
    data.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    near_values.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
)
json_texts = st.one_of(st.text(max_size=200), data.map(json.dumps), st.lists(st.sampled_from(list('{}[]:,"0-.e1 null true')), max_size=40).map("".join))
# Near-miss cassettes and replay.json: the keys the loader reads, with arbitrary values
near_cassette = st.fixed_dictionaries({"version": st.one_of(st.just(1), data), "interactions": st.one_of(
    data, st.lists(st.fixed_dictionaries({"request": st.one_of(data, st.fixed_dictionaries(
        {"method": data, "uri": data}, optional={"body": data, "headers": data})), "response": data}), max_size=3))})
near_replay = st.fixed_dictionaries({}, optional={k: data for k in ("match_on", "config", "secrets", "optional")})
raw = st.one_of(yaml_texts.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=200))


def loads_or_says(load) -> None:
    try:
        load()
    except ToolkitError as exc:
        assert str(exc).strip() and len(str(exc).strip().splitlines()) == 1, str(exc)  # the CLI prints one line


@BUDGET
@given(raw)
def test_the_values_loader(content: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "values.yaml"
        path.write_bytes(content)

        def load():
            values = Values.load(path, CHART)
            values.collectors, values.enabled, values.problems(), values.metadata_sync_problems()  # what commands read next

        loads_or_says(load)


@BUDGET
@given(st.one_of(yaml_texts, near_cassette.map(yaml.safe_dump)))
def test_the_cassette_loader(cassette: str):
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "c.yaml").write_text(cassette, encoding="utf-8", errors="surrogatepass")
        loads_or_says(lambda: load_replay(directory, "fuzz"))


@BUDGET
@given(st.one_of(near_replay.map(json.dumps), json_texts))
def test_the_replay_json_beside_a_cassette(replay_json: str):
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "c.yaml").write_text("version: 1\ninteractions: []\n")
        (directory / "replay.json").write_text(replay_json, encoding="utf-8", errors="surrogatepass")
        loads_or_says(lambda: load_replay(directory, "fuzz"))


@BUDGET
@given(st.one_of(json_texts.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=100)))
def test_the_golden_loader(content: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "golden.json"
        path.write_bytes(content)
        loads_or_says(lambda: read_golden(path))
