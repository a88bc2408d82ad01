"""Cassettes: recorded HTTP, replayed offline and recorded live with secrets scrubbed.

``load_replay`` / ``ReplayTransport`` (offline replay from vcrpy files, thread-safe, never the
network), ``MATCHERS`` (vcrpy's matcher names with their meaning), ``Scrubber`` (the recorder's
hooks), ``record`` (a live run into cassettes), ``default_directory`` (where they are) and
``drift_between`` / ``drift_table`` (how a live run's shapes differ from a cassette's) and
``adopt`` (a kept ``run --capture`` as a collector's cassettes, scrub-checked again), and
``load_yaml`` / ``read_text``: YAML read within bounds (bytes, nesting, alias expansion), for the
cassettes and the Helm values alike.

Imports the model, the sources and the errors; never the engine (``record`` is handed the run).

Names resolve on first use (PEP 562): the engine imports ``locate`` at start-up, and a live run
never loads the replay, the recorder or their httpx and PyYAML.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# YAML within bounds is small and imports PyYAML only when it reads: loaded at once
from .bounded_yaml import load as load_yaml
from .bounded_yaml import read_text

# name -> the module of this package that defines it
_EXPORTS = {
    "AdoptReport": "adopt",
    "adopt": "adopt",
    "captured_secret_names": "adopt",
    "Drift": "drift",
    "drift_between": "drift",
    "drift_table": "drift",
    "CASSETTES_RELPATH": "locate",
    "default_directory": "locate",
    "MATCHERS": "matching",
    "Recorded": "matching",
    "matches": "matching",
    "MODES": "recorder",
    "RECORD_MATCH_ON": "recorder",
    "RecordReport": "recorder",
    "record": "recorder",
    "resolve_secrets": "recorder",
    "DEFAULT_MATCH_ON": "replay",
    "REPLAY_FILE": "replay",
    "Replay": "replay",
    "ReplayTransport": "replay",
    "load_replay": "replay",
    "read_interactions": "replay",
    "read_json_object": "replay",
    "PLACEHOLDER": "scrub",
    "Scrubber": "scrub",
    "is_plain_url": "scrub",
    "leaks": "scrub",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    loaded = importlib.import_module(f"{__name__}.{module}")
    # every name of that module kept here at once: importing the submodule ``adopt`` set this
    # package's ``adopt`` to the module, which the function of that name must replace
    globals().update({n: getattr(loaded, n) for n, m in _EXPORTS.items() if m == module})
    return globals()[name]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:
    from .adopt import AdoptReport, adopt, captured_secret_names
    from .drift import Drift, drift_between, drift_table
    from .locate import CASSETTES_RELPATH, default_directory
    from .matching import MATCHERS, Recorded, matches
    from .recorder import MODES, RECORD_MATCH_ON, RecordReport, record, resolve_secrets
    from .replay import (
        DEFAULT_MATCH_ON,
        REPLAY_FILE,
        Replay,
        ReplayTransport,
        load_replay,
        read_interactions,
        read_json_object,
    )
    from .scrub import PLACEHOLDER, Scrubber, is_plain_url, leaks

__all__ = [
    "AdoptReport",
    "CASSETTES_RELPATH",
    "DEFAULT_MATCH_ON",
    "Drift",
    "MATCHERS",
    "MODES",
    "PLACEHOLDER",
    "RECORD_MATCH_ON",
    "REPLAY_FILE",
    "RecordReport",
    "Recorded",
    "Replay",
    "ReplayTransport",
    "Scrubber",
    "adopt",
    "captured_secret_names",
    "default_directory",
    "drift_between",
    "drift_table",
    "is_plain_url",
    "leaks",
    "load_replay",
    "load_yaml",
    "matches",
    "read_interactions",
    "read_json_object",
    "read_text",
    "record",
    "resolve_secrets",
]
