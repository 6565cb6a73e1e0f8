"""Every Bot API call the bot makes passes one limiter (an aiogram session middleware).

Replies made while handling an update (answers, edits, callback answers) are paced by the
same Limiter as the outbox sender (one process's book, or Redis shared by every process of
the bot), so together they stay under Telegram's limits, and a
reply gets the next free slot before the outbox's next bulk message (see bot/ratelimit.py).

A 429 or a network blip on a reply is retried after the time Telegram named (or a short
backoff) instead of failing the update: a person who types quickly would otherwise see
nothing. The outbox sender's own calls pass untouched: it paces, retries and records them in
the database itself.

Long polling (getUpdates) and the start-up calls are not messages and pass untouched as well.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from pydantic import BaseModel

from bot.ratelimit import Limiter, bulk_call

log = logging.getLogger(__name__)

Clock = Callable[[], datetime.datetime]
Sleep = Callable[[float], Awaitable[object]]

# Methods that put a message into a chat, and count toward Telegram's sending limits.
_SENDING_PREFIXES = ("send", "edit", "copy", "forward")
_NOT_MESSAGES = frozenset({"sendchataction"})
# Methods that answer a person without a message of their own (no limit, but retried).
_ANSWERS = frozenset({"answercallbackquery", "deletemessage", "sendchataction"})
# A reply is retried this many times, and for at most this long in all: a person's update is
# waiting, so a longer flood control fails it (the person is told, see app.on_error).
REPLY_RETRIES = 3
MAX_REPLY_WAIT = datetime.timedelta(seconds=30)
NETWORK_BACKOFF = (0.5, 1.0, 2.0)

# aiogram reads every answer as `Response[<what the method returns>]`, a pydantic generic
# class built on first use (about 25 ms of CPU) and cached by pydantic only weakly: once the
# garbage collector frees it, the next call builds it again. Holding each one here makes that
# a one-time cost per method type instead of a recurring one on the hot path.
_RESPONSE_TYPES: dict[object, type[BaseModel]] = {}


def pin_response_type(method: TelegramMethod[object]) -> None:
    returning = method.__returning__
    if returning not in _RESPONSE_TYPES:
        _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]


def counted_chat(method: TelegramMethod[object]) -> int | None:
    """The chat a sending method writes to, or None for calls that are not messages."""
    name = method.__api_method__.lower()
    if name in _NOT_MESSAGES or not name.startswith(_SENDING_PREFIXES):
        return None
    chat_id = getattr(method, "chat_id", None)
    # A channel's @username, or an inline message (no chat): nothing to count per chat.
    return chat_id if isinstance(chat_id, int) else None


class PacedSession(BaseRequestMiddleware):
    def __init__(self, limiter: Limiter, clock: Clock, sleep: Sleep) -> None:
        self._limiter = limiter
        self._clock = clock
        self._sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        pin_response_type(method)
        if bulk_call.get():
            return await make_request(bot, method)
        chat_id = counted_chat(method)
        if chat_id is None and method.__api_method__.lower() not in _ANSWERS:
            return await make_request(bot, method)
        waited = datetime.timedelta(0)
        # A callback answer is no message: it waits only for the 429 it got itself.
        answer_wait = datetime.timedelta(0)
        attempt = 0
        while True:
            if chat_id is not None:
                # A person is waiting: a long flood-control pause is not sat out in full.
                slot = await self._limiter.book(chat_id, self._clock(), reply=True)
                wait = min(slot.wait, MAX_REPLY_WAIT)
            else:
                wait, answer_wait = answer_wait, datetime.timedelta(0)
            if wait > datetime.timedelta(0):
                waited += wait
                await self._sleep(wait.total_seconds())
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                pause = datetime.timedelta(seconds=error.retry_after)
                # Flood control concerns the bulk sender too: it holds back as long.
                if chat_id is not None:
                    await self._limiter.throttled(chat_id, self._clock() + pause)
                else:
                    answer_wait = pause
                if attempt >= REPLY_RETRIES or waited + pause > MAX_REPLY_WAIT:
                    raise
                log.warning(
                    "%s to %s: flood control, retrying in %s s",
                    method.__api_method__,
                    chat_id,
                    error.retry_after,
                )
            except (TelegramNetworkError, TelegramServerError) as error:
                if attempt >= REPLY_RETRIES:
                    raise
                backoff = NETWORK_BACKOFF[min(attempt, len(NETWORK_BACKOFF) - 1)]
                log.warning(
                    "%s to %s failed (%s), retrying in %s s",
                    method.__api_method__,
                    chat_id,
                    type(error).__name__,
                    backoff,
                )
                waited += datetime.timedelta(seconds=backoff)
                await self._sleep(backoff)
            attempt += 1
