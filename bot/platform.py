"""What differs between Telegram and Bale, which copies Telegram's Bot API imperfectly."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.enums import ParseMode

from bot.config import Platform


@dataclass(frozen=True)
class PlatformProfile:
    platform: Platform
    # Bale reads every text as Markdown and has no HTML mode: send plain text there.
    parse_mode: ParseMode | None
    # Bale has no setMyCommands; calling it would only produce errors at start.
    set_commands: bool


PROFILES: dict[Platform, PlatformProfile] = {
    Platform.TELEGRAM: PlatformProfile(Platform.TELEGRAM, ParseMode.HTML, set_commands=True),
    Platform.BALE: PlatformProfile(Platform.BALE, None, set_commands=False),
}
