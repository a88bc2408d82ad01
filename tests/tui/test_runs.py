"""Runs taking turns (toolkit/tui/runs.py): one at a time, never waiting past the patience, and
giving up the wait when the app quits."""

from __future__ import annotations

import threading

import pytest

from toolkit.tui.runs import Cancelled, Turns

WAIT = 10.0  # seconds: bounds every join, so a hang fails the test


def test_a_turn_waits_for_the_one_before_it():
    turns = Turns(patience=WAIT)
    order: list[str] = []
    holding, second_waiting = threading.Event(), threading.Event()

    def first() -> None:
        with turns.turn(lambda: False):
            order.append("first in")
            holding.set()
            second_waiting.wait(WAIT)
            order.append("first out")

    def second() -> None:
        holding.wait(WAIT)
        second_waiting.set()  # the moment: it asks for its turn while the first holds it
        with turns.turn(lambda: False):
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert order == ["first in", "first out", "second in"]


def test_a_turn_held_too_long_is_waited_for_its_patience_only_and_cancelling_stops_the_wait():
    turns = Turns(patience=0.05)
    release, held = threading.Event(), threading.Event()

    def hanging() -> None:
        with turns.turn(lambda: False):
            held.set()
            release.wait(2 * WAIT)
            held.clear()

    hang = threading.Thread(target=hanging)
    hang.start()
    try:
        assert held.wait(WAIT)
        with turns.turn(lambda: False):  # runs beside the hanging one once the patience is spent
            assert held.is_set()
        turns.patience = 1e6
        with pytest.raises(Cancelled), turns.turn(lambda: True):
            pytest.fail("a cancelled wait does not run")
        assert held.is_set()  # given up at once, not when the turn came
    finally:
        release.set()
        hang.join(WAIT)
    with turns.turn(lambda: False):  # the turn is free again
        pass
