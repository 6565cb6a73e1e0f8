"""Sending what the outbox holds: after each commit, at start, and periodically.

Each message is sent outside any transaction and then marked in a short one of its own (with
its card copy, for cards), so a slow or failing recipient never holds a database lock and one
bad message never blocks the others. Only flood control (429) stops a flush: it throttles the
whole bot, so nothing is sent until the time Telegram named has passed.

A crash between sending and marking can repeat that one message on restart; a crash between
commit and sending loses nothing.
"""

from __future__ import annotations

import asyncio
import datetime
import enum
import logging
from collections.abc import Callable

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

from bot.storage.outbox import OutboxRepository, PendingMessage
from bot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

BATCH_SIZE = 50
FIRST_BACKOFF = datetime.timedelta(seconds=5)
MAX_BACKOFF = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 8


class _Outcome(enum.Enum):
    SENT = "sent"
    DEFERRED = "deferred"  # to be tried again later, or given up
    THROTTLED = "throttled"  # flood control: stop sending for now


def backoff(attempts: int) -> datetime.timedelta:
    """Delay before the next try of a message that already failed `attempts` times."""
    return min(FIRST_BACKOFF * 2**attempts, MAX_BACKOFF)


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        platform: str,
        clock: Callable[[], datetime.datetime],
    ) -> None:
        self._bot = bot
        self._sessions = sessions
        self._platform = platform
        self._clock = clock
        # Flushes never overlap. A flush requested while one runs waits for that one's next
        # pass, which starts after the request and therefore sees what was just committed.
        self._lock = asyncio.Lock()
        self._pass_done = asyncio.Condition()
        self._requested = 0
        self._served = 0
        self._throttled_until: datetime.datetime | None = None

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

    async def run_periodically(self, interval: float = 5.0) -> None:
        """Send what became due since (retries, scheduled messages) until cancelled."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.flush()
            except Exception:
                log.exception("outbox flush failed; trying again in %s s", interval)

    async def _send_due(self) -> int:
        sent = 0
        seen: set[int] = set()
        while True:
            now = self._clock()
            if self._throttled_until is not None and now < self._throttled_until:
                return sent
            async with self._sessions() as session:
                batch = await OutboxRepository(session).due(now, BATCH_SIZE)
            fresh = [message for message in batch if message.id not in seen]
            for message in fresh:
                seen.add(message.id)
                outcome = await self._deliver(message)
                if outcome is _Outcome.SENT:
                    sent += 1
                elif outcome is _Outcome.THROTTLED:
                    return sent
            if not fresh or len(batch) < BATCH_SIZE:
                return sent

    async def _deliver(self, message: PendingMessage) -> _Outcome:
        try:
            result = await self._call(message)
        except TelegramRetryAfter as error:
            until = self._clock() + datetime.timedelta(seconds=error.retry_after)
            self._throttled_until = until
            log.warning("outbox %s: throttled for %s s", message.key, error.retry_after)
            await self._retry(message, until, error.message, count_attempt=False)
            return _Outcome.THROTTLED
        except (TelegramForbiddenError, TelegramMigrateToChat) as error:
            # Blocked, never started, kicked, or the group moved: retrying cannot help.
            log.info("outbox %s: recipient unreachable: %s", message.key, error.message)
            await self._fail(message, error.message)
            return _Outcome.DEFERRED
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                await self._mark_sent(message, None)
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
        await self._mark_sent(message, result)
        return _Outcome.SENT

    async def _call(self, message: PendingMessage) -> Message | bool:
        markup = (
            InlineKeyboardMarkup.model_validate(message.reply_markup)
            if message.reply_markup is not None
            else None
        )
        if message.edit_message_id is not None:
            return await self._bot.edit_message_text(
                text=message.text,
                chat_id=message.chat_id,
                message_id=message.edit_message_id,
                reply_markup=markup,
            )
        return await self._bot.send_message(message.chat_id, message.text, reply_markup=markup)

    async def _mark_sent(self, message: PendingMessage, result: Message | bool | None) -> None:
        async with UnitOfWork(self._sessions, self._platform) as uow:
            await uow.outbox.mark_sent(message.id, self._clock())
            # A new card copy is recorded so later decisions can edit it; an edit has one.
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
        error: str,
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
