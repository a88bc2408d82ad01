"""Cassettes: recorded HTTP, replayed offline and recorded live with secrets scrubbed.

``load_replay`` / ``ReplayTransport`` (offline replay from vcrpy files, thread-safe, never the
network), ``MATCHERS`` (vcrpy's matcher names with their meaning), ``Scrubber`` (the recorder's
hooks), ``record`` (a live run into cassettes), ``default_directory`` (where they are) and
``drift_between`` / ``drift_table`` (how a live run's shapes differ from a cassette's) and
``adopt`` (a kept ``run --capture`` as a collector's cassettes, scrub-checked again), and
``load_yaml`` / ``read_text``: YAML read within bounds (bytes, nesting, alias expansion), for the
cassettes and the Helm values alike.

Imports the model, the sources and the errors; never the engine (``record`` is handed the run).
"""

from .adopt import AdoptReport, adopt, captured_secret_names
from .bounded_yaml import load as load_yaml
from .bounded_yaml import read_text
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
    "MATCHERS",
    "MODES",
    "PLACEHOLDER",
    "RECORD_MATCH_ON",
    "REPLAY_FILE",
    "Drift",
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
