"""Meetings that change: the secretary moves a meeting (everyone is told once and asked
again, and the reminders follow the new time), edits its place and agenda (answers kept), or
cancels it (everyone told once, no reminders, no more answers).

The clock starts on Monday 1405/09/02 at 10:00 Tehran time; the meeting is on Thursday
1405/09/05 at 10:00.
"""

from __future__ import annotations

from bot.ui.meetings import MeetingAct
from tests.conftest import ALI, JOHN, MINA, SARA, TEHRAN_CHAT, Clock, RunningBot
from tests.e2e.helpers import LEILA, last_answer, press, say, tehran
from tests.e2e.test_meetings import (
    ATTENDING,
    EVENING_FA,
    NOT_ATTENDING,
    given_tehran_group,
    invitations,
    schedule_meeting,
)

MOVED = "زمان این جلسه تغییر کرد"
CANCELLED = "این جلسه لغو شد"
EDITED = "این جلسه به‌روز شد"
EVERYONE = (SARA, ALI, LEILA, TEHRAN_CHAT)


async def replies(bot: RunningBot) -> dict[str, str]:
    async with bot.uow() as uow:
        return {r.name: r.answer.value for r in await uow.meetings.replies(1)}


async def test_a_moved_meeting_asks_everyone_again_once_and_its_reminders_follow_it(
    bot: RunningBot, clock: Clock
) -> None:
    await given_tehran_group(bot)
    await schedule_meeting(bot)
    await press(bot, ALI, NOT_ATTENDING)
    await press(bot, LEILA, ATTENDING)

    await say(bot, SARA, "/meetings")
    await press(bot, SARA, "تغییر زمان")
    assert "ساعت شروع" in await say(bot, SARA, "۱۴۰۵/۰۹/۰۷")
    await say(bot, SARA, "۱۱:۰۰")
    assert len(invitations(bot, SARA.id, "دعوت تازه برای ۴ عضو")) == 1

    for user in EVERYONE:
        told = invitations(bot, user.id, MOVED)
        assert len(told) == 1, user.id
        assert "پنجشنبه ۱۴۰۵/۰۹/۰۵ ۱۰:۰۰" in told[0] and "شنبه ۱۴۰۵/۰۹/۰۷ ۱۱:۰۰" in told[0]
    assert len(invitations(bot, JOHN.id, "has moved")) == 1
    assert invitations(bot, MINA.id, MOVED) == []
    assert await replies(bot) == {}

    # No reminder on the old evening; the new one goes to everyone, Ali included.
    tehran(clock, 4, 18, 0)
    await bot.app.tick()
    assert invitations(bot, LEILA.id, EVENING_FA) == []
    tehran(clock, 6, 18, 0)
    await bot.app.tick()
    for user in (ALI, LEILA):
        [evening] = invitations(bot, user.id, EVENING_FA)
        assert "شنبه ۱۴۰۵/۰۹/۰۷ ۱۱:۰۰" in evening

    # Answering the new invitation counts.
    await press(bot, ALI, ATTENDING)
    assert await replies(bot) == {"علی کریمی": "attending"}


async def test_a_new_place_and_agenda_are_told_once_each_and_the_answers_are_kept(
    bot: RunningBot, clock: Clock
) -> None:
    await given_tehran_group(bot)
    await schedule_meeting(bot)
    await press(bot, LEILA, ATTENDING)

    await say(bot, SARA, "/meetings")
    await press(bot, SARA, "تغییر مکان")
    await say(bot, SARA, "https://meet.example.ir/tehran-cluster")
    assert len(invitations(bot, SARA.id, "جلسه به‌روز شد و به ۴ عضو")) == 1
    await say(bot, SARA, "/meetings")
    await press(bot, SARA, "دستور جلسه")
    await say(bot, SARA, "۱. گزارش خوشه مبلمان\n۲. برنامه آموزش\n۳. بودجه ۱۴۰۶")

    edited = invitations(bot, ALI.id, EDITED)
    assert len(edited) == 2
    assert "https://meet.example.ir/tehran-cluster" in edited[0]
    assert "بودجه ۱۴۰۶" in edited[1]
    assert len(invitations(bot, TEHRAN_CHAT.id, EDITED)) == 2
    assert await replies(bot) == {"لیلا احمدی": "attending"}

    tehran(clock, 4, 18, 0)
    await bot.app.tick()
    [evening] = invitations(bot, LEILA.id, EVENING_FA)
    assert "https://meet.example.ir/tehran-cluster" in evening


async def test_a_cancelled_meeting_is_told_once_and_then_neither_reminds_nor_takes_answers(
    bot: RunningBot, clock: Clock
) -> None:
    await given_tehran_group(bot)
    await schedule_meeting(bot)
    await press(bot, LEILA, ATTENDING)

    forged = MeetingAct(action="cancel_yes", meeting_id=1).pack()
    bot.api.callback(ALI, bot.api.last_message_to(ALI.id), forged)
    await bot.api.drain()
    assert last_answer(bot, ALI) == "این کار با دبیرخانه کارگروه است."

    await say(bot, SARA, "/meetings")
    await press(bot, SARA, "لغو جلسه")
    await press(bot, SARA, "بله، جلسه لغو شود")
    assert len(invitations(bot, SARA.id, "جلسه لغو شد و به ۴ عضو")) == 1
    # A second press of the same confirmation tells nobody again.
    await press(bot, SARA, "بله، جلسه لغو شود")
    assert last_answer(bot, SARA) == "این جلسه لغو شده است."
    for user in EVERYONE:
        assert len(invitations(bot, user.id, CANCELLED)) == 1, user.id
    assert invitations(bot, MINA.id, CANCELLED) == []

    await press(bot, LEILA, NOT_ATTENDING)  # on the old invitation
    assert last_answer(bot, LEILA) == "این جلسه لغو شده است."
    tehran(clock, 4, 18, 0)
    await bot.app.tick()
    assert invitations(bot, LEILA.id, EVENING_FA) == []
