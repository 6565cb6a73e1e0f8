"""Telegram's sending limits, as a pure bookkeeping class the outbox sender consults.

Telegram asks bots to send at most 30 messages a second overall, one a second to a private
chat, and 20 a minute to a group (a chat with a negative id); going faster earns flood control
(429) for the whole bot. The limiter only remembers when messages went out and answers how
long to wait before the next one to a chat; the caller supplies the time, so tests drive it
with a fake clock and nothing here sleeps.

The bookkeeping is per process: several processes sharing one bot token share its limits too,
so together they can still exceed them; flood control (429) then slows them all down.
"""

from __future__ import annotations

import datetime
from collections import deque
from dataclasses import dataclass

_ZERO = datetime.timedelta(0)
# How many sends between sweeps of chats that went quiet, which keeps the memory bounded.
_SWEEP_EVERY = 512


@dataclass(frozen=True)
class Limit:
    """At most `count` messages in any window of `period`."""

    count: int
    period: datetime.timedelta

    def __post_init__(self) -> None:
        if self.count < 1 or self.period <= _ZERO:
            raise ValueError("a limit needs a positive count and period")


OVERALL = Limit(30, datetime.timedelta(seconds=1))
PRIVATE_CHAT = Limit(1, datetime.timedelta(seconds=1))
GROUP_CHAT = Limit(20, datetime.timedelta(minutes=1))


class _Window:
    """The times of the last `limit.count` sends under one limit."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.sent: deque[datetime.datetime] = deque(maxlen=limit.count)

    def delay(self, now: datetime.datetime) -> datetime.timedelta:
        if len(self.sent) < self.limit.count:
            return _ZERO
        # The oldest of the last `count` sends must leave the window first. A clock that
        # jumped back must not stall sending for longer than one window.
        wait = self.sent[0] + self.limit.period - now
        return min(max(wait, _ZERO), self.limit.period)

    def stale(self, now: datetime.datetime) -> bool:
        return not self.sent or self.sent[-1] + self.limit.period <= now


class RateLimiter:
    def __init__(
        self,
        overall: Limit = OVERALL,
        private_chat: Limit = PRIVATE_CHAT,
        group_chat: Limit = GROUP_CHAT,
    ) -> None:
        self._private_chat = private_chat
        self._group_chat = group_chat
        self._overall = _Window(overall)
        self._chats: dict[int, _Window] = {}
        self._recorded = 0

    def delay(self, chat_id: int, now: datetime.datetime) -> datetime.timedelta:
        """How long to wait from `now` before sending to `chat_id`; zero: send now."""
        wait = self._overall.delay(now)
        chat = self._chats.get(chat_id)
        if chat is not None:
            wait = max(wait, chat.delay(now))
        return wait

    def record(self, chat_id: int, now: datetime.datetime) -> None:
        """A message to `chat_id` goes out at `now` (counted whether or not it succeeds)."""
        self._overall.sent.append(now)
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Window(self._limit_of(chat_id))
        chat.sent.append(now)
        self._recorded += 1
        if self._recorded % _SWEEP_EVERY == 0:
            self._sweep(now)

    def _limit_of(self, chat_id: int) -> Limit:
        # Groups, supergroups and channels have negative ids; people have positive ones.
        return self._group_chat if chat_id < 0 else self._private_chat

    def _sweep(self, now: datetime.datetime) -> None:
        for chat_id in [c for c, window in self._chats.items() if window.stale(now)]:
            del self._chats[chat_id]
