"""The one atomic write and the staged directory swap: old or new, whole, at any moment."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from toolkit.model import files


def test_write_atomic_keeps_the_old_files_mode_and_a_new_file_gets_the_umasks(tmp_path):
    old = tmp_path / "values.yaml"
    old.write_text("a: 1\n")
    old.chmod(0o644)
    files.write_atomic(old, "a: 2\n")
    assert old.read_text() == "a: 2\n" and old.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
    umask = os.umask(0o022)
    try:
        files.write_atomic(tmp_path / "new.txt", b"x")
    finally:
        os.umask(umask)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.txt", "values.yaml"]  # no temp left


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "f"
    target.write_text("old")

    def boom(*_):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        files.write_atomic(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["f"]


def test_staged_directory_replaces_the_tree_whole_or_not_at_all(tmp_path):
    target = tmp_path / "cassettes"
    target.mkdir()
    (target / "old.yaml").write_text("old")
    with pytest.raises(RuntimeError), files.staged_directory(target) as staged:
        (staged / "new.yaml").write_text("new")
        raise RuntimeError("recording failed")
    assert [p.name for p in target.iterdir()] == ["old.yaml"]
    with files.staged_directory(target) as staged:
        (staged / "new.yaml").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.yaml"]
    assert [p.name for p in tmp_path.iterdir()] == ["cassettes"]


def test_recover_puts_back_a_tree_left_between_the_fallbacks_two_renames(tmp_path):
    target = tmp_path / "cassettes"
    left = tmp_path / ".cassettes.dd-toolkit-old-abc"
    left.mkdir()
    (left / "old.yaml").write_text("old")
    files.recover(target)
    assert (target / "old.yaml").read_text() == "old" and not left.exists()


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from toolkit.model import files
    base = Path(sys.argv[1])
    n = 0
    print("ready", flush=True)
    while True:
        n += 1
        files.write_atomic(base / "file", str(n) * 20000)
        with files.staged_directory(base / "tree") as staged:
            for i in range(5):
                (staged / f"{i}.txt").write_text(str(n) * 2000)
""")


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_old_or_new_whole(tmp_path):
    rng = random.Random(1234)
    for _trial in range(12):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline() == "ready\n"
            # wait on state (one whole round written), then kill at a random moment of the loop
            waited = time.monotonic()
            while not (tmp_path / "tree").is_dir():
                assert proc.poll() is None and time.monotonic() - waited < 30
                time.sleep(0.001)
            time.sleep(rng.uniform(0, 0.03))  # the fault's moment, not a wait for state
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            proc.kill()
            proc.wait(timeout=10)
        text = (tmp_path / "file").read_text()
        assert len(text) % 20000 == 0 and len(set(text)) <= 10 and text == text[: len(text) // 20000] * 20000
        files.recover(tmp_path / "tree")
        contents = {p.read_text() for p in (tmp_path / "tree").iterdir()}
        assert len(contents) == 1 and len(list((tmp_path / "tree").iterdir())) == 5
