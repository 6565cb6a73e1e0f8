"""Middlewares that hand each handler its dependencies as arguments.

- `uow`: one unit of work per update, committed after the handler returns;
- `actor`: who is acting and with which role;
- `t`: texts in that person's language, rendered for this platform;
- `settings`, `now`: configuration and the moment the update is handled.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.domain.members import Actor
from bot.i18n import LOCALES, Catalogs
from bot.storage.uow import UnitOfWork

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
Clock = Callable[[], datetime.datetime]

log = logging.getLogger(__name__)


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class UnitOfWorkMiddleware(BaseMiddleware):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        after_commit: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        # Run once the update's transaction is committed (not when the handler failed):
        # the outbox sender, so the update's messages are out before the next update.
        self._after_commit = after_commit

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with UnitOfWork(self._sessions, self._settings.bot_platform.value) as uow:
            data["uow"] = uow
            data["settings"] = self._settings
            data["now"] = self._clock()
            result = await handler(event, data)
            await uow.commit()
        if self._after_commit is not None:
            try:
                await self._after_commit()
            except Exception:
                # The update's work is committed; what was not sent is retried periodically.
                log.exception("after-commit hook failed")
        return result


class ActorMiddleware(BaseMiddleware):
    def __init__(self, catalogs: Catalogs, settings: Settings) -> None:
        self._catalogs = catalogs
        self._settings = settings

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        uow: UnitOfWork = data["uow"]
        member = await uow.members.by_user(user.id) if user else None
        if user is not None:
            data["actor"] = Actor(
                user_id=user.id,
                display_name=member.full_name if member else user.full_name,
                member=member,
                is_superuser=user.id in self._settings.admin_ids,
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
        client = (user.language_code or "").split("-")[0].lower() if user is not None else ""
        if client in LOCALES:
            return client
        return self._settings.default_locale
