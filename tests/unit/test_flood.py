"""One person's pace (bot/domain/flood.py): a burst at once, then a steady rate; refused
people are told once per flood and know how long to wait; others are not slowed."""

from __future__ import annotations

import datetime

import pytest

from bot.domain.flood import FloodGate

T0 = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)


def at(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


def test_a_burst_goes_through_then_the_person_is_refused_and_warned_once() -> None:
    gate = FloodGate(rate=2.0, burst=3)
    assert [gate.allow(7, T0) for _ in range(3)] == [(True, False)] * 3
    assert gate.allow(7, T0) == (False, True)
    assert gate.allow(7, T0) == (False, False)  # still refused, not told again
    # Someone else has a bucket of their own.
    assert gate.allow(8, T0) == (True, False)


def test_the_wait_is_until_the_next_token_and_then_the_person_goes_again() -> None:
    gate = FloodGate(rate=4.0, burst=1)
    assert gate.wait(7, T0) == datetime.timedelta(0)  # never heard from
    assert gate.allow(7, T0) == (True, False)
    assert gate.wait(7, T0) == datetime.timedelta(seconds=0.25)
    assert gate.wait(7, at(0.1)) == datetime.timedelta(seconds=0.15)
    assert gate.allow(7, at(0.25)) == (True, False)
    # A new flood is told again.
    assert gate.allow(7, at(0.25)) == (False, True)


def test_the_people_remembered_are_bounded_the_least_recent_forgotten_first() -> None:
    gate = FloodGate(rate=1.0, burst=1, remembered=2)
    for person in (1, 2, 3):
        gate.allow(person, T0)
    assert gate.allow(1, T0) == (True, False)  # forgotten: a full bucket again
    assert gate.allow(3, T0) == (False, True)


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 3), (-1.0, 3), (2.0, 0)])
def test_a_gate_needs_a_positive_rate_and_burst(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        FloodGate(rate=rate, burst=burst)
