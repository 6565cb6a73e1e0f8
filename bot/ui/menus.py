"""The client's command menu: only what each person can use, in their language.

The default scope carries the visitor's menu (strangers and applicants); a member, a
secretary and a superuser each get their own through a per-chat scope, set whenever their
role, status or language changes. Bale has no setMyCommands, so nothing is called there.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat

from bot.domain.members import Member, MenuTier, menu_commands, menu_description_key, menu_tier
from bot.i18n import LOCALES, Catalogs
from bot.platform import PlatformProfile

log = logging.getLogger(__name__)


class CommandMenus:
    def __init__(
        self,
        bot: Bot,
        catalogs: Catalogs,
        profile: PlatformProfile,
        default_locale: str,
        superusers: frozenset[int],
    ) -> None:
        self._bot = bot
        self._catalogs = catalogs
        self._enabled = profile.set_commands
        self._default_locale = default_locale
        self._superusers = superusers

    def _commands(self, tier: MenuTier, locale: str) -> list[BotCommand]:
        t = self._catalogs.translator(locale)
        return [
            BotCommand(command=c, description=t.plain(f"commands.{menu_description_key(tier, c)}"))
            for c in menu_commands(tier)
        ]

    async def set_defaults(self) -> None:
        """At start: the visitor's menu for everyone without a menu of their own."""
        if not self._enabled:
            return
        for locale in LOCALES:
            commands = self._commands(MenuTier.VISITOR, locale)
            await self._bot.set_my_commands(commands, language_code=locale)
            if locale == self._default_locale:
                await self._bot.set_my_commands(commands)

    async def set_for(self, user_id: int, member: Member | None, locale: str | None = None) -> None:
        """This person's own menu, from who they are now. A chat the bot cannot reach (a
        superuser who never started it) is logged and skipped: the next /start sets it."""
        if not self._enabled:
            return
        tier = menu_tier(member, user_id in self._superusers)
        chosen = locale or (member.locale if member else self._default_locale)
        try:
            await self._bot.set_my_commands(
                self._commands(tier, chosen), scope=BotCommandScopeChat(chat_id=user_id)
            )
        except TelegramAPIError as error:
            log.info("command menu for %s not set: %s", user_id, error.message)
