"""Adopting a kept capture: ``run --capture DIR`` output becomes a collector's cassettes.

A capture is already scrubbed (by the recorder's own ``Scrubber``); adopting checks it again,
because a kept capture may have travelled (a volume, a laptop) and been edited: the cassette
must read as a vcrpy cassette, its ``replay.json`` must load, and ``scrub.leaks`` must find no
secret value, credential shape, credential header or exchange in it. Only then are the files
copied, so a refusal writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RecordError
from ..model import files
from .replay import REPLAY_FILE, load_replay, read_interactions
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


def adopt(name: str, source: Path, target: Path, secrets: dict[str, str]) -> AdoptReport:
    """Copy the capture of ``name`` in ``source`` into ``target`` (its main cassettes), checked first."""
    captured = capture_directory(source, name)
    cassette = captured / f"{name}.yaml"
    interactions = read_interactions(captured, name)  # a malformed cassette: ReplayError naming the file
    load_replay(captured, name)  # replay.json must load too (recorded_at, optional)
    text = cassette.read_text(encoding="utf-8")
    found = leaks(text, secrets)
    if found:
        raise RecordError(f"{cassette} still holds {', '.join(found)}; not adopted (nothing was written). Capture again or scrub it by hand")
    target = Path(target)
    meta_path = target / REPLAY_FILE
    old_meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    new_meta = json.loads((captured / REPLAY_FILE).read_text(encoding="utf-8")) if (captured / REPLAY_FILE).is_file() else {}
    meta = {**old_meta, **new_meta}  # the target's own keys (optional, ...) stay unless the capture sets them
    target.mkdir(parents=True, exist_ok=True)
    replaced = sorted(p for p in target.glob("*.yaml"))
    for path in replaced:  # the main cassettes only: scenario subdirectories are left alone
        path.unlink()
    destination = target / f"{name}.yaml"
    files.write_atomic(destination, text)
    files.write_atomic(meta_path, json.dumps(meta, indent=2) + "\n")
    return AdoptReport(name, captured, destination, len(interactions), replaced, meta)
