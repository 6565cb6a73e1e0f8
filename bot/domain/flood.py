"""How fast one person may go: a token bucket per person, `burst` at once, then `rate` a
second. The chat's flood control (bot/middlewares.py) and the dashboard's API
(bot/webapp/api.py) each keep one; the caller supplies the time, so tests drive it with a fake
clock.

The memory is bounded: the people heard from least recently are forgotten first (a forgotten
person starts again with a full bucket, which errs on the side of answering).
"""

from __future__ import annotations

import datetime
from collections import OrderedDict


class FloodGate:
    def __init__(self, *, rate: float, burst: int, remembered: int = 10_000) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("flood control needs a positive rate and burst")
        self._rate = rate
        self._burst = float(burst)
        self._remembered = remembered
        # person -> (tokens left, when counted, warned in this flood): oldest first.
        self._people: OrderedDict[int, tuple[float, datetime.datetime, bool]] = OrderedDict()

    def allow(self, person: int, now: datetime.datetime) -> tuple[bool, bool]:
        """(go ahead, warn now): a refused person is warned once per flood, not at every try."""
        tokens, counted, warned = self._people.pop(person, (self._burst, now, False))
        elapsed = max((now - counted).total_seconds(), 0.0)
        tokens = min(self._burst, tokens + elapsed * self._rate)
        if tokens >= 1.0:
            self._people[person] = (tokens - 1.0, now, False)
            allowed, warn = True, False
        else:
            self._people[person] = (tokens, now, True)
            allowed, warn = False, not warned
        while len(self._people) > self._remembered:
            self._people.popitem(last=False)
        return allowed, warn

    def wait(self, person: int, now: datetime.datetime) -> datetime.timedelta:
        """How long until this person may go again (zero: now)."""
        held = self._people.get(person)
        if held is None:
            return datetime.timedelta(0)
        tokens, counted, _ = held
        tokens += max((now - counted).total_seconds(), 0.0) * self._rate
        return datetime.timedelta(seconds=max(1.0 - tokens, 0.0) / self._rate)
