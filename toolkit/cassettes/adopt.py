"""Adopting a kept capture: ``run --capture DIR`` output becomes a collector's cassettes.

A capture is already scrubbed (by the recorder's own ``Scrubber``); adopting checks it again,
because a kept capture may have travelled (a volume, a laptop) and been edited: the cassette
must read as a vcrpy cassette, its ``replay.json`` must load, and ``scrub.leaks`` must find no
secret value, credential shape, credential header or exchange in it. Only then is the new
directory built beside the target and swapped in whole (under the recorder's lock), so a refusal,
a failure or a kill writes nothing.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RecordError
from ..model import files
from .recorder import copy_kept, directory_lock
from .replay import REPLAY_FILE, load_replay, read_interactions, read_json_object
from .scrub import leaks


@dataclass
class AdoptReport:
    collector: str
    source: Path
    cassette: Path
    interactions: int
    replaced: list[Path] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"adopted {self.interactions} interactions from {self.source} into {self.cassette}"]
        if self.replaced:
            out.append("replaced: " + ", ".join(str(p) for p in self.replaced))
        out.append(f"{self.cassette.parent / REPLAY_FILE}: recorded_at {self.meta.get('recorded_at')}")
        out.append("scrub check: nothing credential-like found; review the cassette, then `pytest --update-golden` and its diff")
        return out


def capture_directory(source: Path, name: str) -> Path:
    """``DIR/<name>/`` as ``run --capture DIR`` writes it, or ``DIR`` itself when it holds the cassette."""
    source = Path(source)
    for candidate in (source / name, source):
        if (candidate / f"{name}.yaml").is_file():
            return candidate
    raise RecordError(f"no capture of {name} in {source}: expected {source / name / (name + '.yaml')} (written by `dd-toolkit run {name} --capture {source}`)")


def captured_secret_names(source: Path, name: str) -> tuple[str, ...]:
    """The secrets a kept capture's ``replay.json`` says its run read, listed by the collector or
    not: ``record --adopt`` reads their values to search the capture for them. Empty when the
    capture cannot say (``adopt`` names what is wrong with it)."""
    try:
        meta = json.loads((capture_directory(source, name) / REPLAY_FILE).read_text(encoding="utf-8"))
    except (RecordError, OSError, ValueError):
        return ()
    secrets = meta.get("secrets") if isinstance(meta, dict) else None
    return tuple(str(k) for k in secrets) if isinstance(secrets, dict) else ()


def adopt(name: str, source: Path, target: Path, secrets: dict[str, str]) -> AdoptReport:
    """Copy the capture of ``name`` in ``source`` into ``target`` (its main cassettes), checked first."""
    captured = capture_directory(source, name)
    cassette = captured / f"{name}.yaml"
    interactions = read_interactions(captured, name)  # a malformed cassette: ReplayError naming the file
    load_replay(captured, name)  # replay.json must load too (recorded_at, optional)
    found = leaks(cassette.read_text(encoding="utf-8"), secrets)
    if found:
        raise RecordError(f"{cassette} still holds {', '.join(found)}; not adopted (nothing was written). Capture again or scrub it by hand")
    target = Path(target)
    with directory_lock(target):
        old_meta = read_json_object(target / REPLAY_FILE, "fix or delete it") or {}
        new_meta = read_json_object(captured / REPLAY_FILE, "fix or delete it") or {}
        meta = {**old_meta, **new_meta}  # the target's own keys (optional, ...) stay unless the capture sets them
        replaced = sorted(target.glob("*.yaml"))
        # A transaction: the new directory (the old one's files but its main cassettes, so scenario
        # subdirectories and golden.json stay) is built beside the target and swapped in whole.
        with files.staged_directory(target) as staged:
            copy_kept(target, staged, drop_cassettes=True)
            shutil.copyfile(cassette, staged / f"{name}.yaml")
            (staged / REPLAY_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return AdoptReport(name, captured, target / f"{name}.yaml", len(interactions), replaced, meta)
