"""Several files replaced together, all or none, even across SIGKILL: a small journal is the commit point.

``write_atomic`` makes one file whole; a command that changes several (``update``: a collector's
files and the answers file that says which template version they are at) needs the set whole.
``replace_files`` does it in three steps:

1. the journal (``state: staging``, the list of renames and deletions) is written, then every new
   file is written beside its target as ``.<name>.dd-toolkit-staged.tmp`` (a ``.tmp``, which the
   chart's ``.helmignore`` leaves out of a package);
2. the journal is rewritten as ``state: commit``: from here on the change happens;
3. the staged files are renamed over their targets, the deletions made, and the journal removed.
   SIGINT and SIGTERM are held back for these few renames, so Ctrl-C and a pod's stop arrive
   after them.

A process killed in any step leaves the journal behind. ``recover`` (which every command that
changes a project calls first) finishes a committed journal (each rename is done once: a staged
file that is gone was already renamed) or, before the commit point, removes the staged files: the
project holds the old files or the new ones, never a mix. Both hold an flock on the journal's
directory, so a recovery never undoes a live change, and the kernel drops a killed holder's lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from . import files

STAGED_SUFFIX = ".dd-toolkit-staged.tmp"
STAGING, COMMIT = "staging", "commit"


def staged_path(target: Path) -> Path:
    return target.with_name(f".{target.name}{STAGED_SUFFIX}")


def replace_files(root: Path, journal: Path, writes: Mapping[Path, bytes], deletes: Iterable[Path] = ()) -> None:
    """Write ``writes`` and delete ``deletes`` (paths relative to ``root``) as one change.

    ``journal`` (relative to ``root``) must not exist: call ``recover`` first. On an exception
    before the commit point (a signal included) nothing has changed; the staged files are removed.
    """
    root = Path(root)
    renames = [(str(rel), str(staged_path(Path(rel)))) for rel in writes]
    deletes = [str(rel) for rel in deletes]
    record = {"renames": renames, "deletes": deletes}
    with _locked(root / journal):
        _replace_locked(root, journal, writes, record)


def _replace_locked(root: Path, journal: Path, writes: Mapping[Path, bytes], record: dict) -> None:
    files.write_atomic(root / journal, json.dumps({"state": STAGING, **record}, indent=1))
    try:
        for rel, data in writes.items():
            target = root / rel
            try:
                mode = target.stat().st_mode & 0o7777
            except FileNotFoundError:
                mode = None
            files.write_atomic(root / staged_path(Path(rel)), data, mode=mode)
        with _signals_held():
            files.write_atomic(root / journal, json.dumps({"state": COMMIT, **record}, indent=1))
            _apply(root, journal, record)
    except BaseException as exc:
        state = _state(root / journal)
        if state == STAGING:
            _discard(root, journal, record)
        elif state == COMMIT and isinstance(exc, KeyboardInterrupt):
            # committed, and a signal got through anyway (delivered to another thread of the
            # process, which the mask of this one does not cover): the renames are finished first
            with _signals_held():
                _apply(root, journal, record)
        raise


def recover(root: Path, journal: Path) -> str | None:
    """Finish or undo a change a killed process left; what was done, as one line (None: nothing to do)."""
    root = Path(root)
    path = root / journal
    if not path.exists():
        return None  # the usual case, without a lock
    with _locked(path):  # a live change finishes first; a killed one's lock died with it
        return _recover_locked(root, journal, path)


def _recover_locked(root: Path, journal: Path, path: Path) -> str | None:
    state = _state(path)
    if state is None:
        return None
    files.remove_stale_temps(path, age=0)  # the journal's own rewrite, killed half-way
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        renames, deletes = record["renames"], record["deletes"]
    except (OSError, ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)  # written atomically, so only a hand-edited one is unreadable
        return f"removed {journal}, which could not be read; check `git status` for files it may have left"
    if state == COMMIT:
        _apply(root, journal, record)
        return (f"finished an interrupted change of {len(renames) + len(deletes)} files recorded in {journal} "
                f"(the command that made it was stopped); check it with `git diff`")
    _discard(root, journal, record)
    return (f"undid an interrupted change recorded in {journal} (the command that began it was stopped "
            f"before it changed any file): removed {len(renames)} staged files")


def _state(path: Path) -> str | None:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("state")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError):
        return STAGING  # not readable: nothing was committed by it


def _apply(root: Path, journal: Path, record: dict) -> None:
    for rel, staged in record["renames"]:
        with contextlib.suppress(FileNotFoundError):  # gone: renamed before the process was stopped
            os.replace(root / staged, root / rel)
    for rel in record["deletes"]:
        (root / rel).unlink(missing_ok=True)
    for directory in {(root / rel).parent for rel, _ in record["renames"]} | {(root / rel).parent for rel in record["deletes"]}:
        files.fsync_dir(directory)
    (root / journal).unlink(missing_ok=True)
    files.fsync_dir((root / journal).parent)


def _discard(root: Path, journal: Path, record: dict) -> None:
    for _, staged in record["renames"]:
        (root / staged).unlink(missing_ok=True)
        files.remove_stale_temps(root / staged, age=0)  # a staged file's own write, killed half-way
    (root / journal).unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(journal: Path) -> Iterator[None]:
    """One change (or recovery) at a time per journal: an flock on its directory, which the kernel
    releases when the holder dies, so a killed process never leaves it held."""
    import fcntl

    journal.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(journal.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait (the kernel keeps them pending) until the block ends."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


__all__ = ["STAGED_SUFFIX", "recover", "replace_files", "staged_path"]
