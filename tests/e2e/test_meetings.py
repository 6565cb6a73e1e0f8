"""Working-group meetings as people live them: the secretary schedules one, every member and
the group chat are invited, members answer (and change their minds), reminders come the
evening before and an hour before (never held back by quiet hours or Fridays), and after the
meeting its decisions are recorded and become tasks.

Time moves only through the Clock fixture; the clock starts on Monday 1405/09/02 at 10:00
Tehran time.
"""

from __future__ import annotations

import datetime

from bot.domain.meetings import Answer
from bot.domain.members import Role
from bot.ui.meetings import MeetingAct
from tests.conftest import (
    ALI,
    JOHN,
    MINA,
    SARA,
    TEHRAN_CHAT,
    Clock,
    RunningBot,
    given_linked_chat,
    given_member,
)
from tests.e2e.helpers import LEILA, given_cluster, last_answer, press, say, tehran

INVITED = "آیا در جلسه حاضر می‌شوید؟"
ATTENDING = "حاضر می‌شوم"
NOT_ATTENDING = "نمی‌توانم بیایم"


async def given_tehran_group(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_member(bot, JOHN, "tehran", name="John Smith", locale="en")
    await given_member(bot, MINA, "fars", name="مینا فارسی")
    await given_linked_chat(bot, TEHRAN_CHAT, "tehran")


async def schedule_meeting(bot: RunningBot, date: str = "۱۴۰۵/۰۹/۰۵", time: str = "۱۰:۰۰") -> str:
    """Sara schedules a meeting through /meeting; returns the preview she saw."""
    assert "تاریخ جلسه" in await say(bot, SARA, "/meeting")
    assert "ساعت شروع" in await say(bot, SARA, date)
    assert "مکان جلسه" in await say(bot, SARA, time)
    await say(bot, SARA, "سالن جلسات استانداری تهران")
    preview = await say(bot, SARA, "۱. گزارش خوشه مبلمان\n۲. برنامه آموزش بنگاه‌ها")
    await press(bot, SARA, "ارسال")
    return preview


def invitations(bot: RunningBot, chat_id: int, marker: str = INVITED) -> list[str]:
    return [m.plain() for m in bot.api.messages_to(chat_id) if marker in m.plain()]


def reminders(bot: RunningBot, chat_id: int, marker: str) -> list[str]:
    return [m.plain() for m in bot.api.messages_to(chat_id) if marker in m.plain()]


EVENING_FA = "فردا جلسه کارگروه"
HOUR_FA = "یک ساعت دیگر جلسه"
EVENING_EN = "meets tomorrow"
HOUR_EN = "starts in one hour"


async def test_a_meeting_is_scheduled_everyone_is_invited_and_answers_are_counted(
    bot: RunningBot,
) -> None:
    await given_tehran_group(bot)

    preview = await schedule_meeting(bot)
    assert "پنجشنبه ۱۴۰۵/۰۹/۰۵ ۱۰:۰۰" in preview
    assert "سالن جلسات استانداری تهران" in preview
    assert invitations(bot, SARA.id, "دعوت‌نامه برای ۴ عضو کارگروه")

    # Every member privately, in their own language, and the group chat; nobody else
    for user in (SARA, ALI, LEILA):
        sent = invitations(bot, user.id)
        assert len(sent) == 1, user.first_name
        assert "جلسه کارگروه تهران" in sent[0] and "زمان: پنجشنبه ۱۴۰۵/۰۹/۰۵ ۱۰:۰۰" in sent[0]
        assert "۲. برنامه آموزش بنگاه‌ها" in sent[0]
    english = invitations(bot, JOHN.id, "Will you attend?")
    assert len(english) == 1
    assert "Meeting of the Tehran working group" in english[0]
    assert "When: Thursday 1405/09/05 10:00" in english[0]
    assert len(invitations(bot, TEHRAN_CHAT.id)) == 1
    assert invitations(bot, MINA.id) == []

    # Answers, one of them changed, one given from the group chat
    await press(bot, ALI, ATTENDING)
    assert last_answer(bot, ALI) == "پاسخ شما ثبت شد: ✅ حاضر می‌شوم"
    await press(bot, ALI, NOT_ATTENDING)
    assert last_answer(bot, ALI) == "پاسخ شما تغییر کرد: ❌ نمی‌توانم بیایم"
    await press(bot, LEILA, ATTENDING, chat_id=TEHRAN_CHAT.id)
    assert "ثبت شد" in last_answer(bot, LEILA)
    await press(bot, JOHN, "Attending")
    assert last_answer(bot, JOHN) == "Your answer is saved: ✅ Attending"

    # A member of another working group pressing in the shared chat is refused, not counted
    await press(bot, MINA, ATTENDING, chat_id=TEHRAN_CHAT.id)
    assert "برای اعضای همان کارگروه" in last_answer(bot, MINA)
    async with bot.uow() as uow:
        replies = await uow.meetings.replies(1)
        refused = await uow.audit.for_actor(MINA.id)
    assert {(r.name, r.answer) for r in replies} == {
        ("علی کریمی", Answer.NOT_ATTENDING),
        ("لیلا احمدی", Answer.ATTENDING),
        ("John Smith", Answer.ATTENDING),
    }
    assert ("meeting.reply", "not_invited") in refused

    # The secretary sees counts and names; a member sees the counts and their own answer
    listing = await say(bot, SARA, "/meetings")
    assert "✅ حاضر می‌شوم (۲): لیلا احمدی، John Smith" in listing
    assert "❌ نمی‌توانم بیایم (۱): علی کریمی" in listing
    assert "هنوز پاسخ نداده‌اند (۱): سارا تهرانی" in listing
    await press(bot, SARA, "پاسخ‌ها")
    assert "(۲): لیلا احمدی" in bot.api.last_message_to(SARA.id).plain()
    mine = await say(bot, ALI, "/meetings")
    assert "✅ حاضر می‌شوم: ۲" in mine and "لیلا احمدی" not in mine
    assert "پاسخ شما: ❌ نمی‌توانم بیایم" in mine
    assert "جلسه پیش‌رویی ثبت نشده" in await say(bot, MINA, "/meetings")

    # Replies and names are the secretariat's: a forged "Replies" press is refused
    forged = MeetingAct(action="replies", meeting_id=1).pack()
    bot.api.callback(ALI, bot.api.last_message_to(ALI.id), forged)
    await bot.api.drain()
    assert last_answer(bot, ALI) == "این کار با دبیرخانه کارگروه است."


async def test_reminders_go_the_evening_before_and_an_hour_before_to_those_coming(
    bot: RunningBot, clock: Clock
) -> None:
    await given_tehran_group(bot)
    await schedule_meeting(bot)
    await press(bot, ALI, NOT_ATTENDING)
    await press(bot, LEILA, ATTENDING)

    tehran(clock, 4, 17, 59)  # Wednesday, a minute early
    await bot.app.tick()
    assert reminders(bot, LEILA.id, EVENING_FA) == []

    tehran(clock, 4, 18, 0)
    await bot.app.tick()
    await bot.app.tick()
    for user in (SARA, LEILA):  # Sara has not answered: she is reminded too
        sent = reminders(bot, user.id, EVENING_FA)
        assert len(sent) == 1, user.first_name
        assert "پنجشنبه ۱۴۰۵/۰۹/۰۵ ۱۰:۰۰" in sent[0] and "سالن جلسات" in sent[0]
    assert len(reminders(bot, JOHN.id, EVENING_EN)) == 1
    assert reminders(bot, ALI.id, EVENING_FA) == []
    assert reminders(bot, TEHRAN_CHAT.id, EVENING_FA) == []

    tehran(clock, 5, 8, 59)
    await bot.app.tick()
    assert reminders(bot, LEILA.id, HOUR_FA) == []
    tehran(clock, 5, 9, 0)
    await bot.app.tick()
    await bot.app.tick()
    assert len(reminders(bot, LEILA.id, HOUR_FA)) == 1
    assert len(reminders(bot, SARA.id, HOUR_FA)) == 1
    assert len(reminders(bot, JOHN.id, HOUR_EN)) == 1
    assert reminders(bot, ALI.id, HOUR_FA) == []
    assert len(reminders(bot, LEILA.id, EVENING_FA)) == 1

    # Once the meeting has begun, nothing more
    tehran(clock, 5, 10, 0)
    await bot.app.tick()
    assert len(reminders(bot, LEILA.id, HOUR_FA)) == 1


async def test_meeting_reminders_ignore_quiet_hours_and_fridays(
    bot: RunningBot, clock: Clock
) -> None:
    await given_tehran_group(bot)
    # Saturday 1405/09/07 at 08:30: the evening before is a Friday, and an hour before is
    # inside the quiet hours (21:00 to 08:00). Task reminders would wait; these must not.
    await schedule_meeting(bot, "۱۴۰۵/۰۹/۰۷", "۰۸:۳۰")

    tehran(clock, 6, 18, 0)  # Friday evening
    await bot.app.tick()
    assert len(reminders(bot, LEILA.id, EVENING_FA)) == 1
    tehran(clock, 7, 7, 30)  # Saturday, quiet hours
    await bot.app.tick()
    sent = reminders(bot, LEILA.id, HOUR_FA)
    assert len(sent) == 1 and "شنبه ۱۴۰۵/۰۹/۰۷ ۰۸:۳۰" in sent[0]


async def test_a_past_moment_a_bad_time_and_a_plain_member_are_refused(bot: RunningBot) -> None:
    await given_tehran_group(bot)

    assert "فقط از دبیر" in await say(bot, ALI, "/meeting")

    await say(bot, SARA, "/meeting")
    assert "زمان جلسه گذشته است" in await say(bot, SARA, "۱۴۰۵/۰۹/۰۱")
    assert "وجود ندارد" in await say(bot, SARA, "۱۴۰۵/۰۹/۳۱")
    assert "ساعت شروع" in await say(bot, SARA, "امروز")
    assert "زمان جلسه گذشته است" in await say(bot, SARA, "۰۹:۰۰")  # it is 10:00 already
    assert "ساعت را به شکل ساعت:دقیقه" in await say(bot, SARA, "۲۵:۰۰")
    assert "ساعت را به شکل ساعت:دقیقه" in await say(bot, SARA, "ده صبح")
    assert "مکان جلسه" in await say(bot, SARA, "۱۶:۳۰")
    assert "لغو شد" in await say(bot, SARA, "/cancel")

    async with bot.uow() as uow:
        assert await uow.meetings.upcoming(None, bot.app.clock()) == []
    assert invitations(bot, ALI.id) == []


async def test_after_the_meeting_decisions_are_recorded_and_one_becomes_a_task(
    bot: RunningBot, clock: Clock
) -> None:
    await given_tehran_group(bot)
    await given_cluster(bot, "خوشه مبلمان تهران")
    await schedule_meeting(bot)

    # Before the meeting there is nothing to record
    await say(bot, SARA, "/meetings")
    listing = bot.api.last_message_to(SARA.id)
    assert not any("ثبت مصوبات" in text for text, _ in listing.buttons())
    early = MeetingAct(action="decisions", meeting_id=1).pack()
    bot.api.callback(SARA, listing, early)
    await bot.api.drain()
    assert last_answer(bot, SARA) == "مصوبات پس از آغاز جلسه ثبت می‌شوند."

    tehran(clock, 5, 12, 0)  # Thursday noon: the meeting is over
    await say(bot, SARA, "/meetings")
    await press(bot, SARA, "ثبت مصوبات")
    assert "مصوبه ۱ ثبت شد" in await say(bot, SARA, "تهیه نقشه خوشه مبلمان تا پایان آذر")
    assert "مصوبه خیلی کوتاه" in await say(bot, SARA, "نه")
    assert "مصوبه ۲ ثبت شد" in await say(bot, SARA, "برگزاری کارگاه آموزشی برای بنگاه‌ها")
    await press(bot, SARA, "پایان")
    summary = bot.api.last_message_to(SARA.id).plain()
    assert "۱. تهیه نقشه خوشه مبلمان تا پایان آذر" in summary
    assert "۲. برگزاری کارگاه آموزشی" in summary

    # The first decision becomes a task for Ali, who is told
    await press(bot, SARA, "مصوبه ۱")
    await press(bot, SARA, "خوشه مبلمان تهران")
    assert "پیش از امروز" in await say(bot, SARA, "۱۴۰۵/۰۹/۰۱")
    await say(bot, SARA, "۱۴۰۵/۰۹/۳۰")
    await press(bot, SARA, "علی کریمی")
    await press(bot, SARA, "ذخیره")
    told = bot.api.last_message_to(ALI.id).plain()
    assert "وظیفه تازه برای شما" in told and "تهیه نقشه خوشه مبلمان تا پایان آذر" in told
    assert "مهلت: ۱۴۰۵/۰۹/۳۰" in told
    card = bot.api.last_message_to(SARA.id).plain()
    assert "تهیه نقشه خوشه مبلمان" in card and "علی کریمی" in card

    async with bot.uow() as uow:
        decisions = await uow.meetings.decisions(1)
        task = await uow.tasks.get(1)
    assert [d.task_id for d in decisions] == [1, None]
    assert task is not None and task.due_on == datetime.date(2026, 12, 21)
    assert task.description is not None and "مصوبه جلسه کارگروه تهران" in task.description

    # The same decision cannot become a second task
    await press(bot, SARA, "مصوبه ۱")
    assert last_answer(bot, SARA) == "این مصوبه پیش‌تر به وظیفه تبدیل شده است."
    await press(bot, SARA, "پایان")
    assert "— وظیفه #۱" in bot.api.last_message_to(SARA.id).plain()
