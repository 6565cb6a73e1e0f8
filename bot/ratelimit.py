"""Telegram's sending limits, as pure bookkeeping shared by every call the bot makes.

Telegram asks bots to send at most 30 messages a second overall, about one a second to a
private chat (short bursts are tolerated), and 20 a minute to a group (a chat with a negative
id); going faster earns flood control (429). We keep a margin below the overall limit (29 a
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

The caller supplies the time, so tests drive it with a fake clock and nothing here sleeps.
RateLimiter is the bookkeeping of one process. Several processes sharing one bot token share
its limits too: with REDIS_URL set they book their slots in Redis instead (bot/shared_limiter.py
does the same arithmetic in one atomic script), so together they stay under the limits. Both
answer the same asynchronous questions (Limiter), which is all the senders see.
"""

from __future__ import annotations

import bisect
import datetime
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

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


OVERALL = Limit(29, datetime.timedelta(seconds=1))
PRIVATE_CHAT = Limit(1, datetime.timedelta(seconds=1))
# What a reply in a private chat may use: a person who types quickly gets quick answers.
PRIVATE_BURST = Limit(3, datetime.timedelta(seconds=3))
GROUP_CHAT = Limit(20, datetime.timedelta(minutes=1))


def is_group(chat_id: int) -> bool:
    # Groups, supergroups and channels have negative ids; people have positive ones.
    return chat_id < 0


@dataclass(frozen=True)
class Limits:
    """Which limit applies to which message: one rule for the in-process and the shared books."""

    overall: Limit = OVERALL
    private_chat: Limit = PRIVATE_CHAT
    group_chat: Limit = GROUP_CHAT
    private_burst: Limit = PRIVATE_BURST

    def of_chat(self, chat_id: int, *, reply: bool) -> Limit:
        if is_group(chat_id):
            return self.group_chat
        return self.private_burst if reply else self.private_chat

    def kept(self, chat_id: int) -> int:
        """How many recent sends to a chat must be remembered to answer for every limit."""
        if is_group(chat_id):
            return self.group_chat.count
        return max(self.private_chat.count, self.private_burst.count)

    def quiet_after(self, chat_id: int) -> datetime.timedelta:
        """After this long without a send, a chat's record no longer matters."""
        if is_group(chat_id):
            return self.group_chat.period
        return max(self.private_chat.period, self.private_burst.period)


@dataclass(frozen=True)
class Slot:
    """The answer to a booking: how long to wait, and whether the slot is now taken."""

    wait: datetime.timedelta
    booked: bool


class Limiter(Protocol):
    """What the senders ask (bot/session.py, bot/outbox.py), of one process's book or Redis."""

    async def book(
        self,
        chat_id: int,
        now: datetime.datetime,
        *,
        reply: bool = False,
        within: datetime.timedelta | None = None,
        even: bool = False,
    ) -> Slot:
        """Book the next slot for a message to `chat_id`, unless it is further away than
        `within` (then nothing is booked and the wait is only reported). `even`: a bulk
        message, kept to an even pace once the overall limit was reached (RateLimiter.book)."""
        ...

    async def throttled(self, chat_id: int, until: datetime.datetime) -> None: ...

    async def paused_for(
        self, chat_id: int | None, now: datetime.datetime
    ) -> datetime.timedelta: ...


class _Window:
    """The times of the most recent sends to one chat (or overall), oldest first."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.sent: list[datetime.datetime] = []

    def delay(self, limit: Limit, now: datetime.datetime) -> datetime.timedelta:
        if len(self.sent) < limit.count:
            return _ZERO
        # The oldest of the last `count` sends must leave the window first. A clock that
        # jumped back must not stall sending for longer than one window. So a slot is booked
        # at most one window ahead: the senders book one message at a time and wait for it.
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
        self.limits = Limits(overall, private_chat, group_chat, private_burst)
        # The even pace: one slot after the latest booked message.
        self._spacing = overall.period / overall.count
        # Until when bulk messages keep an even pace (see `book`).
        self._steady_until: datetime.datetime | None = None
        self._overall = _Window(overall.count)
        self._chats: dict[int, _Window] = {}
        self._recorded = 0
        self._paused_until: datetime.datetime | None = None
        self._chat_paused_until: dict[int, datetime.datetime] = {}

    def delay(
        self, chat_id: int, now: datetime.datetime, *, reply: bool = False, even: bool = False
    ) -> datetime.timedelta:
        """How long to wait from `now` before sending to `chat_id`; zero: send now. A reply
        to a person may use a private chat's short burst. Once a bulk backlog (`even`, the
        outbox's) reached the overall limit, every message keeps an even pace (see `book`)."""
        wait = self._overall.delay(self.limits.overall, now)
        if self._steady_until is not None and now <= self._steady_until:
            # A reply too keeps a slot from the message before it: two messages that reach
            # Telegram closer than that leave no room for latency in its count of a second.
            # The latest booked may lie more than a slot ahead (a reply booked meanwhile):
            # the wait runs from it, bounded by a window (a clock that jumped back).
            latest = self._overall.sent[-1] if self._overall.sent else None
            if latest is not None:
                pace = min(latest + self._spacing - now, self.limits.overall.period)
                wait = max(wait, pace)
        chat = self._chats.get(chat_id)
        if chat is not None:
            wait = max(wait, chat.delay(self.limits.of_chat(chat_id, reply=reply), now))
        return max(wait, self.paused_for(chat_id, now))

    def record(self, chat_id: int, now: datetime.datetime) -> None:
        """A message to `chat_id` goes out at `now` (counted whether or not it succeeds)."""
        self._overall.add(now)
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Window(self.limits.kept(chat_id))
        chat.add(now)
        self._recorded += 1
        if self._recorded % _SWEEP_EVERY == 0:
            self._sweep(now)

    def reserve(
        self, chat_id: int, now: datetime.datetime, *, reply: bool = False, even: bool = False
    ) -> datetime.timedelta:
        """Book the next slot for a message to `chat_id` and return how long to wait for it.
        Booking at once (not after the wait) keeps two callers from taking the same slot."""
        return self.book(chat_id, now, reply=reply, even=even).wait

    def book(
        self,
        chat_id: int,
        now: datetime.datetime,
        *,
        reply: bool = False,
        within: datetime.timedelta | None = None,
        even: bool = False,
    ) -> Slot:
        """reserve, unless the slot is further away than `within`: then nothing is booked.

        `even`: a backlog that reached the overall limit goes on at an even pace (a slot of
        1/29 s after the last send) until it has been quiet for a period, and so does every
        reply meanwhile. Left in bursts of 29 and a pause, the bursts' edges reach Telegram
        blurred by latency, two of them fall into one of its seconds, and it answers 429;
        evenly spread, every message has a slot of slack. A few messages still go at once.
        The booking that finds the window full is itself at that pace: it starts the steady
        stretch (or goes on with it), it does not slip in between."""
        if even and self._overall.delay(self.limits.overall, now) > _ZERO:
            self._steady_until = now
        wait = self.delay(chat_id, now, reply=reply, even=even)
        if within is not None and wait > within:
            return Slot(wait, booked=False)
        if even and self._steady_until is not None and now <= self._steady_until:
            self._steady_until = now + wait + self.limits.overall.period
        self.record(chat_id, now + wait)
        return Slot(wait, booked=True)

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

    def _sweep(self, now: datetime.datetime) -> None:
        for chat_id in [
            c for c, window in self._chats.items() if window.stale(now, self.limits.quiet_after(c))
        ]:
            del self._chats[chat_id]
        for chat_id in [c for c, until in self._chat_paused_until.items() if until <= now]:
            del self._chat_paused_until[chat_id]
        if self._paused_until is not None and self._paused_until <= now:
            self._paused_until = None


class LocalLimiter:
    """One process's RateLimiter behind the Limiter questions (no REDIS_URL)."""

    def __init__(self, book: RateLimiter | None = None) -> None:
        self.local = book if book is not None else RateLimiter()

    async def book(
        self,
        chat_id: int,
        now: datetime.datetime,
        *,
        reply: bool = False,
        within: datetime.timedelta | None = None,
        even: bool = False,
    ) -> Slot:
        return self.local.book(chat_id, now, reply=reply, within=within, even=even)

    async def throttled(self, chat_id: int, until: datetime.datetime) -> None:
        self.local.throttled(chat_id, until)

    async def paused_for(self, chat_id: int | None, now: datetime.datetime) -> datetime.timedelta:
        return self.local.paused_for(chat_id, now)
