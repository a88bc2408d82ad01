"""An error's cause and where to fix it, as the first lines above its traceback (plain text, no Textual).

A traceback ends with what went wrong: on a small terminal, below a long traceback, the user
never scrolls to it. So the errors panel leads with the exception's message and the line of the
collector's own code it came from (not the toolkit's, a library's or the standard library's
frames, which the user does not edit).
"""

from __future__ import annotations

import re
import sysconfig
from pathlib import Path
from typing import NamedTuple

from ..model import MetricError, redact

_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<function>.+))?$', re.MULTILINE)
_TOOLKIT = Path(__file__).resolve().parent.parent
# where code the user does not edit lives: the toolkit, installed packages, the standard library
_NOT_YOURS = tuple(
    str(p) for p in (_TOOLKIT, *(sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib"))) if p
)


class Frame(NamedTuple):
    file: str
    line: int
    function: str | None

    def __str__(self) -> str:
        where = f"{_shown_path(self.file)} line {self.line}"
        return f"{where}, in {self.function}" if self.function and self.function != "<module>" else where


def user_frame(traceback: str) -> Frame | None:
    """The innermost frame of the traceback in the user's code (the last one when none is)."""
    frames = [Frame(m["file"], int(m["line"]), m["function"]) for m in _FRAME.finditer(traceback)]
    yours = [f for f in frames if not f.file.startswith(_NOT_YOURS) and not f.file.startswith("<")]
    return (yours or frames or [None])[-1]


def cause_and_fix(error: MetricError, *, load_failed: bool = False, reloads: bool = True) -> list[str]:
    """Two lines for the top of an error: what went wrong, and where to fix it (and what then).

    ``load_failed``: the collector's code does not import (at start or after an edit), so the
    fix is an edit: ``reloads`` says whether saving it is enough or the dashboard must restart."""
    message = redact(error.message).strip()
    cause = f"{error.type}: {message.splitlines()[0]}" if message else error.type
    frame = user_frame(redact(error.traceback))
    if load_failed:
        then = "save (it reloads)" if reloads else "restart the dashboard"
        return [cause, f"fix: {frame}, then {then}" if frame else f"fix: the collector's code, then {then}"]
    return [cause, f"at: {frame}"] if frame else [cause]


def _shown_path(file: str) -> str:
    """A path relative to the working directory when it is under it, else its package directory
    and name: short enough for one line of a small terminal."""
    path = Path(file)
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(Path("…", *path.parts[-2:])) if len(path.parts) > 3 else file
