"""Messages the worker threads post to the app (dataclasses; ``post_message`` is thread-safe)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ..engine import Described
from ..model import CollectionResult


@dataclass
class RunFinished(Message):
    """A collector's run returned (successful or not): the one result ``dd-toolkit run`` gets too."""

    collector: str
    result: CollectionResult


@dataclass
class PushFinished(Message):
    """A push of a collector's last result is over; ``summary`` is already redacted."""

    collector: str
    ok: bool
    summary: str


@dataclass
class SourcesChanged(Message):
    """The watcher saw saved ``.py`` files of these collectors."""

    collectors: tuple[str, ...]


@dataclass
class Reloaded(Message):
    """A collector was imported afresh after an edit; ``described.error`` says if that failed."""

    collector: str
    described: Described
