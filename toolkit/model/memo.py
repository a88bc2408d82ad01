"""What one command worked out, remembered for the next by a digest of everything it depended on.

Each ``dd-toolkit run`` starts a new process, and spent most of its start re-deriving the same
answers from the same files: importing PyYAML to parse the values and the cassettes again, and
jsonschema to check the values again (~75 ms of a ~270 ms offline run). A memo is one small file,
``<state dir>/memo/<kind>/<digest>``, named by a SHA-256 of the inputs (their bytes, and the
toolkit's version), so an edited file, a new schema or a new toolkit is a new digest and the work
is done again. Only successes are memoised; a file that fails is parsed or checked every time,
so its error message comes from the one code path that makes it.

A memo is only a shortcut: a state directory that cannot be read or written (a read-only
filesystem in a pod, a full disk) means the work is done, never that the command fails.
Each kind keeps its newest entries, at most ``KEEP`` of them and ``KEEP_BYTES`` in all.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from .._version import __version__
from .settings import state_dir

KEEP = 128  # entries per kind: a few projects' values and cassettes, and their recent edits
KEEP_BYTES = 64 * 1024 * 1024  # and their size (a cassette's memo is about its file's size)


def digest(*parts: bytes) -> str:
    """The SHA-256 of ``parts`` (each length-prefixed, so no two lists of parts share one) and
    this toolkit's version."""
    sha = hashlib.sha256(__version__.encode())
    for part in parts:
        sha.update(len(part).to_bytes(8, "big"))
        sha.update(part)
    return sha.hexdigest()


def _path(kind: str, key: str) -> Path:
    return Path(state_dir()) / "memo" / kind / key


def recall(kind: str, key: str) -> bytes | None:
    """What was remembered under ``key``, or None."""
    try:
        with open(_path(kind, key), "rb") as handle:
            return handle.read()
    except OSError:
        return None


def remember(kind: str, key: str, data: bytes) -> None:
    """Keep ``data`` under ``key`` (atomically, readable by the user only), then drop the kind's
    oldest entries past ``KEEP`` or ``KEEP_BYTES``."""
    from . import files

    path = _path(kind, key)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        files.write_atomic(path, data, mode=0o600)
        # a write in progress (write_atomic's hidden temp) is its writer's to finish or remove
        entries = [(_stat(entry), entry.path) for entry in os.scandir(path.parent) if not entry.name.startswith(".")]
    except OSError:
        return
    count = size = 0
    for (_mtime, bytes_), entry_path in sorted(entries, reverse=True):  # newest first
        count, size = count + 1, size + bytes_
        if count > KEEP or size > KEEP_BYTES:
            with contextlib.suppress(OSError):
                os.unlink(entry_path)


def _stat(entry: os.DirEntry) -> tuple[int, int]:
    """(mtime in ns, size) of ``entry``; (0, 0) when another process pruned it meanwhile."""
    try:
        stat = entry.stat()
    except OSError:
        return 0, 0
    return stat.st_mtime_ns, stat.st_size
