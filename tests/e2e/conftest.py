"""Givens for stories told on Bale: the same bot against the fake in its Bale mode."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.config import Platform, Settings
from tests.conftest import Clock, RunningBot, start_bot
from tests.fakebot import FakeBotAPI, FakeChat

# Bale has no supergroups: a working group's chat there is a plain group.
BALE_TEHRAN_GROUP = FakeChat(id=-700500, type="group", title="کارگروه تهران")


@pytest.fixture
async def bale_bot(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> AsyncIterator[RunningBot]:
    fake_api.as_bale()
    running = await start_bot(make_settings(bot_platform=Platform.BALE), fake_api, clock)
    yield running
    await running.stop()
    await running.app.close()


def assert_read_as_written(bot: RunningBot) -> None:
    """Bale accepted every call, and no text it got would look different from what was meant."""
    assert not bot.api.errors(), bot.api.errors()
    surprises = [f"{s.problem}: {s.text!r}" for s in bot.api.markup_surprises]
    assert not surprises, "\n".join(surprises)
