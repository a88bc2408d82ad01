"""The collectors' entries in the Helm chart's ``values.yaml``, edited as a round-trip.

People comment and order that file by hand; ruamel.yaml's round-trip mode keeps their
comments, quoting and key order when ``dd-toolkit new`` adds an entry.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from ..errors import ValuesError
from ..model import files

NEW_FILE_HEADER = (
    "# Values of the datadog-collectors chart: one CronJob per entry under `collectors:`.\n"
    "# `dd-toolkit new NAME` adds an entry (keeping this file's comments); `dd-toolkit doctor NAME`\n"
    "# checks it.\n"
)


def _yaml():
    from ruamel.yaml import YAML
    from ruamel.yaml.representer import RoundTripRepresenter

    class Representer(RoundTripRepresenter):
        """Writes None as ``null``: the round-trip default (nothing after the colon) would turn
        ``activeDeadlineSeconds: null`` into ``activeDeadlineSeconds:``."""

    Representer.add_representer(type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    yaml = YAML()  # round-trip: comments, order and quotes survive
    yaml.Representer = Representer
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never re-wrap a long comment or string
    return yaml


def load(path: Path) -> Any:
    return _parse(_yaml(), path.read_text(encoding="utf-8"), str(path))


def _parse(yaml, text: str, where: str) -> Any:
    """``text`` loaded round-trip; broken YAML is a ValuesError naming ``where`` and the line."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) if isinstance(exc, MarkedYAMLError) else None
        at = f" (line {mark.line + 1})" if mark is not None else ""
        problem = (getattr(exc, "problem", None) or str(exc)).strip().splitlines()[0]
        raise ValuesError(f"{where} is not valid YAML{at}: {problem}; fix it, then run the command again") from None


def read_entry(path: Path, name: str) -> dict | None:
    """The ``collectors.<name>`` entry, or None when the file or the entry is absent."""
    if not path.is_file():
        return None
    data = load(path)
    collectors = data.get("collectors") if isinstance(data, dict) else None
    entry = collectors.get(name) if isinstance(collectors, dict) else None
    return entry if isinstance(entry, dict) else None


def render_with_entry(current: str | None, name: str, fragment: str, *, where: str = "values.yaml") -> str | None:
    """The values file's text with ``fragment`` (``name: {...}``) under ``collectors:``.

    ``current`` None means the file does not exist yet. Returns None when the entry is already
    there (it is the user's to tune; it is never overwritten).
    """
    from ruamel.yaml.comments import CommentedMap

    yaml = _yaml()
    entry = _parse(yaml, fragment, "the template's Helm values entry")[name]
    data = _parse(yaml, NEW_FILE_HEADER + "collectors: {}\n" if current is None else current, where)
    if data is None:
        data = CommentedMap()
    if not isinstance(data, dict):
        raise ValuesError("values.yaml must be a mapping at the top level")
    collectors = data.get("collectors")
    if collectors is None:
        collectors = data["collectors"] = CommentedMap()
    if not isinstance(collectors, dict):
        raise ValuesError("`collectors:` in values.yaml must be a mapping of collector entries")
    if name in collectors:
        return None
    if hasattr(collectors, "fa"):
        collectors.fa.set_block_style()  # `collectors: {}` grows into a block, not a flow mapping
    previous = collectors[list(collectors)[-1]] if collectors else None
    collectors[name] = entry
    if previous is not None:
        _move_trailing_comment(previous, entry)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _last_leaf(node: Any) -> tuple[Any, Any] | None:
    """The mapping and key of the last scalar written inside ``node``."""
    from ruamel.yaml.comments import CommentedMap

    while isinstance(node, CommentedMap) and node:
        key = list(node)[-1]
        if isinstance(node[key], CommentedMap) and node[key]:
            node = node[key]
            continue
        return node, key
    return None


def _move_trailing_comment(previous: Any, entry: Any) -> None:
    """Keep comments that followed the old last entry below the new one.

    ruamel attaches the lines after a block (blank lines, a comment heading the next
    top-level key) to the block's last scalar; appended after it, the new entry would land
    below that comment, which then describes the wrong thing.
    """
    from ruamel.yaml.tokens import CommentToken

    old, new = _last_leaf(previous), _last_leaf(entry)
    if old is None or new is None:
        return
    slot = old[0].ca.items.get(old[1])
    token = slot[2] if slot and len(slot) > 2 else None
    if token is None or "\n" not in token.value:
        return
    eol, _, rest = token.value.partition("\n")
    if not rest:
        return
    token.value = eol + "\n"
    mapping, key = new
    slot = mapping.ca.items.setdefault(key, [None, None, None, None])
    if slot[2] is None:
        slot[2] = CommentToken("\n" + rest, token.start_mark, None)
    else:
        slot[2].value = slot[2].value.rstrip("\n") + "\n" + rest


_LOCKS: dict[str, object] = {}
_LOCKS_GUARD = threading.Lock()


def locked(path: Path, timeout: float = 120.0):
    """A lock on one values file across processes (two `dd-toolkit new` at once), reentrant within one.

    The lock file lives in the temp directory, named by a hash of the values file's real path,
    so the chart directory never gets a stray ``.lock`` (helm would package it).
    """
    from filelock import FileLock  # well-kept, cross-platform advisory locks (flock on Linux)

    real = str(Path(path).resolve())
    with _LOCKS_GUARD:
        lock = _LOCKS.get(real)
        if lock is None:
            digest = hashlib.sha256(real.encode()).hexdigest()[:16]
            lock = _LOCKS[real] = FileLock(os.path.join(tempfile.gettempdir(), f"dd-toolkit-values-{digest}.lock"), timeout=timeout)
    return lock


def add_entry(path: Path, name: str, fragment: str) -> bool:
    """Add the entry to the values file (created if absent); False when it already existed.

    The read, the exists-check and the write happen under the file's lock: two `new` at once
    each add their entry instead of one overwriting the other's.
    """
    with locked(path):
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        text = render_with_entry(current, name, fragment, where=str(path))
        if text is None:
            return False
        write_atomically(path, text)
        return True


def write_atomically(path: Path, text: str) -> None:
    files.write_atomic(path, text)  # keeps the file's mode (mkstemp alone made values.yaml 0600)
