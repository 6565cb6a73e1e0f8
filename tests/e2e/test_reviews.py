"""The secretariat's side of reviews: the inbox, attachments and history from the card, vote
deadlines, concurrent decisions, and a submission dialog that outlives a restart."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Callable
from typing import Any

from bot.config import Settings
from bot.domain.clusters import ClusterStage
from bot.domain.members import Actor, Role
from bot.domain.submissions import Decision, SubmissionStatus
from bot.services import submissions as service
from tests.conftest import ALI, REZA, SARA, Clock, RunningBot, given_member, start_bot
from tests.e2e.helpers import (
    LEILA,
    MARYAM,
    given_cluster,
    last_answer,
    press,
    say,
    submit_feasibility_plan,
    with_button,
)
from tests.fakebot import FakeBotAPI


async def test_the_inbox_lists_what_waits_oldest_first_and_opens_a_card(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await given_cluster(bot, "خوشه کاشی", stage=ClusterStage.LICENSED)
    assert "در انتظار تصمیم کارگروه شما نیست" in await say(bot, SARA, "/inbox")

    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")
    clock.now += datetime.timedelta(days=3)
    await say(bot, ALI, "/submit")
    await press(bot, ALI, "برنامه عملیاتی")
    await press(bot, ALI, "خوشه کاشی")
    await say(bot, ALI, "برنامه کاشی")
    await say(bot, ALI, "برنامه سه‌ساله توسعه صادرات کاشی.")
    await say(bot, ALI, "۵۰۰")
    await say(bot, ALI, "۱۲")
    await press(bot, ALI, "رد شدن")
    await press(bot, ALI, "تمام")
    await press(bot, ALI, "ارسال")
    clock.now += datetime.timedelta(days=1)

    inbox = await say(bot, SARA, "/inbox")
    first, second = inbox.index("شماره ۱ —"), inbox.index("شماره ۲ —")
    assert first < second
    assert "خوشه مبلمان تهران) — ۴ روز" in inbox
    assert "خوشه کاشی) — ۱ روز" in inbox
    assert "فقط از دبیر" in await say(bot, ALI, "/inbox")

    await press(bot, SARA, "#۱")
    card = bot.api.last_message_to(SARA.id)
    assert "طرح توجیهی خوشه مبلمان" in card.plain()
    # The card opened from the inbox is a live copy: deciding updates it too.
    await press(bot, SARA, "تأیید")
    assert "در استان تأیید و به مرکز فرستاده شد" in card.plain()


async def test_attachments_and_history_open_from_the_card_but_not_for_other_provinces(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, REZA, "fars", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")
    card = with_button(bot, SARA.id, "پیوست")

    await press(bot, SARA, "پیوست")
    sent = bot.api.last_message_to(SARA.id)
    assert sent.kind == "document" and sent.content == b"%PDF-1.4 plan"
    await press(bot, SARA, "سابقه")
    assert "علی کریمی: ارسال شد" in bot.api.last_message_to(SARA.id).plain()
    await press(bot, SARA, "متن کامل")
    assert "۱۲۰ کارگاه در شعاع پنج کیلومتر" in bot.api.last_message_to(SARA.id).plain()

    bot.api.callback(REZA, bot.api.last_message_to(REZA.id), card.button("سابقه"))
    await bot.api.drain()
    assert last_answer(bot, REZA) == "این مورد به کارگروه شما مربوط نیست."


async def test_a_vote_past_its_deadline_is_decided_by_its_majority(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, MARYAM, "central", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await say(bot, SARA, "/rules vote ۳ ۲")
    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")
    await press(bot, LEILA, "موافقم")

    # Before the deadline one vote decides nothing
    assert await bot.app.close_expired_votes() == 0
    clock.now += datetime.timedelta(days=2, minutes=1)
    assert await bot.app.close_expired_votes() == 1

    assert "اکنون در بررسی مرکز است" in bot.api.last_message_to(ALI.id).plain()
    assert with_button(bot, MARYAM.id, "تأیید")
    await press(bot, ALI, "سابقه")
    assert "رأی اعضا: در استان تأیید" in bot.api.last_message_to(ALI.id).plain()


async def test_two_reviewers_deciding_at_the_same_moment_make_one_decision(bot: RunningBot) -> None:
    sara = await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا")
    chair = await given_member(bot, REZA, "tehran", role=Role.CHAIR, name="رضا")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")
    both_have_read = asyncio.Barrier(2)

    async def decide(member: Any, decision: Decision) -> str:
        actor = Actor(member.user_id, member.full_name, member, is_superuser=False)
        async with bot.uow() as uow:
            write = uow.submissions.transition

            async def after_both_read(*args: Any, **kwargs: Any) -> bool:
                await both_have_read.wait()
                return await write(*args, **kwargs)

            uow.submissions.transition = after_both_read  # type: ignore[method-assign]
            comment = "ناقص" if decision is Decision.REJECT else None
            outcome = await service.decide(uow, actor, 1, 1, decision, comment, bot.app.clock())
            await uow.commit()
        return outcome.result

    results = await asyncio.gather(decide(sara, Decision.APPROVE), decide(chair, Decision.REJECT))

    assert sorted(results) in (["advanced", "already_decided"], ["already_decided", "rejected"])
    async with bot.uow() as uow:
        submission = await uow.submissions.get(1)
        events = await uow.submissions.events(1)
    assert submission is not None and submission.version == 2
    assert [e.action for e in events].count("submitted") == 1
    assert len([e for e in events if e.action in ("advanced", "rejected")]) == 1
    expected = SubmissionStatus.REJECTED if "rejected" in results else SubmissionStatus.IN_REVIEW
    assert submission.status is expected


async def test_the_submission_dialog_survives_a_restart(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> None:
    settings = make_settings()
    bot = await start_bot(settings, fake_api, clock)
    try:
        await given_member(bot, ALI, "tehran", name="علی کریمی")
        await given_cluster(bot, "خوشه مبلمان تهران")
        await say(bot, ALI, "/submit")
        await press(bot, ALI, "طرح توجیهی")
        await press(bot, ALI, "خوشه مبلمان تهران")
        await say(bot, ALI, "طرح توجیهی خوشه مبلمان")

        await bot.stop()
        await bot.app.close()
        bot = await start_bot(settings, fake_api, clock)

        reply = await say(bot, ALI, "خلاصه‌ای که پس از راه‌اندازی دوباره نوشته شد.")
        assert "معیار ۱ از ۹" in reply
        assert "لغو شد" in await say(bot, ALI, "/cancel")
    finally:
        await bot.stop()
        await bot.app.close()


async def test_a_vote_tied_at_its_deadline_goes_to_the_secretary_who_decides(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await say(bot, SARA, "/rules vote ۳ ۲")
    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")
    sara_card = with_button(bot, SARA.id, "موافقم")
    await press(bot, LEILA, "موافقم")
    await press(bot, ALI, "مخالفم")

    clock.now += datetime.timedelta(days=3)
    assert await bot.app.close_expired_votes() == 0

    labels = [label for label, _ in sara_card.buttons()]
    assert "✅ تأیید" in labels and "👍 موافقم" not in labels
    await press(bot, SARA, "تأیید")
    assert last_answer(bot, SARA) == "تأیید شد و برای بررسی مرکز فرستاده شد."


async def test_during_a_vote_an_old_approve_button_cannot_cut_the_vote_short(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")
    approve = with_button(bot, SARA.id, "تأیید").button("تأیید")  # posted before the vote
    await say(bot, SARA, "/rules vote ۳ ۷")

    bot.api.callback(SARA, bot.api.last_message_to(SARA.id), approve)
    await bot.api.drain()

    assert "رأی‌گیری اعضا" in last_answer(bot, SARA)
    async with bot.uow() as uow:
        submission = await uow.submissions.get(1)
    assert submission is not None and submission.status is SubmissionStatus.IN_REVIEW
