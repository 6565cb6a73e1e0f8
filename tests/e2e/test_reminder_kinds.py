"""Reminders beyond tasks, as people receive them: a support-package instruction nobody
acknowledged is reminded, then escalated to the province's secretariat; an escalation and a
meeting reminder can be snoozed by the person they reach.

Time moves only through the Clock fixture; the clock starts on Monday 1405/09/02 (2026-11-23)
at 10:00 Tehran time. Working days: Saturday to Thursday.
"""

from __future__ import annotations

import datetime

from bot.domain.clusters import ClusterStage
from bot.domain.members import Role
from tests.conftest import ALI, SARA, Clock, RunningBot, given_member
from tests.e2e.helpers import (
    HASSAN,
    LEILA,
    MARYAM,
    given_cluster,
    last_answer,
    new_task,
    press,
    say,
    tehran,
)
from tests.e2e.test_meetings import ATTENDING, EVENING_FA, HOUR_FA, schedule_meeting

WAITING = "تأیید دریافت نشده است"
ESCALATED = "هنوز تأیید دریافت ندارد"
OVERDUE_LIST = "گزارش هفتگی برای دبیر"


def messages(bot: RunningBot, chat_id: int, marker: str) -> list[str]:
    return [m.plain() for m in bot.api.messages_to(chat_id) if marker in m.plain()]


async def given_an_approved_package(bot: RunningBot) -> None:
    """Sara proposes a package with one part for the TPO; Maryam approves it on Monday."""
    await given_member(
        bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی", agency="governorates"
    )
    await given_member(bot, MARYAM, "central", role=Role.SECRETARY, name="مریم مرکزی")
    await given_member(bot, HASSAN, "tehran", name="حسن توسعه")  # the TPO's representative
    await given_cluster(bot, "خوشه کاشی", stage=ClusterStage.LICENSED)
    await say(bot, SARA, "/submit")
    await press(bot, SARA, "بسته حمایتی")
    await press(bot, SARA, "خوشه کاشی")
    await say(bot, SARA, "بسته حمایت صادراتی کاشی")
    await say(bot, SARA, "حمایت از حضور در نمایشگاه.")
    await press(bot, SARA, "سازمان توسعه تجارت ایران")
    await say(bot, SARA, "تأمین غرفه در دو نمایشگاه خارجی")
    await press(bot, SARA, "تمام")
    await press(bot, SARA, "تمام")
    await press(bot, SARA, "ارسال")
    await press(bot, MARYAM, "تأیید")
    assert last_answer(bot, MARYAM) == "تأیید نهایی ثبت شد."


async def test_an_unacknowledged_package_is_reminded_then_escalated_to_the_secretariat(
    bot: RunningBot, clock: Clock
) -> None:
    await given_an_approved_package(bot)

    tehran(clock, 4, 9, 30)  # Wednesday: two working days
    await bot.app.tick()
    assert messages(bot, HASSAN.id, WAITING) == []

    tehran(clock, 5, 9, 30)  # Thursday: three working days (the group's approval days)
    await bot.app.tick()
    await bot.app.tick()
    sent = messages(bot, HASSAN.id, WAITING)
    assert len(sent) == 1 and "تأمین غرفه در دو نمایشگاه خارجی" in sent[0]
    assert "۳ روز کاری" in sent[0]
    assert messages(bot, SARA.id, ESCALATED) == []

    tehran(clock, 7, 9, 30)  # Saturday: nothing new
    await bot.app.tick()
    assert len(messages(bot, HASSAN.id, WAITING)) == 1

    tehran(clock, 9, 9, 30)  # Monday a week later: six working days
    await bot.app.tick()
    await bot.app.tick()
    escalated = messages(bot, SARA.id, ESCALATED)
    assert len(escalated) == 1 and "بسته حمایت صادراتی کاشی" in escalated[0]
    assert "سازمان توسعه تجارت ایران" in escalated[0]
    assert len(messages(bot, HASSAN.id, WAITING)) == 1

    # The reminder links back to the instruction: Hassan acknowledges from it.
    await press(bot, HASSAN, "دریافت شد")
    assert last_answer(bot, HASSAN) == "دریافت ثبت شد."


async def test_an_acknowledged_package_is_not_reminded(bot: RunningBot, clock: Clock) -> None:
    await given_an_approved_package(bot)
    await press(bot, HASSAN, "دریافت شد")

    for day in (5, 9):
        tehran(clock, day, 9, 30)
        await bot.app.tick()
    assert messages(bot, HASSAN.id, WAITING) == []
    assert messages(bot, SARA.id, ESCALATED) == []


async def test_a_secretary_snoozes_escalations_for_a_week_and_they_come_after_it(
    bot: RunningBot, clock: Clock
) -> None:
    await given_an_approved_package(bot)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۰۳", "علی کریمی")

    tehran(clock, 7, 9, 30)  # Saturday: the weekly list of overdue tasks, with its buttons
    await bot.app.tick()
    assert len(messages(bot, SARA.id, OVERDUE_LIST)) == 1
    await press(bot, SARA, "یک هفته")
    assert "یادآوری‌ها تا" in last_answer(bot, SARA)

    tehran(clock, 9, 9, 30)  # Monday: the package escalation falls due, but she snoozed
    await bot.app.tick()
    assert messages(bot, SARA.id, ESCALATED) == []

    # Saturday 1405/09/14 at 09:30, a week later: the snooze is over
    clock.now = datetime.datetime(2026, 12, 5, 6, 0, tzinfo=datetime.UTC)
    await bot.app.tick()
    assert len(messages(bot, SARA.id, ESCALATED)) == 1
    assert len(messages(bot, SARA.id, OVERDUE_LIST)) == 2


async def test_a_member_snoozes_a_meeting_reminder_and_hears_no_more_of_that_meeting(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await schedule_meeting(bot)  # Thursday 1405/09/05 at 10:00
    await press(bot, LEILA, ATTENDING)

    tehran(clock, 4, 18, 0)  # Wednesday evening
    await bot.app.tick()
    assert len(messages(bot, LEILA.id, EVENING_FA)) == 1
    await press(bot, LEILA, "یک هفته")
    assert "یادآوری‌ها تا" in last_answer(bot, LEILA)

    tehran(clock, 5, 9, 0)  # an hour before
    await bot.app.tick()
    assert messages(bot, LEILA.id, HOUR_FA) == []
    assert len(messages(bot, SARA.id, HOUR_FA)) == 1
