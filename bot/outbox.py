"""Sending what the outbox holds: a sender task of its own, woken when an update or the
scheduler commits messages, when a flood-control pause ends, and every few seconds for
retries and messages due later. An update only wakes it: nobody's update waits for pacing.

Each message is sent outside any transaction, so a slow or failing recipient never holds a
database lock and one bad message never blocks the others; what was sent is marked (with its
card copy, for cards) in one short transaction per batch of sends, before the claim on it is
handed back or renewed, never one per message. Neither that transaction nor the claim of the
next batch stands between two sends: the marks are written beside the next sends, and the next
batch is claimed while the last of the current one go out, so at the limit every slot is used.
Flood control (429) on a private chat throttles the whole bot: the pass ends (what was claimed
ahead is handed back), and the sender task goes on when the time Telegram named has passed; on
a group it puts off only that group's messages.

Several processes may share the database: a sender sends only rows it claimed (for a lease,
see OutboxRepository.claim_due), so each message goes out at most once. The lease is short (30
s), so the rows a killed process claimed are sent by another within a minute; a sender uses a
claim only while at least half its lease is left and then claims afresh (renewing what it
still holds), and one send is bounded by SEND_TIMEOUT, well under that half, so a claim never
runs out under a message being sent.

Telegram's limits (29 messages a second with a margin, 1 a second per private chat, 20 a minute
per group) are kept by the Limiter the replies to updates share (bot/session.py; in Redis
when REDIS_URL is set, so every process of the bot books from one account): a short
wait is slept, a longer one puts the message off (and every later one to that chat in the same
pass, keeping their order) without counting an attempt.

A crash between sending and marking can repeat the messages of that batch (at most a second's
worth) once their claim has run out;
a crash between commit and sending loses nothing.
"""

from __future__ import annotations

import asyncio
import datetime
import enum
import logging
import os
import secrets
import socket
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ratelimit import Limiter, LocalLimiter, bulk_call, is_group
from bot.storage.outbox import MAX_WORKER_LENGTH, PendingMessage
from bot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

BATCH_SIZE = 50
# The next batch is claimed when this many of the current one are left to send.
PREFETCH_AT = 10
FIRST_BACKOFF = datetime.timedelta(seconds=5)
MAX_BACKOFF = datetime.timedelta(minutes=10)
# Network and server failures are retried for about two days (backoff capped at ten minutes):
# an outage of the Bot API must not lose messages. Reminders older than that are folded into
# a catch-up message at start anyway (scheduler/reminders.py).
MAX_ATTEMPTS = 300
# How long a sender's claim on the messages it is about to send keeps other senders off them:
# short, so what a crashed process claimed waits no longer than this.
CLAIM_LEASE = datetime.timedelta(seconds=30)
# The longest one send may take (the HTTP timeout of a bulk call): under half the lease.
SEND_TIMEOUT = 10
# How often the sender task looks for retries and messages that became due, unwoken.
PERIODIC_INTERVAL = 5.0
# A longer wait for a rate limit puts the message off instead of holding up the flush.
MAX_RATE_WAIT = datetime.timedelta(seconds=2)
# What was sent is marked in one transaction per this many messages (and at least once a
# second, and before the claim is handed back or renewed): a transaction per message cost
# the sender about one slot in thirty at 29 a second.
MARK_BATCH = 25
MARK_EVERY = datetime.timedelta(seconds=1)
# An answer slower than this does not hold up the next send (at most two are under way): at
# 29 a second a slot lasts 34 ms, and an answer that takes longer would cost slots.
OVERLAP_AFTER = datetime.timedelta(milliseconds=25)
# A sender woken later than this after its booked slot puts the message off rather than send
# it late: a slot lasts 34 ms at 29 a second, and that slot is all the room left for latency
# between a late message and the on-time ones after it in Telegram's count of a second.
LATE_SLOT = datetime.timedelta(milliseconds=15)
LATE_PUT_OFF = datetime.timedelta(seconds=1)

Sleep = Callable[[float], Awaitable[object]]


def _landed_as(message: PendingMessage, result: Message | bool | None) -> int | None:
    """The message id a sent card became; edits of it made before it landed wait for it."""
    if message.is_edit or message.card_subject is None or not isinstance(result, Message):
        return None
    return result.message_id


class _Outcome(enum.Enum):
    SENT = "sent"
    DEFERRED = "deferred"  # to be tried again later, or given up
    THROTTLED = "throttled"  # flood control: stop sending for now
    UNREACHABLE = "unreachable"  # 403: this chat gets nothing more


def _log_failed_marks(task: asyncio.Task[None]) -> None:
    # The marks stay unwritten and the batch's end writes them (its error is raised there).
    if not task.cancelled() and task.exception() is not None:
        log.warning("outbox: marking sent messages failed, trying again", exc_info=task.exception())


def backoff(attempts: int) -> datetime.timedelta:
    """Delay before the next try of a message that already failed `attempts` times."""
    # Capping the exponent first: 2**300 seconds is not a timedelta.
    return min(FIRST_BACKOFF * 2 ** min(attempts, 16), MAX_BACKOFF)


def default_worker_id() -> str:
    """hostname-pid-random: unique per process, and readable in the claimed_by column."""
    suffix = f"-{os.getpid()}-{secrets.token_hex(4)}"
    return socket.gethostname()[: MAX_WORKER_LENGTH - len(suffix)] + suffix


@dataclass(frozen=True)
class _Call:
    """A send under way."""

    chat_id: int
    started: datetime.datetime
    task: asyncio.Future[_Outcome]


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        platform: str,
        clock: Callable[[], datetime.datetime],
        *,
        worker: str | None = None,
        lease: datetime.timedelta = CLAIM_LEASE,
        limiter: Limiter | None = None,
        sleep: Sleep = asyncio.sleep,
        max_rate_wait: datetime.timedelta = MAX_RATE_WAIT,
        overlap_after: datetime.timedelta = OVERLAP_AFTER,
        overlap: bool = True,
    ) -> None:
        self._bot = bot
        self._sessions = sessions
        self._platform = platform
        self._clock = clock
        self.worker = worker if worker is not None else default_worker_id()
        if not self.worker or len(self.worker) > MAX_WORKER_LENGTH:
            raise ValueError(f"a worker id must have 1 to {MAX_WORKER_LENGTH} characters")
        if lease <= datetime.timedelta(0):
            raise ValueError("the claim lease must be positive")
        self._lease = lease
        self._limiter: Limiter = limiter if limiter is not None else LocalLimiter()
        self._sleep = sleep
        self._max_rate_wait = max_rate_wait
        # No overlap: each send waits for its answer before the next one goes.
        self._overlap_after = overlap_after if overlap else datetime.timedelta(days=1)
        # Flushes never overlap. A flush requested while one runs waits for that one's next
        # pass, which starts after the request and therefore sees what was just committed.
        self._lock = asyncio.Lock()
        self._pass_done = asyncio.Condition()
        # A pass is owed from the start: what a previous run committed and did not send (the
        # start does not send it, App.prepare), so `idle` waits for it too.
        self._requested = 1
        self._served = 0
        self._wake = asyncio.Event()
        self._running = False
        # Sent and not marked yet, with the answer and the moment: still claimed by us, so no
        # other sender takes them meanwhile.
        self._unmarked: list[tuple[PendingMessage, Message | bool | None, datetime.datetime]] = []
        # Two sends may overlap: their marks are written one batch at a time.
        self._marking = asyncio.Lock()
        self._marks_task: asyncio.Task[None] | None = None

    @property
    def limiter(self) -> Limiter:
        return self._limiter

    def wake(self) -> None:
        """Something was committed to send: the sender task sends it soon (never waits)."""
        self._requested += 1
        self._wake.set()

    async def after_commit(self) -> None:
        """The unit-of-work middleware's hook: wakes the sender task and returns at once."""
        self.wake()

    async def idle(self) -> None:
        """Wait until a pass that began after every wake so far has finished (tests, and the
        scheduler's jobs when asked to wait). With no sender task running (yet), the pass is
        made here."""
        ticket = self._requested
        if self._served >= ticket:
            return
        if not (self._running or self._lock.locked()):
            await self.flush()
            return
        async with self._pass_done:
            await self._pass_done.wait_for(lambda: self._served >= ticket)

    async def deliver_now(self) -> None:
        """Send what is due and wait for it: through the sender task when it runs."""
        self.wake()
        await self.idle()

    async def flush(self) -> int:
        """Send every due message; returns how many this call marked sent (0 for a call that
        only waited for a flush already running)."""
        self._requested += 1
        ticket = self._requested
        if self._lock.locked():
            async with self._pass_done:
                await self._pass_done.wait_for(lambda: self._served >= ticket)
            return 0
        async with self._lock:
            sent = 0
            while self._served < self._requested:
                covered = self._requested
                try:
                    sent += await self._send_due()
                finally:
                    self._served = covered
                    async with self._pass_done:
                        self._pass_done.notify_all()
            return sent

    async def run(self, interval: float = PERIODIC_INTERVAL) -> None:
        """The sender task, until cancelled: a pass whenever woken, when a flood-control pause
        ends, and every `interval` seconds (retries, messages due later)."""
        self._running = True
        try:
            while True:
                try:
                    await self.flush()
                except Exception:
                    log.exception("outbox pass failed; trying again in %s s", interval)
                timeout = interval
                paused = (await self._limiter.paused_for(None, self._clock())).total_seconds()
                if paused > 0:
                    timeout = min(timeout, paused)
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
                self._wake.clear()
        finally:
            self._running = False

    async def _send_due(self) -> int:
        sent = 0
        seen: set[int] = set()
        # Chats put off in this pass, and until when: their later messages wait as long.
        put_off: dict[int, datetime.datetime] = {}
        # Chats that answered 403 in this pass: the rest of their messages are already given up.
        unreachable: set[int] = set()

        async def settle(call: _Call) -> bool:
            """The answer to a send; True when it was flood control (stop sending)."""
            nonlocal sent
            outcome = await call.task
            if outcome is _Outcome.UNREACHABLE:
                unreachable.add(call.chat_id)
            elif outcome is _Outcome.SENT:
                sent += 1
            return outcome is _Outcome.THROTTLED

        # The next batch, claimed while the last few of this one go out: a claim is a
        # transaction, and waiting for it between batches cost the sender a slot or two.
        next_claim: asyncio.Future[tuple[datetime.datetime, list[PendingMessage]]] | None = None
        renew = False
        try:
            while True:
                if await self._limiter.paused_for(None, self._clock()) > datetime.timedelta(0):
                    return sent
                ahead, next_claim = next_claim, None
                if ahead is not None and renew:
                    # Handing back the rest of a batch: claimed afresh in order with it.
                    await self._release_claim(ahead)
                    ahead = None
                now, batch = await (ahead if ahead is not None else self._claim(self._clock()))
                renew = False
                # Back again in the same pass (its retry came due meanwhile): the next pass
                # sends it, and starts as soon as this batch is done.
                pending = deque(message for message in batch if message.id not in seen)
                stale = [message.id for message in batch if message.id in seen]
                # The send still waiting for its answer: the next one's slot is waited for
                # meanwhile, so a slow answer does not cost a slot (at most two sends at once).
                previous: _Call | None = None
                try:
                    while pending:
                        if self._clock() >= now + self._lease / 2:
                            renew = True  # hand back the rest and claim afresh
                            break
                        message = pending[0]
                        if (
                            next_claim is None
                            and len(pending) == PREFETCH_AT
                            and len(batch) == BATCH_SIZE
                        ):
                            next_claim = asyncio.ensure_future(self._claim(self._clock()))
                        seen.add(message.id)
                        if message.chat_id in unreachable:
                            pending.popleft()
                            continue
                        waited = await self._pace(message, put_off)
                        # Past this point the message is sent, or marked: not to be released.
                        pending.popleft()
                        if waited is None:
                            continue
                        # The previous answer decides what comes next (a 429 stops the pass), so
                        # it is waited for, but only so long: a slow answer must not cost the next
                        # slot. Within one chat never (order, 403).
                        if previous is not None and (
                            previous.chat_id == message.chat_id or await self._answered(previous)
                        ):
                            call, previous = previous, None
                            if await settle(call):
                                pending.appendleft(message)
                                seen.discard(message.id)
                                return sent
                            if message.chat_id in unreachable:
                                continue
                        at = self._clock()
                        current = _Call(
                            message.chat_id, at, asyncio.ensure_future(self._deliver(message, at))
                        )
                        if previous is not None:
                            call, previous = previous, current
                            if await settle(call):
                                return sent
                        previous = current
                    if previous is not None:
                        call, previous = previous, None
                        if await settle(call):
                            return sent
                finally:
                    try:
                        if previous is not None:
                            # Leaving early (an error): the send under way still ends, and marks.
                            with suppress(Exception):
                                await settle(previous)
                        # Before the claim goes: what was sent must be marked while still ours.
                        await self._write_marks()
                    finally:
                        await self._release(stale + [message.id for message in pending])
                if stale:
                    # Put off earlier in this pass and due again: a fresh pass, at once, sends it
                    # now, where this one would have left it until all its backlog was sent.
                    self.wake()
                    return sent
                if not renew and len(batch) < BATCH_SIZE:
                    return sent
        finally:
            if next_claim is not None:
                await self._release_claim(next_claim)

    async def _answered(self, call: _Call) -> bool:
        """Wait for the answer to `call` until it has taken OVERLAP_AFTER (by the sender's
        clock); True when it came, False when the next send should go without it."""
        while not call.task.done():
            left = call.started + self._overlap_after - self._clock()
            if left <= datetime.timedelta(0):
                return False
            await asyncio.wait([call.task], timeout=left.total_seconds())
        return True

    async def _claim(
        self, now: datetime.datetime
    ) -> tuple[datetime.datetime, list[PendingMessage]]:
        """Up to a batch of due messages, claimed from `now` (their lease runs from then)."""
        async with UnitOfWork(self._sessions, self._platform) as uow:
            batch = await uow.outbox.claim_due(now, self.worker, self._lease, BATCH_SIZE)
            await uow.commit()
        return now, batch

    async def _release_claim(
        self, claim: asyncio.Future[tuple[datetime.datetime, list[PendingMessage]]]
    ) -> None:
        """Hand back a batch claimed ahead and not sent (a claim that failed took nothing)."""
        try:
            _, batch = await claim
        except Exception:
            log.exception("outbox: claiming the next batch failed")
            return
        await self._release([message.id for message in batch])

    async def _release(self, message_ids: list[int]) -> None:
        if not message_ids:
            return
        try:
            async with UnitOfWork(self._sessions, self._platform) as uow:
                await uow.outbox.release(message_ids, self.worker)
                await uow.commit()
        except Exception:
            # Not fatal: the claims run out by themselves.
            log.exception("outbox: could not release the claims on %s", message_ids)

    async def _pace(
        self, message: PendingMessage, put_off: dict[int, datetime.datetime]
    ) -> datetime.timedelta | None:
        """Keep Telegram's rate limits: the wait slept once the message may go out (zero: its
        slot was free), None when it was put off (a long wait, or an earlier message to its
        chat was)."""
        now = self._clock()
        until = put_off.get(message.chat_id)
        if until is None:
            # Booked before the wait and counted before the call: a reply asking meanwhile gets
            # the next slot, and a request Telegram refused still counts toward its limits.
            slot = await self._limiter.book(
                message.chat_id, now, within=self._max_rate_wait, even=True
            )
            if slot.booked:
                if slot.wait > datetime.timedelta(0):
                    await self._sleep(slot.wait.total_seconds())
                woke = self._clock()
                if woke - (now + slot.wait) <= LATE_SLOT:
                    return slot.wait
                # Woken well after its slot (a busy machine): sent now, it would land among
                # the slots booked after it, and Telegram counts arrivals. The missed slot
                # stays counted; the message comes back a second later (its chat's next slot
                # is booked then).
                until = put_off[message.chat_id] = woke + LATE_PUT_OFF
            else:
                until = put_off[message.chat_id] = now + slot.wait
        log.info("outbox %s: rate limit, put off until %s", message.key, until)
        await self._retry(message, until, None, count_attempt=False)
        return None

    async def _deliver(self, message: PendingMessage, at: datetime.datetime) -> _Outcome:
        """Send the message (handed over at `at`, the moment its sent_at records)."""
        try:
            result = await self._call(message)
        except TelegramRetryAfter as error:
            until = self._clock() + datetime.timedelta(seconds=error.retry_after)
            await self._limiter.throttled(message.chat_id, until)
            log.warning("outbox %s: throttled for %s s", message.key, error.retry_after)
            await self._retry(message, until, error.message, count_attempt=False)
            # A group's own limit: the others go on; the group's later messages are put off.
            return _Outcome.DEFERRED if is_group(message.chat_id) else _Outcome.THROTTLED
        except (TelegramForbiddenError, TelegramMigrateToChat) as error:
            # Blocked, never started, kicked, or the group moved: retrying cannot help, and
            # neither can sending the rest of what waits for that chat.
            log.info("outbox %s: recipient unreachable: %s", message.key, error.message)
            await self._fail(message, error.message)
            await self._fail_chat(message.chat_id, error.message)
            return _Outcome.UNREACHABLE
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                await self._mark_sent(message, None, at)
                return _Outcome.SENT
            if "message to edit not found" in error.message:
                log.info("outbox %s: the message to edit is gone", message.key)
            else:
                log.error("outbox %s: rejected: %s", message.key, error.message)
            await self._fail(message, error.message)
            return _Outcome.DEFERRED
        except TelegramAPIError as error:
            # Network trouble, 5xx, and whatever else may pass.
            await self._retry_with_backoff(message, f"{type(error).__name__}: {error.message}")
            return _Outcome.DEFERRED
        except Exception as error:
            log.exception("outbox %s: unexpected failure", message.key)
            await self._retry_with_backoff(message, f"{type(error).__name__}: {error}")
            return _Outcome.DEFERRED
        await self._mark_sent(message, result, at)
        return _Outcome.SENT

    async def _call(self, message: PendingMessage) -> Message | bool:
        markup = (
            InlineKeyboardMarkup.model_validate(message.reply_markup)
            if message.reply_markup is not None
            else None
        )
        token = bulk_call.set(True)
        try:
            if message.edit_message_id is not None:
                return await self._bot.edit_message_text(
                    text=message.text,
                    chat_id=message.chat_id,
                    message_id=message.edit_message_id,
                    reply_markup=markup,
                    request_timeout=SEND_TIMEOUT,
                )
            return await self._bot.send_message(
                message.chat_id, message.text, reply_markup=markup, request_timeout=SEND_TIMEOUT
            )
        finally:
            bulk_call.reset(token)

    async def _mark_sent(
        self, message: PendingMessage, result: Message | bool | None, at: datetime.datetime
    ) -> None:
        """Note the message as sent; it is written with the next batch of marks."""
        now = self._clock()
        self._unmarked.append((message, result, at))
        due = len(self._unmarked) >= MARK_BATCH or now - self._unmarked[0][2] >= MARK_EVERY
        if due and (self._marks_task is None or self._marks_task.done()):
            # Written beside the next sends, not before them: a transaction on the sending
            # path cost the slots it took. The batch's end waits for it (`_write_marks`).
            self._marks_task = asyncio.ensure_future(self._write_marks())
            self._marks_task.add_done_callback(_log_failed_marks)

    async def _write_marks(self) -> None:
        """Mark what was sent, in one transaction; kept for the next try if it fails (the
        claims still hold those rows, so nobody sends them again meanwhile). Waits for a write
        already under way (the marks task) even when nothing else is left: a batch's end
        returns only once everything it sent is marked."""
        async with self._marking:
            await self._write_marks_now()

    async def _write_marks_now(self) -> None:
        if not self._unmarked:
            return
        marks, self._unmarked = self._unmarked, []
        try:
            edits_due = False
            async with UnitOfWork(self._sessions, self._platform) as uow:
                await uow.outbox.mark_sent_many(
                    [(message.id, at, _landed_as(message, result)) for message, result, at in marks]
                )
                for message, result, _ in marks:
                    # A new card copy is recorded so later decisions can edit it; an edit has
                    # one already.
                    if (
                        message.edit_message_id is None
                        and message.card_subject is not None
                        and message.card_subject_id is not None
                        and isinstance(result, Message)
                    ):
                        await uow.cards.add(
                            message.card_subject,
                            message.card_subject_id,
                            message.chat_id,
                            result.message_id,
                            message.locale,
                        )
                edits_due = await uow.outbox.edits_wait_for(
                    [message.id for message, result, _ in marks if _landed_as(message, result)]
                )
                await uow.commit()
        except BaseException:
            self._unmarked = marks + self._unmarked
            raise
        if edits_due:
            # Edits decided while these cards were on their way are due now.
            self.wake()

    async def _fail_chat(self, chat_id: int, error: str) -> None:
        async with UnitOfWork(self._sessions, self._platform) as uow:
            await uow.outbox.fail_unsent_to(chat_id, self._clock(), error)
            await uow.commit()

    async def _retry_with_backoff(self, message: PendingMessage, error: str) -> None:
        if message.attempts + 1 >= MAX_ATTEMPTS:
            log.error(
                "outbox %s: giving up after %s attempts: %s", message.key, MAX_ATTEMPTS, error
            )
            await self._fail(message, error)
            return
        delay = backoff(message.attempts)
        log.warning("outbox %s: retrying in %s: %s", message.key, delay, error)
        await self._retry(message, self._clock() + delay, error, count_attempt=True)

    async def _retry(
        self,
        message: PendingMessage,
        not_before: datetime.datetime,
        error: str | None,
        *,
        count_attempt: bool,
    ) -> None:
        async with UnitOfWork(self._sessions, self._platform) as uow:
            await uow.outbox.retry_later(message.id, not_before, error, count_attempt=count_attempt)
            await uow.commit()

    async def _fail(self, message: PendingMessage, error: str) -> None:
        async with UnitOfWork(self._sessions, self._platform) as uow:
            await uow.outbox.mark_failed(message.id, self._clock(), error)
            await uow.commit()
