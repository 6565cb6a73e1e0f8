"""Reminders as people receive them: once a day, combined, never at night or on Fridays,
only to those who still owe something, escalated weekly, and snoozable or mutable.

Time moves only through the Clock fixture; each "run" is the scheduler's job, called directly.
The clock starts on Monday 1405/09/02 (2026-11-23) at 10:00 Tehran time.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.domain.members import Role
from bot.domain.tasks import AssigneeState, TaskStatus
from bot.storage.outbox import OutgoingMessage
from bot.storage.tasks import NewTask
from scheduler.runner import build_scheduler
from tests.conftest import ALI, REZA, SARA, Clock, RunningBot, given_member, start_bot
from tests.e2e.helpers import (
    LEILA,
    MARYAM,
    given_cluster,
    last_answer,
    new_task,
    press,
    say,
    submit_feasibility_plan,
    tehran,
)
from tests.fakebot import FakeBotAPI


def reminders_to(bot: RunningBot, user_id: int) -> list[str]:
    return [m.plain() for m in bot.api.messages_to(user_id) if "یادآوری وظایف" in m.plain()]


async def test_a_member_gets_one_combined_reminder_a_day_and_no_duplicates(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۰۵", "علی کریمی")  # Thursday, in 3 days
    await new_task(bot, "تماس با بانک", "۱۴۰۵/۰۹/۰۳", "علی کریمی")  # Tuesday, tomorrow

    await bot.app.tick()
    await bot.app.tick()

    sent = reminders_to(bot, ALI.id)
    assert len(sent) == 1
    assert "(۲ مورد)" in sent[0]
    assert "⏰ نزدیک مهلت: #۱ — تهیه گزارش" in sent[0]
    assert "⏰ نزدیک مهلت: #۲ — تماس با بانک" in sent[0]

    # The next day: one new message, with "due today" for the task due then
    tehran(clock, 3, 9, 5)
    await bot.app.tick()
    sent = reminders_to(bot, ALI.id)
    assert len(sent) == 2
    assert "📌 مهلت امروز: #۲" in sent[1]


async def test_nothing_goes_out_at_night_or_on_a_friday(bot: RunningBot, clock: Clock) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۰۳", "علی کریمی")

    tehran(clock, 2, 22, 0)  # Monday night, quiet hours
    await bot.app.tick()
    assert reminders_to(bot, ALI.id) == []

    tehran(clock, 6, 10, 0)  # Friday 1405/09/06: the task is overdue, but it is the weekend
    await bot.app.tick()
    assert reminders_to(bot, ALI.id) == []

    tehran(clock, 7, 8, 30)  # Saturday, before the group's morning hour (09:00)
    await bot.app.tick()
    assert reminders_to(bot, ALI.id) == []
    tehran(clock, 7, 9, 0)
    await bot.app.tick()
    sent = reminders_to(bot, ALI.id)
    assert len(sent) == 1 and "⚠️ معوق: #۱" in sent[0]


async def test_only_assignees_who_have_not_reported_done_are_reminded(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    ali = await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "برگزاری جلسه", "۱۴۰۵/۰۹/۰۳", "علی کریمی", "لیلا احمدی")
    async with bot.uow() as uow:
        await uow.tasks.set_assignee_state(
            1, AssigneeState(ali.id, TaskStatus.DONE, 100), bot.app.clock()
        )
        await uow.commit()

    await bot.app.tick()

    assert reminders_to(bot, ALI.id) == []
    assert len(reminders_to(bot, LEILA.id)) == 1


async def test_snoozing_for_a_week_and_muting_stop_reminders(bot: RunningBot, clock: Clock) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۰۳", "علی کریمی", "لیلا احمدی")
    await bot.app.tick()

    await press(bot, ALI, "یک هفته")
    assert "یادآوری‌ها تا" in last_answer(bot, ALI)
    await say(bot, LEILA, "/mute")
    await press(bot, LEILA, "یادآوری وظایف")
    assert "🔕 خاموش" in bot.api.last_message_to(LEILA.id).buttons()[0][0]

    for day in (3, 4, 5):
        tehran(clock, day, 9, 30)
        await bot.app.tick()
    assert len(reminders_to(bot, ALI.id)) == 1
    assert len(reminders_to(bot, LEILA.id)) == 1

    tehran(clock, 9, 9, 30)  # Monday a week later: Ali's snooze is over, Leila stays muted
    await bot.app.tick()
    assert len(reminders_to(bot, ALI.id)) == 2
    assert len(reminders_to(bot, LEILA.id)) == 1


async def test_overdue_tasks_are_escalated_weekly_to_the_secretary_and_the_chair(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, REZA, "tehran", role=Role.CHAIR, name="رضا")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۰۳", "علی کریمی")

    def escalations(user_id: int) -> list[str]:
        return [
            m.plain() for m in bot.api.messages_to(user_id) if "گزارش هفتگی برای دبیر" in m.plain()
        ]

    tehran(clock, 5, 9, 30)  # Thursday: overdue, but not the first working day of a week
    await bot.app.tick()
    assert escalations(SARA.id) == [] and escalations(REZA.id) == []

    tehran(clock, 7, 9, 30)  # Saturday
    await bot.app.tick()
    await bot.app.tick()
    assert len(escalations(SARA.id)) == 1 and len(escalations(REZA.id)) == 1
    assert "تهیه گزارش" in escalations(SARA.id)[0]


async def test_a_submission_waiting_too_long_reminds_reviewers_then_tells_the_chair(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, REZA, "tehran", role=Role.CHAIR, name="رضا")
    await given_member(bot, MARYAM, "central", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")

    def waiting(user_id: int) -> list[str]:
        return [m.plain() for m in bot.api.messages_to(user_id) if "روز است" in m.plain()]

    tehran(clock, 4, 10)  # 2 days
    await bot.app.tick()
    assert waiting(SARA.id) == []
    tehran(clock, 5, 10)  # 3 days
    await bot.app.tick()
    await bot.app.tick()
    assert len(waiting(SARA.id)) == 1 and "۳ روز است در انتظار" in waiting(SARA.id)[0]
    assert waiting(REZA.id) == []
    tehran(clock, 9, 10)  # 7 days: past twice the limit
    await bot.app.tick()
    assert any("بی‌تصمیم مانده" in text for text in waiting(REZA.id))


async def test_each_group_gets_a_digest_on_saturday_morning_once(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی", agency="banks")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۰۳", "علی کریمی")

    def digests() -> list[str]:
        return [m.plain() for m in bot.api.messages_to(SARA.id) if "خلاصه هفته" in m.plain()]

    await bot.app.tick()
    assert digests() == []  # Monday
    tehran(clock, 7, 9, 10)  # Saturday
    await bot.app.tick()
    await bot.app.tick()
    assert len(digests()) == 1
    assert "وظایف معوق: ۱" in digests()[0]
    assert "بانک‌ها و مؤسسات مالی: ۱ معوق" in digests()[0]


async def test_a_secretary_sets_the_groups_reminder_timing(bot: RunningBot, clock: Clock) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۰۷", "علی کریمی")  # 5 days ahead, a Saturday

    assert "۷، ۳، ۱ روز پیش" in await say(bot, SARA, "/reminders")
    assert "۵، ۲ روز پیش" in await say(bot, SARA, "/reminders days ۵ ۲")
    assert "تغییر:" in await say(bot, SARA, "/reminders quiet ۲۵:۰۰ ۰۸:۰۰")
    assert "فقط از دبیر" in await say(bot, ALI, "/reminders days 1")

    await bot.app.tick()
    sent = reminders_to(bot, ALI.id)
    assert len(sent) == 1 and "نزدیک مهلت" in sent[0]


async def test_reminders_are_not_sent_twice_across_a_restart(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> None:
    settings = make_settings()
    bot = await start_bot(settings, fake_api, clock)
    try:
        await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
        await given_member(bot, ALI, "tehran", name="علی کریمی")
        await given_cluster(bot, "خوشه مبلمان تهران")
        await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۰۳", "علی کریمی")
        await bot.app.tick()
        await bot.stop()
        await bot.app.close()
        bot = await start_bot(settings, fake_api, clock)
        await bot.app.tick()
        assert len(reminders_to(bot, ALI.id)) == 1
    finally:
        await bot.stop()
        await bot.app.close()


def test_the_scheduler_runs_the_reminder_and_vote_jobs_in_tehran_time() -> None:
    async def job() -> None:
        return None

    scheduler = build_scheduler(ZoneInfo("Asia/Tehran"), job, job)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {"reminders", "vote-deadlines"}
    assert jobs["reminders"].trigger.interval == datetime.timedelta(minutes=1)
    assert str(jobs["reminders"].trigger.timezone) == "Asia/Tehran"


async def test_a_task_due_on_an_official_holiday_is_announced_the_working_day_before(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    # 22 Bahman 1405 (2027-02-11, a Thursday) is an official holiday.
    await new_task(bot, "گزارش سالانه", "۱۴۰۵/۱۱/۲۲", "علی کریمی")

    clock.now = datetime.datetime(2027, 2, 10, 6, 0, tzinfo=datetime.UTC)  # Wed 09:30 Tehran
    await bot.app.tick()
    sent = reminders_to(bot, ALI.id)
    assert len(sent) == 1 and "📌 مهلت امروز: #۱" in sent[0]

    clock.now = datetime.datetime(2027, 2, 11, 6, 0, tzinfo=datetime.UTC)  # the holiday
    await bot.app.tick()
    clock.now = datetime.datetime(2027, 2, 12, 6, 0, tzinfo=datetime.UTC)  # Friday
    await bot.app.tick()
    assert len(reminders_to(bot, ALI.id)) == 1

    clock.now = datetime.datetime(2027, 2, 13, 6, 0, tzinfo=datetime.UTC)  # Saturday
    await bot.app.tick()
    sent = reminders_to(bot, ALI.id)
    assert len(sent) == 2 and "⚠️ معوق: #۱" in sent[1]


async def test_after_downtime_stale_reminders_are_folded_into_one_catch_up_message(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> None:
    settings = make_settings()
    bot = await start_bot(settings, fake_api, clock)
    try:
        await given_member(bot, ALI, "tehran", name="علی کریمی")
        await bot.stop()
        await bot.app.close()

        # While the bot was down, three reminders queued days ago were never sent, and one
        # queued an hour ago is still news.
        async with bot.uow() as uow:
            for days, key in (
                (3, "tasks:3001:a"),
                (3, "approval:9:v1:after-3:3001"),
                (2, "digest:tehran:w:3001"),
            ):
                await uow.outbox.enqueue(
                    OutgoingMessage(key=key, chat_id=ALI.id, text=f"old {key}", locale="fa"),
                    clock.now - datetime.timedelta(days=days),
                )
            await uow.outbox.enqueue(
                OutgoingMessage(
                    key="tasks:3001:b", chat_id=ALI.id, text="fresh reminder", locale="fa"
                ),
                clock.now - datetime.timedelta(hours=1),
            )
            await uow.commit()

        bot = await start_bot(settings, fake_api, clock)
        await fake_api.drain()  # the sender's first pass, beside the updates
        texts = [m.plain() for m in fake_api.messages_to(ALI.id)]
        assert not any(text.startswith("old ") for text in texts)
        assert "fresh reminder" in texts
        assert sum("۳ یادآوری فرستاده نشد" in text for text in texts) == 1
    finally:
        await bot.stop()
        await bot.app.close()


async def test_a_reminder_is_built_at_the_morning_hour_not_before(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    ali = await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۰۴", "علی کریمی", "لیلا احمدی")

    tehran(clock, 3, 0, 5)  # just after midnight
    await bot.app.tick()
    async with bot.uow() as uow:  # Ali finishes his share at 8, before the reminders go
        await uow.tasks.set_assignee_state(
            1, AssigneeState(ali.id, TaskStatus.DONE, 100), clock.now
        )
        await uow.commit()
    tehran(clock, 3, 9, 1)
    await bot.app.tick()

    assert reminders_to(bot, ALI.id) == []
    assert len(reminders_to(bot, LEILA.id)) == 1


async def test_a_secretary_makes_monitoring_quarterly(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    assert "پایش خوشه‌ها: ماهانه" in await say(bot, SARA, "/reminders")
    assert "پایش خوشه‌ها: فصلی" in await say(bot, SARA, "/reminders monitoring quarterly")
    assert "تغییر:" in await say(bot, SARA, "/reminders monitoring yearly")


async def test_a_long_list_of_due_tasks_fits_one_message_and_says_how_many_more(
    bot: RunningBot,
) -> None:
    ali = await given_member(bot, ALI, "tehran", name="علی کریمی")
    cluster = await given_cluster(bot, "خوشه مبلمان تهران")
    async with bot.uow() as uow:
        for number in range(20):
            task_id = await uow.tasks.create(
                NewTask(
                    title="فعالیتی با عنوانی نسبتاً بلند برای آزمودن اندازه پیام " * 3 + str(number),
                    cluster_id=cluster.id,
                    due_on=datetime.date(2026, 11, 24),  # tomorrow
                ),
                0,
                bot.app.clock(),
            )
            await uow.tasks.add_assignee(task_id, ali.id, "tpo", bot.app.clock())
        await uow.commit()

    await bot.app.tick()

    sent = reminders_to(bot, ALI.id)
    assert len(sent) == 1
    assert "۵ مورد دیگر" in sent[0]
    assert not bot.api.errors()
