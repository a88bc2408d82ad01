"""A recording can be trusted: it replays by construction (the live run's `now()` is the
`recorded_at` written, and `record` replays what it recorded before it writes), and it is a
transaction (built beside the cassettes and swapped in whole, under a lock), so a failure, a dead
API, a second `record` or SIGKILL at any moment never leaves a torn or lost recording.

Everything runs the real CLI in its own process against loopback APIs."""

from __future__ import annotations

import json
import os
import random
import shutil
import threading
import time

import pytest
import yaml
from loopback import Loopback, Reply
from recording_project import cli, make_project, snapshot, start

pytestmark = pytest.mark.slow

# DD_TOOLKIT_RECORD_REPEAT=20 runs the "20 times in a row"; the suite runs a few.
REPEAT = int(os.environ.get("DD_TOOLKIT_RECORD_REPEAT", "2"))


def window_api(first_delay: float = 0.0, count: int = 7, hold: threading.Event | None = None, delay: float = 0.0, pad: int = 0) -> Loopback:
    events = {"count": count, **({"pad": "x" * pad} if pad else {})}
    return Loopback({"/warmup": Reply(200, {"ok": True}, delay=first_delay or delay, hold=hold), "/events": Reply(200, events, delay=delay)})


def replayed_value(root, *extra: str) -> float:
    done = cli(root, "run", "window", "--offline", "--json", *extra)  # no WINDOW_API_URL, no server
    payload = json.loads(done.stdout)
    assert payload["errors"] == [], payload["errors"]
    return payload["metrics"]["window.events.recent"]


def test_a_seven_day_window_records_and_replays_every_time(tmp_path):
    """The docs' `since = (now() - timedelta(days=7)).isoformat()` after a first request of 1.2 s:
    recorded, then replayed offline to the same value, time after time (record and --capture)."""
    cassettes = make_project(tmp_path)
    capture = tmp_path / "flight"
    for n in range(REPEAT):
        with window_api(first_delay=1.2, count=100 + n) as api:
            done = cli(tmp_path, "record", "window", "--mode", "all", api=api.url)
            assert done.returncode == 0, (n, done.stdout, done.stderr)
            sent = [r.path for r in api.requests if r.path.startswith("/events")]
            live = cli(tmp_path, "run", "window", "--json", "--capture", str(capture), api=api.url)
            assert live.returncode == 0, (n, live.stderr)
        recorded_at = json.loads((cassettes / "replay.json").read_text())["recorded_at"]
        assert len(sent) == 1 and "." in recorded_at  # microseconds kept, as now() had them
        assert replayed_value(tmp_path) == 100 + n
        assert replayed_value(tmp_path, "--cassettes", str(capture)) == 100 + n


def test_record_refuses_a_recording_that_would_not_replay(tmp_path):
    """A collector that asks something new on every run (here a random nonce; a wall-clock time is
    matched by the replay's shift, for the seed guide's `datetime.now()` windows) asks something
    else offline: `record` replays first, refuses, names the request, and writes nothing."""
    nonce = (
        "import uuid\n\nfrom toolkit import get_config, http_client, metric\n\n\n"
        '@metric("window.events.recent", unit="count")\ndef recent():\n'
        '    with http_client(get_config("WINDOW_API_URL", required=True)) as client:\n'
        '        return client.get("/events", params={"nonce": uuid.uuid4().hex}).json()["count"]\n'
    )
    cassettes = make_project(tmp_path, nonce)
    (cassettes / "window.yaml").write_text("version: 1\ninteractions: []\n")
    before = snapshot(cassettes)
    with window_api() as api:
        done = cli(tmp_path, "record", "window", "--mode", "all", api=api.url)
    assert done.returncode == 1, done.stdout
    line = done.stderr.strip()
    assert len(line.splitlines()) == 1 and "would not replay" in line and "/events" in line and "query parameter nonce" in line, line
    assert snapshot(cassettes) == before


def test_record_against_a_dead_api_changes_nothing(tmp_path):
    cassettes = make_project(tmp_path)
    with window_api() as api:
        assert cli(tmp_path, "record", "window", "--mode", "all", api=api.url).returncode == 0
    (cassettes / "golden.json").write_text('{"series": {}}\n')
    before = snapshot(cassettes)
    dead = api.url  # the server is closed: connections are refused
    done = cli(tmp_path, "record", "window", "--mode", "all", api=dead)
    assert done.returncode == 1 and "nothing was written" in done.stdout, done.stdout
    assert snapshot(cassettes) == before
    # mode new asks the dead API nothing: every request is answered from the kept cassette, at its
    # recorded_at; nothing is rewritten
    done = cli(tmp_path, "record", "window", api=dead)
    assert done.returncode == 0 and "nothing new to record" in done.stdout, done.stdout
    assert snapshot(cassettes) == before


def test_a_first_record_that_records_nothing_keeps_the_examples(tmp_path):
    """After `new`, a `record` that records nothing neither deletes the example cassette nor says
    the examples were replaced."""
    cassettes = make_project(tmp_path)
    (cassettes / "window.yaml").write_text("version: 1\ninteractions: []\n")
    (cassettes / "replay.json").write_text('{"examples": true, "recorded_at": "2026-01-01T00:00:00Z"}\n')
    before = snapshot(cassettes)
    with window_api() as api:
        dead = api.url
    done = cli(tmp_path, "record", "window", api=dead)
    assert done.returncode == 1 and "replaced" not in done.stdout + done.stderr
    assert snapshot(cassettes) == before


def test_two_records_of_one_collector_one_records_the_other_refuses(tmp_path):
    cassettes = make_project(tmp_path)
    hold = threading.Event()
    with window_api(hold=hold) as api:
        first = start(tmp_path, "record", "window", "--mode", "all", api=api.url)
        try:
            assert api.wait_for_requests(1, timeout=30)  # the first is recording (held by the server)
            second = cli(tmp_path, "record", "window", "--mode", "all", api=api.url)
        finally:
            hold.set()
            out, err = first.communicate(timeout=60)
    assert first.returncode == 0, (out, err)
    assert second.returncode == 1
    assert len(second.stderr.strip().splitlines()) == 1 and "another recording" in second.stderr, second.stderr
    assert len(api.requests) == 2  # the first run's two; the second never reached the API (the replay check is offline)
    assert len(yaml.safe_load((cassettes / "window.yaml").read_text())["interactions"]) == 2


# --- SIGKILL at random moments --------------------------------------------------------------
TRIALS = 20


def _whole(directory, name="window") -> bool:
    """A complete recording: the cassette parses with its two interactions, replay.json loads."""
    data = yaml.safe_load((directory / f"{name}.yaml").read_text())
    meta = json.loads((directory / "replay.json").read_text())
    return len(data["interactions"]) == 2 and "recorded_at" in meta


def _kill_trials(tmp_path, target, command, ready, *, api=None, skip: float = 0.0, reset=None, seed=19):
    """Run ``command`` TRIALS times, each SIGKILLed at a random moment; after each, ``target``
    holds the old files byte-identical or new ones whole.

    The moment: once ``ready()(process)`` saw the run reach its recording (the state waited on), a
    random sleep up to the time a whole run takes from there to its exit (measured by one run
    first, so a loaded machine stretches it too): the kills fall across the recording, the replay
    check, the swap and the exit. ``skip``: the fraction of that time left out at the start
    (Python's start-up, when nothing waited on marks the recording's start). ``reset()`` puts the
    old files back before each trial (adopting one capture twice gives the same bytes)."""
    rng = random.Random(seed)
    waiting = ready()
    calibration = start(tmp_path, *command, api=api.url if api is not None else None)
    waiting(calibration)
    began = time.monotonic()
    calibration.communicate(timeout=60)
    window = time.monotonic() - began
    assert calibration.returncode == 0
    outcomes = {"old": 0, "new": 0}
    for trial in range(TRIALS):
        if reset is not None:
            reset()
        old = snapshot(target)
        waiting = ready()
        process = start(tmp_path, *command, api=api.url if api is not None else None)
        try:
            waiting(process)
            time.sleep(rng.uniform(skip * window, 1.1 * window))  # only the moment of the kill
            process.kill()
        finally:
            process.communicate(timeout=30)
        now = snapshot(target)
        if now == old:
            outcomes["old"] += 1
        else:
            assert _whole(target), (trial, sorted(now))
            outcomes["new"] += 1
        assert not [p for p in now if p.startswith(".")], (trial, sorted(now))  # staging is beside, never inside
    print(f"SIGKILL {' '.join(command[:2])}: {outcomes}")
    return outcomes


def _first_request(api):
    """Ready once the API saw the run's first request (armed before the run starts)."""
    def arm():
        asked = len(api.requests)
        return lambda process: api.wait_for_requests(asked + 1, timeout=30)
    return arm


def _started():
    """Ready as soon as the process is (``--adopt`` asks no API: its moments are set by time alone)."""
    return lambda process: None


def test_sigkill_during_record_leaves_old_or_new_whole(tmp_path):
    cassettes = make_project(tmp_path)
    with window_api(delay=0.05) as api:  # ~0.1 s of recording after the first request
        assert cli(tmp_path, "record", "window", "--mode", "all", api=api.url).returncode == 0
        outcomes = _kill_trials(tmp_path, cassettes, ("record", "window", "--mode", "all"), _first_request(api), api=api)
    assert sum(outcomes.values()) == TRIALS


def test_sigkill_during_capture_leaves_old_or_new_whole(tmp_path):
    make_project(tmp_path)
    flight = tmp_path / "flight"
    command = ("run", "window", "--capture", str(flight))
    with window_api(delay=0.05) as api:
        assert cli(tmp_path, *command, api=api.url).returncode == 0
        outcomes = _kill_trials(tmp_path, flight / "window", command, _first_request(api), api=api)
    assert sum(outcomes.values()) == TRIALS


def test_sigkill_during_adopt_leaves_old_or_new_whole(tmp_path):
    cassettes = make_project(tmp_path)
    flight = tmp_path / "flight"
    with window_api(count=3) as api:
        assert cli(tmp_path, "record", "window", "--mode", "all", api=api.url).returncode == 0
    with window_api(count=4, pad=200_000) as api:  # a capture big enough that copying it takes a moment
        assert cli(tmp_path, "run", "window", "--capture", str(flight), api=api.url).returncode == 0
    (cassettes / "golden.json").write_text('{"series": {}}\n')
    old = snapshot(cassettes)

    def reset():
        shutil.rmtree(cassettes)
        for name, data in old.items():
            (cassettes / name).parent.mkdir(parents=True, exist_ok=True)
            (cassettes / name).write_bytes(data)

    outcomes = _kill_trials(tmp_path, cassettes, ("record", "window", "--adopt", str(flight)), _started, skip=0.6, reset=reset)
    assert sum(outcomes.values()) == TRIALS
    assert (cassettes / "golden.json").read_text() == '{"series": {}}\n'  # kept through every adoption
