"""Every file the toolkit writes goes through here: one atomic write, and whole directories swapped in.

``write_atomic`` writes a temporary file in the target's own directory (same filesystem, so the
rename is atomic), fsyncs it, gives it the mode the old file had (or the umask's default for a new
one: ``mkstemp`` alone would make every file 0600), renames it over the target and fsyncs the
directory. A reader, a crash or SIGKILL at any moment sees the old content or the new, whole.

A write killed between the two (SIGKILL, a power cut) leaves its hidden ``.<name>.<random>.tmp``;
the next write of that file removes it once it is a minute old (``remove_stale_temps``), and the
chart's ``.helmignore`` leaves ``*.tmp`` out of a package meanwhile.

``staged_directory`` is the same for a directory (a collector's cassettes, a capture): the new
tree is built in a temporary sibling and, once complete, exchanged with the old one in a single
``renameat2(RENAME_EXCHANGE)`` on Linux, so there is no moment with neither. Where the kernel or
filesystem lacks it, two renames are used and the old tree is kept as ``.<name>.dd-toolkit-old-*``
until the new one is in place; ``recover`` puts such a leftover back if the process died between
the two.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

_OLD_MARK = ".dd-toolkit-old-"
_NEW_MARK = ".dd-toolkit-new-"
# A temporary file a killed write_atomic left (mkstemp's 8 random characters): removed by the
# next write of the same file once it is this old, so no live writer's file is ever taken.
STALE_TEMP_AGE = 60.0
_TEMP_MIDDLE = re.compile(r"[a-z0-9_]{8}")


def _default_mode(base: int = 0o666) -> int:
    umask = os.umask(0)  # the only way to read it; set straight back
    os.umask(umask)
    return base & ~umask


def fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems refuse fsync on a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: str | os.PathLike[str], data: bytes | str, *, mode: int | None = None, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``data`` atomically, keeping its mode (``mode`` overrides)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = _default_mode()
    payload = data.encode(encoding) if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)
    remove_stale_temps(path)


def remove_stale_temps(path: str | os.PathLike[str], *, age: float = STALE_TEMP_AGE) -> list[Path]:
    """Remove ``.<name>.<random>.tmp`` files beside ``path`` that a killed ``write_atomic`` left
    (older than ``age`` seconds); returns them."""
    path = Path(path)
    prefix, cutoff, removed = f".{path.name}.", time.time() - age, []
    with contextlib.suppress(OSError), os.scandir(path.parent) as entries:
        for entry in entries:
            name = entry.name
            if not (name.startswith(prefix) and name.endswith(".tmp") and _TEMP_MIDDLE.fullmatch(name[len(prefix):-4])):
                continue
            with contextlib.suppress(OSError):
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


# --- directories ----------------------------------------------------------------------------
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@functools.cache
def _renameat2():
    """libc's renameat2, looked up on the first directory swap: ctypes and its library search
    cost a file write (a memo, a values edit) ~10 ms it does not need."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step; False where the system cannot."""
    exchange = _renameat2()
    if exchange is None:
        return False
    if exchange(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    return False  # EINVAL/ENOSYS (filesystem or kernel without it): the caller renames twice


def swap_in(staged: Path, target: Path) -> None:
    """Put the complete tree ``staged`` at ``target`` (a sibling of it), replacing what was there."""
    staged, target = Path(staged), Path(target)
    try:  # mkdtemp made it 0700: give it the old directory's mode, or a new one's
        os.chmod(staged, target.stat().st_mode & 0o7777)
    except FileNotFoundError:
        os.chmod(staged, _default_mode(0o777))
    if not target.exists():
        os.replace(staged, target)
        fsync_dir(target.parent)
        return
    if _exchange(staged, target):
        fsync_dir(target.parent)
        shutil.rmtree(staged, ignore_errors=True)  # now the old tree
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}{_OLD_MARK}", dir=target.parent))
    os.rmdir(old)
    os.replace(target, old)
    os.replace(staged, target)
    fsync_dir(target.parent)
    shutil.rmtree(old, ignore_errors=True)


def recover(target: str | os.PathLike[str]) -> None:
    """After a death between the two renames of the fallback swap, put the old tree back; drop
    staging left by a killed writer. Cheap when there is nothing to do."""
    target = Path(target)
    parent = target.parent
    if not parent.is_dir():
        return
    for leftover in parent.glob(f".{target.name}{_OLD_MARK}*"):
        if not target.exists():
            os.replace(leftover, target)
        else:
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in parent.glob(f".{target.name}{_NEW_MARK}*"):
        shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def staged_directory(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary directory beside ``target`` to build its new content in.

    On a normal exit it replaces ``target`` whole (``swap_in``); on an exception (or a signal that
    raises) it is removed and ``target`` is untouched. Files written inside it need no atomic
    write of their own: nobody sees them until the swap.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}{_NEW_MARK}", dir=target.parent))
    try:
        yield staged
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    swap_in(staged, target)


__all__ = ["STALE_TEMP_AGE", "fsync_dir", "recover", "remove_stale_temps", "staged_directory", "swap_in", "write_atomic"]
