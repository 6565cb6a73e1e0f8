"""Things that must hold across restarts and under concurrent use."""

from __future__ import annotations

import asyncio
import datetime
import os
from collections.abc import Callable
from typing import Any

import pytest

from bot.config import Settings
from bot.domain.members import Actor, Decision, MemberStatus, Role
from bot.services import members as member_service
from tests.conftest import ALI, REZA, SARA, Clock, RunningBot, given_member, start_bot
from tests.e2e.helpers import press, register, say
from tests.fakebot import FakeBotAPI


async def test_two_secretaries_deciding_at_the_same_moment_record_exactly_one_decision(
    bot: RunningBot,
) -> None:
    sara = await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا")
    reza = await given_member(bot, REZA, "tehran", role=Role.SECRETARY, name="رضا")
    await register(bot, ALI, name="علی کریمی")
    async with bot.uow() as uow:
        ali = await uow.members.by_user(ALI.id)
    assert ali is not None
    now = datetime.datetime.now(datetime.UTC)
    # Both have read the application as pending before either writes: the worst interleaving.
    both_have_read = asyncio.Barrier(2)

    async def decide(secretary_user_id: int, decision: Decision) -> str:
        member = sara if secretary_user_id == SARA.id else reza
        actor = Actor(secretary_user_id, member.full_name, member, is_superuser=False)
        async with bot.uow() as uow:
            write = uow.members.decide

            async def write_after_both_read(*args: Any, **kwargs: Any) -> bool:
                await both_have_read.wait()
                return await write(*args, **kwargs)

            uow.members.decide = write_after_both_read  # type: ignore[method-assign]
            outcome = await member_service.decide_application(
                uow,
                actor=actor,
                member_id=ali.id,
                decision=decision,
                reason="تکراری" if decision is Decision.REJECT else None,
                now=now,
            )
            await uow.commit()
        return outcome.result

    results = await asyncio.gather(
        decide(SARA.id, Decision.APPROVE), decide(REZA.id, Decision.REJECT)
    )

    assert sorted(results) == ["already_decided", "decided"]
    async with bot.uow() as uow:
        final = await uow.members.by_user(ALI.id)
    assert final is not None
    winner = "سارا" if results[0] == "decided" else "رضا"
    assert final.decided_by_name == winner
    expected = MemberStatus.APPROVED if winner == "سارا" else MemberStatus.REJECTED
    assert final.status is expected


async def _restart(
    bot: RunningBot, settings: Settings, api: FakeBotAPI, clock: Clock
) -> RunningBot:
    await bot.stop()
    await bot.app.close()
    return await start_bot(settings, api, clock)


async def test_a_registration_dialog_survives_a_restart_of_the_bot(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> None:
    settings = make_settings()
    bot = await start_bot(settings, fake_api, clock)
    try:
        await say(bot, ALI, "/start")
        await press(bot, ALI, "English")
        await say(bot, ALI, "Ali Karimi")

        bot = await _restart(bot, settings, fake_api, clock)

        # The agency keyboard sent before the restart still works, in the chosen language.
        await press(bot, ALI, "Chamber of Commerce")
        assert "Which working group" in fake_api.last_message_to(ALI.id).plain()
    finally:
        await bot.stop()
        await bot.app.close()


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL not set")
async def test_with_redis_the_dialog_state_lives_in_redis_and_survives_a_restart(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> None:
    from redis.asyncio import Redis

    redis_url = os.environ["TEST_REDIS_URL"]
    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    settings = make_settings(redis_url=redis_url)
    bot = await start_bot(settings, fake_api, clock)
    try:
        await say(bot, ALI, "/start")
        await press(bot, ALI, "فارسی")
        assert await redis.dbsize() > 0

        bot = await _restart(bot, settings, fake_api, clock)

        assert "کدام دستگاه" in await say(bot, ALI, "علی کریمی")
    finally:
        await bot.stop()
        await bot.app.close()
        await redis.flushdb()
        await redis.aclose()
