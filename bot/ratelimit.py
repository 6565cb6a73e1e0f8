"""Telegram's sending limits, as pure bookkeeping shared by every call the bot makes.

Telegram asks bots to send at most 30 messages a second overall, about one a second to a
private chat (short bursts are tolerated), and 20 a minute to a group (a chat with a negative
id); going faster earns flood control (429). We keep a margin below the overall limit (28 a
second), because Telegram's own counting and ours never line up exactly.

Both the outbox sender (bulk: reminders, cards, notices) and the replies to a person's update
(answers, edits) ask the same limiter, so together they stay under the limits. A reply may use
a short burst in a private chat (three within three seconds), a bulk message keeps to one a
second after the last message there. Callers *reserve* a slot: the slot is booked at once,
and the caller waits until it comes. The outbox books one message at a time, so a reply
asking meanwhile gets the very next free slot: replies to a person come before bulk reminders.

A 429 pauses what it concerns until the time Telegram named: one group (a group has a limit of
its own that we may have exceeded) or, for a private chat, the whole bot (the overall limit is
the likelier one, and Telegram's answer does not say which).

The caller supplies the time, so tests drive it with a fake clock and nothing here sleeps. The
bookkeeping is per process: several processes sharing one bot token share its limits too, so
together they can still exceed them; flood control (429) then slows them all down.
"""

from __future__ import annotations

import bisect
import datetime
from contextvars import ContextVar
from dataclasses import dataclass

_ZERO = datetime.timedelta(0)
# How many sends between sweeps of chats that went quiet, which keeps the memory bounded.
_SWEEP_EVERY = 512
# A pause longer than this is a clock that jumped, or a misreading: never stall for longer.
MAX_PAUSE = datetime.timedelta(hours=1)

# Set while the outbox sender makes its own call: it paces and retries that call itself, so
# the session middleware (bot/session.py) lets it through untouched.
bulk_call: ContextVar[bool] = ContextVar("bulk_call", default=False)


@dataclass(frozen=True)
class Limit:
    """At most `count` messages in any window of `period`."""

    count: int
    period: datetime.timedelta

    def __post_init__(self) -> None:
        if self.count < 1 or self.period <= _ZERO:
            raise ValueError("a limit needs a positive count and period")


OVERALL = Limit(28, datetime.timedelta(seconds=1))
PRIVATE_CHAT = Limit(1, datetime.timedelta(seconds=1))
# What a reply in a private chat may use: a person who types quickly gets quick answers.
PRIVATE_BURST = Limit(3, datetime.timedelta(seconds=3))
GROUP_CHAT = Limit(20, datetime.timedelta(minutes=1))


def is_group(chat_id: int) -> bool:
    # Groups, supergroups and channels have negative ids; people have positive ones.
    return chat_id < 0


class _Window:
    """The times of the most recent sends to one chat (or overall), oldest first."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.sent: list[datetime.datetime] = []

    def delay(self, limit: Limit, now: datetime.datetime) -> datetime.timedelta:
        if len(self.sent) < limit.count:
            return _ZERO
        # The oldest of the last `count` sends must leave the window first. A clock that
        # jumped back must not stall sending for longer than one window.
        wait = self.sent[-limit.count] + limit.period - now
        return min(max(wait, _ZERO), limit.period)

    def add(self, moment: datetime.datetime) -> None:
        # Booked slots may come out of order (a reply booked beside a bulk message): sorted.
        bisect.insort(self.sent, moment)
        if len(self.sent) > self.keep:
            del self.sent[: len(self.sent) - self.keep]

    def stale(self, now: datetime.datetime, period: datetime.timedelta) -> bool:
        return not self.sent or self.sent[-1] + period <= now


class RateLimiter:
    def __init__(
        self,
        overall: Limit = OVERALL,
        private_chat: Limit = PRIVATE_CHAT,
        group_chat: Limit = GROUP_CHAT,
        private_burst: Limit = PRIVATE_BURST,
    ) -> None:
        self._overall_limit = overall
        self._even = Limit(1, overall.period / overall.count)
        # Until when bulk messages keep an even pace (see `reserve`).
        self._steady_until: datetime.datetime | None = None
        self._private_chat = private_chat
        self._private_burst = private_burst
        self._group_chat = group_chat
        self._overall = _Window(overall.count)
        self._chats: dict[int, _Window] = {}
        self._recorded = 0
        self._paused_until: datetime.datetime | None = None
        self._chat_paused_until: dict[int, datetime.datetime] = {}

    def delay(
        self, chat_id: int, now: datetime.datetime, *, reply: bool = False, even: bool = False
    ) -> datetime.timedelta:
        """How long to wait from `now` before sending to `chat_id`; zero: send now. A reply
        to a person may use a private chat's short burst. `even` (the outbox's bulk): once
        the overall limit was reached, keep an even pace (see `reserve`)."""
        wait = self._overall.delay(self._overall_limit, now)
        if even and self._steady_until is not None and now < self._steady_until:
            wait = max(wait, self._overall.delay(self._even, now))
        chat = self._chats.get(chat_id)
        if chat is not None:
            for limit in self._limits_of(chat_id, reply=reply):
                wait = max(wait, chat.delay(limit, now))
        return max(wait, self.paused_for(chat_id, now))

    def record(self, chat_id: int, now: datetime.datetime) -> None:
        """A message to `chat_id` goes out at `now` (counted whether or not it succeeds)."""
        self._overall.add(now)
        chat = self._chats.get(chat_id)
        if chat is None:
            limits = self._limits_of(chat_id, reply=False) + self._limits_of(chat_id, reply=True)
            chat = self._chats[chat_id] = _Window(max(limit.count for limit in limits))
        chat.add(now)
        self._recorded += 1
        if self._recorded % _SWEEP_EVERY == 0:
            self._sweep(now)

    def reserve(
        self, chat_id: int, now: datetime.datetime, *, reply: bool = False, even: bool = False
    ) -> datetime.timedelta:
        """Book the next slot for a message to `chat_id` and return how long to wait for it.
        Booking at once (not after the wait) keeps two callers from taking the same slot.

        `even`: a backlog that reached the overall limit goes on at an even pace (a slot of
        1/28 s after the last send) until it has been quiet for a period. Left
        in bursts of 28 and a pause, the bursts' edges reach Telegram blurred by latency, two
        of them fall into one of its seconds, and it answers 429; evenly spread, every message
        has a slot of slack. A few messages still go at once."""
        if even and self._overall.delay(self._overall_limit, now) > _ZERO:
            self._steady_until = now
        wait = self.delay(chat_id, now, reply=reply, even=even)
        if even and self._steady_until is not None and now <= self._steady_until:
            self._steady_until = now + wait + self._overall_limit.period
        self.record(chat_id, now + wait)
        return wait

    def throttled(self, chat_id: int, until: datetime.datetime) -> None:
        """Telegram answered 429 for `chat_id`: hold back what it concerns until `until`."""
        if is_group(chat_id):
            current = self._chat_paused_until.get(chat_id)
            self._chat_paused_until[chat_id] = until if current is None else max(current, until)
        else:
            self.pause(until)

    def pause(self, until: datetime.datetime) -> None:
        """Nothing is sent before `until` (flood control for the whole bot)."""
        if self._paused_until is None or until > self._paused_until:
            self._paused_until = until

    def paused_for(self, chat_id: int | None, now: datetime.datetime) -> datetime.timedelta:
        """How much of a 429's pause is left for `chat_id` (None: for the whole bot)."""
        until = self._paused_until
        if chat_id is not None:
            chat_until = self._chat_paused_until.get(chat_id)
            if chat_until is not None and (until is None or chat_until > until):
                until = chat_until
        if until is None:
            return _ZERO
        return min(max(until - now, _ZERO), MAX_PAUSE)

    def _limits_of(self, chat_id: int, *, reply: bool) -> tuple[Limit, ...]:
        if is_group(chat_id):
            return (self._group_chat,)
        return (self._private_burst,) if reply else (self._private_chat,)

    def _sweep(self, now: datetime.datetime) -> None:
        private = max(self._private_chat.period, self._private_burst.period)
        for chat_id in [
            c
            for c, window in self._chats.items()
            if window.stale(now, self._group_chat.period if is_group(c) else private)
        ]:
            del self._chats[chat_id]
        for chat_id in [c for c, until in self._chat_paused_until.items() if until <= now]:
            del self._chat_paused_until[chat_id]
        if self._paused_until is not None and self._paused_until <= now:
            self._paused_until = None
