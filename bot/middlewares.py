"""Middlewares that hand each handler its dependencies as arguments.

- `uow`: one unit of work per update, committed after the handler returns;
- `actor`: who is acting and with which role;
- `t`: texts in that person's language, rendered for this platform;
- `settings`, `now`: configuration and the moment the update is handled.

Also here: flood control per person (FloodControlMiddleware), before any database work.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.domain import jalali
from bot.domain.flood import FloodGate
from bot.domain.members import Actor, MemberStatus
from bot.domain.text import is_id
from bot.i18n import Catalogs, client_locale
from bot.storage.uow import UnitOfWork

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
Clock = Callable[[], datetime.datetime]
Sleep = Callable[[float], Awaitable[object]]

# A database that is briefly unreachable (a restart, a failover, a locked SQLite file) is
# waited for this long, in steps, before the person is asked to try again: about 7 s.
DATABASE_RETRY_DELAYS = (0.5, 1.0, 2.0, 3.5)

log = logging.getLogger(__name__)


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class ChatIsolationMiddleware(BaseMiddleware):
    """One chat's updates are handled one after another, from before their transaction opens
    until after it commits.

    aiogram's FSM middleware takes this lock itself, but here it runs inside the unit of work
    (the dialog state is read and written in the update's transaction), so its lock would be
    let go before the commit, and a person's next message could read the dialog state of the
    one before. The dispatcher's own isolation is therefore disabled and this one, outside the
    unit of work, takes the same per-chat lock.
    """

    def __init__(self, fsm: FSMContextMiddleware, isolation: BaseEventIsolation) -> None:
        self._fsm = fsm
        self._isolation = isolation

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        context = self._fsm.resolve_event_context(data["bot"], data)
        if context is None:
            return await handler(event, data)
        async with self._isolation.lock(key=context.key):
            return await handler(event, data)


class UnitOfWorkMiddleware(BaseMiddleware):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        after_commit: Callable[[], Awaitable[object]] | None = None,
        *,
        catalogs: Catalogs | None = None,
        sleep: Sleep = asyncio.sleep,
        retry_delays: tuple[float, ...] = DATABASE_RETRY_DELAYS,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        # Run once the update's transaction is committed, when it queued messages (not when
        # the handler failed): wakes the outbox sender, which sends them in its own task.
        self._after_commit = after_commit
        self._catalogs = catalogs
        self._sleep = sleep
        self._retry_delays = retry_delays

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        # A retry runs the handler again: a reply it sent before the failure (rare: the first
        # query is what fails in an outage) may be sent twice, a change is never made twice.
        for attempt in range(len(self._retry_delays) + 1):
            try:
                return await self._handle_once(handler, event, data)
            except (OperationalError, InterfaceError, DBAPIError, OSError) as error:
                if not _transient(error):
                    raise
                if attempt == len(self._retry_delays):
                    log.error("database unreachable; update given up: %s", error)
                    await self._ask_to_try_again(event, data)
                    return None
                delay = self._retry_delays[attempt]
                log.warning("database unreachable (%s); retrying in %s s", error, delay)
                await self._sleep(delay)
        return None

    async def _handle_once(
        self, handler: Handler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        # A retry starts from what aiogram gave, not from what the failed attempt added.
        attempt_data = dict(data)
        now = self._clock()
        today = jalali.tehran_today(now, self._settings.zone)
        platform = self._settings.bot_platform.value
        async with UnitOfWork(self._sessions, platform, today=lambda: today) as uow:
            attempt_data["uow"] = uow
            attempt_data["settings"] = self._settings
            attempt_data["now"] = now
            result = await handler(event, attempt_data)
            await uow.commit()
        if self._after_commit is not None and uow.outbox.queued:
            try:
                await self._after_commit()
            except Exception:
                # The update's work is committed; what was not sent is retried periodically.
                log.exception("after-commit hook failed")
        return result

    async def _ask_to_try_again(self, event: TelegramObject, data: dict[str, Any]) -> None:
        """In plain words: nothing was done, press (or send) again in a moment."""
        bot: Bot | None = data.get("bot")
        if self._catalogs is None or bot is None or not isinstance(event, Update):
            return
        user: User | None = data.get("event_from_user")
        t = self._catalogs.translator(_locale_of(user, self._settings.default_locale))
        try:
            if event.callback_query is not None:
                await bot.answer_callback_query(
                    event.callback_query.id, t.plain("errors.database_unavailable"),
                    show_alert=True,
                )  # fmt: skip
            elif event.message is not None:
                await bot.send_message(event.message.chat.id, t("errors.database_unavailable"))
        except TelegramAPIError:
            log.warning("could not tell the person the database is unreachable")


def _transient(error: BaseException) -> bool:
    """A lost or refused connection, or a locked database: worth a retry; a broken query or a
    violated constraint is not."""
    if isinstance(error, (OperationalError, InterfaceError, ConnectionError, TimeoutError)):
        return True
    if isinstance(error, DBAPIError):
        return error.connection_invalidated
    # asyncpg reports a refused connection as a bare OSError ("Connect call failed").
    return isinstance(error, OSError) and "connect" in str(error).lower()


def _locale_of(user: User | None, default: str) -> str:
    """The person's language as their app reports it: no database needed."""
    return client_locale(user.language_code if user is not None else None, default)


def forged_button(data: str | None) -> bool:
    """Button data with a number no database id can be (our buttons carry ids and small
    numbers between ':'): a forged or corrupted press, refused before it reaches a query."""
    if not data:
        return False
    for token in data.split(":"):
        number = token.removeprefix("-")
        if number.isdigit() and not (number.lstrip("0") == "" or is_id(number)):
            return True
    return False


class ButtonDataGuard(BaseMiddleware):
    """Refuses a press whose button data holds an out-of-range number (a 30-digit id would
    overflow the database driver) with the plain "this button is no longer valid"."""

    def __init__(self, catalogs: Catalogs, settings: Settings) -> None:
        self._catalogs = catalogs
        self._default_locale = settings.default_locale

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        query = event.callback_query if isinstance(event, Update) else None
        if query is None or not forged_button(query.data):
            return await handler(event, data)
        log.info("refused button data with an out-of-range number from %s", query.from_user.id)
        t = self._catalogs.translator(_locale_of(query.from_user, self._default_locale))
        bot: Bot | None = data.get("bot")
        if bot is not None:
            try:
                await bot.answer_callback_query(
                    query.id, t.plain("errors.stale_button"), show_alert=True
                )
            except TelegramAPIError:
                log.info("could not answer a refused press")
        return None


class FloodControlMiddleware(BaseMiddleware):
    """Beyond a few updates a second from one person, answer once ("too fast, wait a moment")
    and drop the rest: Telegram would refuse most replies anyway, and one person must not
    slow the bot down for everyone else. Runs before any database work.

    A token bucket per person (bot/domain/flood.py): `burst` updates at once, then `rate` a
    second. Callback queries
    dropped are still answered (a quiet toast), so the person's app stops its spinner.
    """

    def __init__(
        self,
        catalogs: Catalogs,
        settings: Settings,
        clock: Clock,
        *,
        rate: float = 2.0,
        burst: int = 6,
        remembered: int = 10_000,
    ) -> None:
        self._gate = FloodGate(rate=rate, burst=burst, remembered=remembered)
        self._catalogs = catalogs
        self._default_locale = settings.default_locale
        self._clock = clock

    def allow(self, user_id: int) -> tuple[bool, bool]:
        """(handle it, warn now): the bookkeeping alone, for tests and the middleware."""
        return self._gate.allow(user_id, self._clock())

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return await handler(event, data)
        allowed, warn = self.allow(user.id)
        if allowed:
            return await handler(event, data)
        log.info("flood control: dropped an update from %s", user.id)
        bot: Bot | None = data.get("bot")
        if bot is None or not isinstance(event, Update):
            return None
        t = self._catalogs.translator(_locale_of(user, self._default_locale))
        try:
            if event.callback_query is not None:
                await bot.answer_callback_query(
                    event.callback_query.id, t.plain("errors.too_fast") if warn else None
                )
            elif warn and event.message is not None:
                await bot.send_message(event.message.chat.id, t("errors.too_fast"))
        except TelegramAPIError:
            log.info("flood control: could not answer %s", user.id)
        return None


class ActorMiddleware(BaseMiddleware):
    def __init__(self, catalogs: Catalogs, settings: Settings) -> None:
        self._catalogs = catalogs
        self._settings = settings

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        uow: UnitOfWork = data["uow"]
        member, standing_in = (
            await uow.members.acting(user.id, uow.today()) if user else (None, False)
        )
        if user is not None:
            # The roles of an absent secretary or chair this member stands in for today.
            acting = (
                await uow.substitutes.acting_roles(member.id, uow.today())
                if standing_in and member is not None and member.status is MemberStatus.APPROVED
                else ()
            )
            data["actor"] = Actor(
                user_id=user.id,
                display_name=member.full_name if member else user.full_name,
                member=member,
                is_superuser=user.id in self._settings.admin_ids,
                acting=acting,
            )
        locale = member.locale if member else await self._visitor_locale(data.get("state"), user)
        data["t"] = self._catalogs.translator(locale)
        return await handler(event, data)

    async def _visitor_locale(self, state: FSMContext | None, user: User | None) -> str:
        # Someone not yet registered may have picked a language in the first dialog step.
        if state is not None:
            chosen = (await state.get_data()).get("locale")
            if chosen:
                return str(chosen)
        # Until then, the language their client is set to, when the bot speaks it.
        return _locale_of(user, self._settings.default_locale)
