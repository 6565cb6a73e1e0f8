"""Substitutes: while the Tehran secretary is on leave, her cards, reminders and decisions are
her substitute's, on her behalf; before and after, they are hers again."""

from __future__ import annotations

import datetime

from sqlalchemy import select

from bot.domain.members import Actor, Role
from bot.services import substitutes as service
from bot.storage import db
from bot.storage.models import AuditEventRow
from tests.conftest import ALI, JOHN, MINA, REZA, SARA, Clock, RunningBot, given_member
from tests.e2e.helpers import (
    LEILA,
    given_cluster,
    last_answer,
    press,
    register,
    say,
    submit_feasibility_plan,
    with_button,
)
from tests.fakebot import FakeUser

ON_BEHALF = "لیلا احمدی به نیابت از سارا تهرانی"


def received(bot: RunningBot, user: FakeUser, text: str) -> bool:
    return any(text in m.plain() for m in bot.api.messages_to(user.id))


async def audit_details(bot: RunningBot, user_id: int, action: str) -> list[dict | None]:
    async with db.session_factory(bot.app.engine)() as session:
        rows = await session.execute(
            select(AuditEventRow.details).where(
                AuditEventRow.actor_user_id == user_id, AuditEventRow.action == action
            )
        )
        return list(rows.scalars())


async def sara_names_leila(bot: RunningBot, first: str, last: str) -> None:
    await say(bot, SARA, "/substitute")
    await press(bot, SARA, "سارا تهرانی (دبیر)")
    await press(bot, SARA, "لیلا احمدی")
    await say(bot, SARA, first)
    await say(bot, SARA, last)
    await press(bot, SARA, "ذخیره")


async def test_a_substitute_receives_the_cards_and_decides_them_on_behalf_of_the_secretary(
    bot: RunningBot, clock: Clock
) -> None:
    # Given Sara, the Tehran secretary, going on leave today (1405/09/02) until 1405/09/10
    sara = await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    leila = await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await sara_names_leila(bot, "۱۴۰۵/۰۹/۰۲", "۱۴۰۵/۰۹/۱۰")
    assert "لیلا احمدی از" in bot.api.last_message_to(SARA.id).plain()
    assert received(bot, LEILA, "شما جانشین سارا تهرانی در کارگروه تهران هستید")

    # When Ali applies, the registration card goes to Leila, not to Sara
    await register(bot, ALI, name="علی کریمی")
    assert received(bot, LEILA, "درخواست عضویت تازه")
    assert not received(bot, SARA, "درخواست عضویت تازه")

    # and Leila approves it: the card says on whose behalf, the audit has both ids
    await press(bot, LEILA, "تأیید")
    card = next(m for m in bot.api.messages_to(LEILA.id) if "درخواست عضویت" in m.plain())
    assert f"تأیید شد؛ توسط {ON_BEHALF}" in card.plain()
    assert "عضویت شما در کارگروه تهران تأیید شد" in bot.api.last_message_to(ALI.id).plain()
    assert {"on_behalf_of": SARA.id} in await audit_details(bot, LEILA.id, "registration.approve")

    # When Ali submits a feasibility plan, its card goes to Leila, who approves it for Sara
    await given_cluster(bot, "خوشه مبلمان تهران")
    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")
    assert received(bot, LEILA, "طرح توجیهی خوشه مبلمان")
    assert not received(bot, SARA, "طرح توجیهی خوشه مبلمان")
    await press(bot, LEILA, "تأیید")
    plan_card = next(m for m in bot.api.messages_to(LEILA.id) if "شماره ۱" in m.plain())
    assert f"در استان تأیید و به مرکز فرستاده شد — {ON_BEHALF}" in plan_card.plain()
    await press(bot, LEILA, "سابقه")
    assert ON_BEHALF in bot.api.last_message_to(LEILA.id).plain()
    audit = await audit_details(bot, LEILA.id, "submission.approve")
    assert audit == [{"on_behalf_of": SARA.id}]
    assert sara.id != leila.id

    # After the range Sara is back: a new application is hers, and Leila decides nothing
    clock.now += datetime.timedelta(days=9)  # 1405/09/11
    await register(bot, JOHN, name="John Smith")
    assert received(bot, SARA, "John Smith")
    assert not received(bot, LEILA, "John Smith")
    john_card = next(m for m in bot.api.messages_to(SARA.id) if "John Smith" in m.plain())
    bot.api.callback(LEILA, john_card, john_card.button("تأیید"))
    await bot.api.drain()
    assert last_answer(bot, LEILA) == (
        "شما دبیر این کارگروه نیستید و نمی‌توانید درباره این درخواست تصمیم بگیرید."
    )


async def test_waiting_reminders_go_to_the_substitute_during_the_leave(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")
    assert received(bot, SARA, "طرح توجیهی خوشه مبلمان")
    await sara_names_leila(bot, "۱۴۰۵/۰۹/۰۳", "۱۴۰۵/۰۹/۲۰")

    # Given the plan waits three working days: on Sunday 1405/09/08 the reminder is Leila's
    clock.now += datetime.timedelta(days=6)
    await bot.app.tick()
    assert received(bot, LEILA, "در انتظار تصمیم کارگروه شماست")
    assert not received(bot, SARA, "در انتظار تصمیم کارگروه شماست")


async def test_a_secretary_cannot_name_a_substitute_for_days_gone_by_or_overlapping_ones(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")

    await say(bot, SARA, "/substitute")
    await press(bot, SARA, "سارا تهرانی (دبیر)")
    await press(bot, SARA, "لیلا احمدی")
    assert "برای روزهای گذشته" in await say(bot, SARA, "۱۴۰۵/۰۹/۰۱")
    assert "آخرین روز" in await say(bot, SARA, "۱۴۰۵/۰۹/۱۰")
    assert "پیش از نخستین روز" in await say(bot, SARA, "۱۴۰۵/۰۹/۰۵")
    assert "لیلا احمدی" in await say(bot, SARA, "۱۴۰۵/۰۹/۱۵")
    await press(bot, SARA, "ذخیره")
    assert "ثبت شد" in bot.api.last_message_to(SARA.id).plain()

    # A second substitute for days that overlap the first is refused
    await say(bot, SARA, "/substitute")
    await press(bot, SARA, "سارا تهرانی (دبیر)")
    await press(bot, SARA, "علی کریمی")
    await say(bot, SARA, "۱۴۰۵/۰۹/۱۲")
    await say(bot, SARA, "۱۴۰۵/۰۹/۲۰")
    await press(bot, SARA, "ذخیره")
    assert "پیش‌تر جانشین تعیین شده" in bot.api.last_message_to(SARA.id).plain()

    # The list shows the one saved, and ending it tells Leila
    listing = await say(bot, SARA, "/substitutes")
    assert "لیلا احمدی به جای سارا تهرانی (تهران)" in listing and "در پیش" in listing
    await press(bot, SARA, "پایان جانشینی")
    assert last_answer(bot, SARA) == "جانشینی پایان یافت."
    assert received(bot, LEILA, "جانشینی لیلا احمدی به جای سارا تهرانی در کارگروه تهران پایان")
    assert "جانشینی در کار نیست" in await say(bot, SARA, "/substitutes")


async def test_only_the_groups_own_secretariat_names_and_only_from_its_group_or_the_centre(
    bot: RunningBot,
) -> None:
    sara = await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    leila = await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    mina = await given_member(bot, MINA, "fars", role=Role.SECRETARY, name="مینا")
    reza = await given_member(bot, REZA, "central", name="رضا")
    ali = await given_member(bot, ALI, "tehran", name="علی کریمی")
    day = datetime.date(2026, 11, 25)

    def actor(member_user: FakeUser, member: object) -> Actor:
        return Actor(member_user.id, "x", member, is_superuser=False)  # type: ignore[arg-type]

    async with bot.uow() as uow:
        # The Fars secretary may not name Tehran's substitutes
        wrong_group = await service.name_substitute(
            uow, actor(MINA, mina), absent_member_id=sara.id, substitute_member_id=leila.id,
            first_day=day, last_day=day, now=bot.app.clock(),
        )  # fmt: skip
        # nor may a plain member
        plain_member = await service.name_substitute(
            uow, actor(ALI, ali), absent_member_id=sara.id, substitute_member_id=leila.id,
            first_day=day, last_day=day, now=bot.app.clock(),
        )  # fmt: skip
        # A member of another province may not stand in; one of the central group may
        from_fars = await service.name_substitute(
            uow, actor(SARA, sara), absent_member_id=sara.id, substitute_member_id=mina.id,
            first_day=day, last_day=day, now=bot.app.clock(),
        )  # fmt: skip
        from_centre = await service.name_substitute(
            uow, actor(SARA, sara), absent_member_id=sara.id, substitute_member_id=reza.id,
            first_day=day, last_day=day, now=bot.app.clock(),
        )  # fmt: skip
        await uow.commit()
    assert (wrong_group.result, plain_member.result) == ("not_your_group", "not_your_group")
    assert from_fars.result == "substitute_not_eligible"
    assert from_centre.result == "named"
    # The Fars secretary's /substitute offers Fars officers only; a plain member none at all
    assert "کارگروه فارس" in await say(bot, MINA, "/substitute")
    offered = [label for label, _ in with_button(bot, MINA.id, "مینا").buttons()]
    assert offered == ["مینا (دبیر)"]
    assert await say(bot, ALI, "/substitute") == "این کار فقط از دبیر کارگروه برمی‌آید."
