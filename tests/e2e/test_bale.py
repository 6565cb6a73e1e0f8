"""The Bale profile: the same bot against a Bot API that has no HTML mode and no command menu."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.config import Platform, Settings
from bot.domain.members import Role
from tests.conftest import ALI, SARA, Clock, RunningBot, given_member, start_bot
from tests.e2e.helpers import press, register, with_button
from tests.fakebot import FakeBotAPI


@pytest.fixture
async def bale_bot(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> AsyncIterator[RunningBot]:
    running = await start_bot(make_settings(bot_platform=Platform.BALE), fake_api, clock)
    yield running
    await running.stop()
    await running.app.close()


async def test_on_bale_texts_are_plain_and_the_command_menu_is_not_touched(
    bale_bot: RunningBot,
) -> None:
    bot = bale_bot
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    # A name with Markdown specials, which Bale would otherwise read as formatting.
    await register(bot, ALI, name="علی_کریمی *مدیر*")

    card = with_button(bot, SARA.id, "تأیید")
    assert card.parse_mode is None
    assert "<b>" not in (card.text or "")
    assert "درخواست عضویت تازه" in (card.text or "")
    assert r"علی\_کریمی \*مدیر\*" in (card.text or "")
    assert bot.api.calls_to("setMyCommands") == []
    assert all(call.params.get("parse_mode") is None for call in bot.api.calls_to("sendMessage"))

    await press(bot, SARA, "تأیید")
    assert "تأیید شد" in (bot.api.last_message_to(ALI.id).text or "")
    assert not bot.api.errors(), bot.api.errors()


async def test_on_telegram_the_command_menu_is_set_in_both_languages(bot: RunningBot) -> None:
    calls = bot.api.calls_to("setMyCommands")
    languages = {call.params.get("language_code") for call in calls}
    assert languages == {"fa", "en", None}
    english = next(c for c in calls if c.params.get("language_code") == "en")
    # The default menu is the visitor's; members get theirs per chat (tests/e2e/test_people.py).
    assert {"command": "date", "description": "Convert and check a Jalali date"} in english.params[
        "commands"
    ]
