"""Replay and record pair requests the same way: the replay's matchers (toolkit.cassettes.matching)
and vcrpy's own (vcr.matchers, which `record --mode new` uses) agree, with each directory's
match_on, over every committed cassette: each recorded request matches itself and the same set
of others under both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from vcr import matchers as vcr_matchers
from vcr.request import Request
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

from toolkit.cassettes import DEFAULT_MATCH_ON, MATCHERS, REPLAY_FILE, Recorded, matches

REPO = Path(__file__).resolve().parents[1]
ROOTS = [REPO / "tests" / "cassettes", REPO / "tests" / "fixtures", REPO / "tests" / "data"]


def cassette_files(directory: Path) -> list[Path]:
    """The vcrpy cassettes of a directory (tests/data keeps other YAML beside them)."""
    out = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("version") == 1 and "interactions" in data:
            out.append(path)
    return out


def directories() -> list[Path]:
    found = {p.parent for root in ROOTS for p in root.rglob("*.yaml")}
    return sorted(d for d in found if cassette_files(d))


def both(directory: Path) -> tuple[list[Recorded], list[Request], tuple[str, ...]]:
    meta_path = directory / REPLAY_FILE
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    ours: list[Recorded] = []
    theirs: list[Request] = []
    for path in cassette_files(directory):
        text = path.read_text(encoding="utf-8")
        for item in yaml.safe_load(text)["interactions"]:
            r = item["request"]
            ours.append(Recorded(r["method"], r["uri"], r.get("body"), r.get("headers") or {}))
        requests, _ = deserialize(text, yamlserializer)  # vcrpy's own loader
        theirs.extend(requests)
    return ours, theirs, tuple(meta.get("match_on", DEFAULT_MATCH_ON))


def agreement(ours: list[Recorded], theirs: list[Request], match_on: tuple[str, ...]) -> list[str]:
    functions = [getattr(vcr_matchers, name) for name in match_on]
    problems = []
    for i, (a, ra) in enumerate(zip(ours, theirs, strict=True)):
        replay_set = {j for j, b in enumerate(ours) if matches(a, b, match_on)}
        vcr_set = {j for j, rb in enumerate(theirs) if vcr_matchers.requests_match(ra, rb, functions)}
        if i not in replay_set or replay_set != vcr_set:
            problems.append(f"#{i + 1} {a.method} {a.uri}: replay matches {sorted(replay_set)}, vcrpy {sorted(vcr_set)}")
    return problems


def test_every_committed_cassette_directory_is_compared():
    found = {d.relative_to(REPO).as_posix() for d in directories()}
    assert {"tests/cassettes/asana", "tests/cassettes/ec2", "tests/cassettes/wandb", "tests/cassettes/github/server-error",
            "tests/fixtures/shop/cassettes", "tests/data/datadog-monitors-api"} <= found
    assert len(found) >= 30


@pytest.mark.parametrize("directory", directories(), ids=lambda d: d.relative_to(REPO).as_posix())
def test_replay_and_vcrpy_match_the_same_recorded_requests(directory):
    ours, theirs, match_on = both(directory)
    assert set(match_on) <= set(MATCHERS)
    assert ours and agreement(ours, theirs, match_on) == []


def request(method: str, uri: str, body: bytes | None = None, headers: dict | None = None) -> tuple[Recorded, Request]:
    return Recorded(method, uri, body, headers or {}), Request(method, uri, body, headers or {})


@pytest.mark.parametrize(("match_on", "a", "b", "same"), [
    (("query",), "https://h/p?a=&b=1", "https://h/p?b=1", True),  # vcrpy drops a blank value
    (("query",), "https://h/p?b=1&a=2", "https://h/p?a=2&b=1", True),
    (("uri",), "https://h/p?b=1&a=2", "https://h/p?a=2&b=1", False),  # uri is the URI as written
    (("uri",), "https://h", "https://h/", True),
    (("path",), "https://h", "https://h/", True),
    (("port",), "https://h/p", "https://h:443/p", True),
    (("host", "scheme"), "https://h/p", "http://h/p", False),
])
def test_edge_cases_agree(match_on, a, b, same):
    (ra, va), (rb, vb) = request("GET", a), request("GET", b)
    functions = [getattr(vcr_matchers, name) for name in match_on]
    assert matches(ra, rb, match_on) is same
    assert vcr_matchers.requests_match(va, vb, functions) is same


@pytest.mark.parametrize(("content_type", "a", "b", "same"), [
    ("application/json", b'{"query": "q", "variables": {"a": 1}}', b'{"variables": {"a": 1}, "query": "q"}', True),
    ("application/json", b'{"a": 1}', b'{"a": 2}', False),
    ("application/x-www-form-urlencoded; charset=utf-8", b"Action=Describe&Version=1", b"Version=1&Action=Describe", True),
    ("text/plain", b"abc", b"abd", False),
])
def test_body_edge_cases_agree(content_type, a, b, same):
    headers = {"Content-Type": content_type}
    (ra, va), (rb, vb) = request("POST", "https://h/", a, headers), request("POST", "https://h/", b, headers)
    assert matches(ra, rb, ("body",)) is same
    assert vcr_matchers.requests_match(va, vb, [vcr_matchers.body]) is same
