"""toolkit.model.memo, and the YAML it remembers: a values file or cassette parsed once is not parsed
again, nor PyYAML imported, by the next command; what fails is never remembered."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from realtools import ROOT

from toolkit.cassettes import bounded_yaml, load_yaml
from toolkit.errors import ValuesError
from toolkit.model import memo

CASSETTE = ROOT / "tests" / "cassettes" / "github" / "github.yaml"


@pytest.fixture
def state(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("DD_TOOLKIT_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state" / "memo"


def entries(state: Path, kind: str) -> list[Path]:
    folder = state / kind
    return sorted(folder.iterdir()) if folder.is_dir() else []


def load(text):
    return load_yaml(text, where="the file", error=ValuesError, fix="fix it")


def test_a_parsed_text_is_remembered_and_recalled_as_it_was(state, monkeypatch):
    text = "a: 1\nb: [true, 2.5, null, 'x']\nc: !!binary aGk=\nd: {e: {f: -3}}\n"
    first = load(text)
    assert len(entries(state, bounded_yaml.MEMO)) == 1

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(bounded_yaml, "_load", no_parse)
    assert load(text) == first == {"a": 1, "b": [True, 2.5, None, "x"], "c": b"hi", "d": {"e": {"f": -3}}}
    assert type(load(text)["a"]) is int and type(load(text)["b"][0]) is bool
    with pytest.raises(AssertionError):
        load(text + "g: 1\n")  # another text: another digest


def test_the_next_process_reads_a_cassette_without_importing_yaml(state):
    code = ("import sys; from toolkit.cassettes.replay import _parse_cassette; from pathlib import Path; "
            f"print(len(_parse_cassette(Path({str(CASSETTE)!r}), 'fix')), 'yaml' in sys.modules)")
    env = {**os.environ, "DD_TOOLKIT_STATE_DIR": str(state.parent)}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=True).stdout.split()
            for _ in range(2)]
    assert runs[0][0] == runs[1][0] != "0"
    assert (runs[0][1], runs[1][1]) == ("True", "False")


@pytest.mark.parametrize("text", ["a: [1, 2\n", "a: &x [*x]\n", "[" * 70 + "]" * 70])
def test_what_fails_is_never_remembered(state, text):
    for _ in range(2):
        with pytest.raises(ValuesError, match="the file"):
            load(text)
    assert entries(state, bounded_yaml.MEMO) == []


@pytest.mark.parametrize("secret", ["ghp_" + "a1B2c3D4e5F6g7H8i9J0kLmN", "known-value-1234"], ids=["shaped", "known"])
@pytest.mark.parametrize("kind", [str, bytes])
def test_a_text_holding_a_secret_is_never_remembered(state, monkeypatch, secret, kind):
    # a token pasted into a values file's env must not gain a second copy in the state directory
    import importlib

    monkeypatch.setattr(importlib.import_module("toolkit.model.redact"), "_known", {"known-value-1234"})
    text = f"env:\n  GITHUB_TOKEN: {secret}\n"
    for _ in range(2):
        assert load(text if kind is str else text.encode()) == {"env": {"GITHUB_TOKEN": secret}}
    assert entries(state, bounded_yaml.MEMO) == []
    load(text.replace(secret, "'***'"))  # the same file, scrubbed, is remembered
    assert len(entries(state, bounded_yaml.MEMO)) == 1


def test_what_marshal_cannot_hold_is_parsed_every_time(state):
    assert str(load("when: 2024-01-02\n")["when"]) == "2024-01-02"
    assert entries(state, bounded_yaml.MEMO) == []


def test_a_damaged_memo_is_parsed_again(state):
    text = "a: 1\n"
    load(text)
    [entry] = entries(state, bounded_yaml.MEMO)
    entry.write_bytes(b"\x00not marshal")
    assert load(text) == {"a": 1}


def test_an_unwritable_state_dir_only_means_parsing_again(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("DD_TOOLKIT_STATE_DIR", str(blocker / "state"))
    for _ in range(2):
        assert load("a: 1\n") == {"a": 1}


def test_each_kind_keeps_its_newest_entries(state, monkeypatch):
    monkeypatch.setattr(memo, "KEEP", 3)
    for n in range(5):
        memo.remember("test", f"key{n}", b"x")
        os.utime(state / "test" / f"key{n}", ns=(n * 10**9, n * 10**9))  # the order does not rest on the clock's resolution
    assert [p.name for p in entries(state, "test")] == ["key2", "key3", "key4"]
    assert memo.recall("test", "key4") == b"x" and memo.recall("test", "key0") is None
    assert oct((state / "test" / "key4").stat().st_mode & 0o777) == "0o600"


def test_each_kind_keeps_at_most_its_byte_budget(state, monkeypatch):
    monkeypatch.setattr(memo, "KEEP_BYTES", 250)
    for n in range(4):
        memo.remember("test", f"key{n}", b"x" * 100)
        os.utime(state / "test" / f"key{n}", ns=(n * 10**9, n * 10**9))
    assert [p.name for p in entries(state, "test")] == ["key2", "key3"]


def test_digests_tell_the_parts_apart():
    assert memo.digest(b"ab", b"c") != memo.digest(b"a", b"bc")
    assert memo.digest(b"ab") == memo.digest(b"ab")
