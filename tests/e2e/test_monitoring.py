"""Monitoring (F14) as people meet it: the first-working-day prompt, the KPI dialog with its
refusals and "are you sure?", /kpis, the reminder on the 5th working day and the escalation on
the 10th, who may report, and quarterly groups.

Time moves only through the Clock fixture; `bot.app.tick()` is the scheduler's job. The clock
starts on Monday 1405/09/02 (2026-11-23) at 10:00 Tehran time. 1405/10/01 (2026-12-22), the
first of Dey, is a Tuesday and a working day, so Dey's prompt goes that day.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import jdatetime

from bot.domain import jalali
from bot.domain.clusters import Cluster, ClusterStage
from bot.domain.members import Member, Role
from bot.domain.schedule import GroupSchedule
from bot.domain.submissions import SubmissionKind, SubmissionStatus, Transition
from bot.storage.submissions import Content
from tests.conftest import ALI, MINA, REZA, SARA, Clock, RunningBot, given_member
from tests.e2e.helpers import LEILA, given_cluster, last_answer, press, say

TEHRAN = ZoneInfo("Asia/Tehran")
CALENDAR = jalali.default_calendar()

DEY_1 = datetime.date(2026, 12, 22)  # 1405/10/01
# 2 Dey 1405, the birth of Imam Ali, is an official holiday.
REMINDER_DAY = datetime.date(2026, 12, 29)  # 1405/10/08, the 5th working day after it
ESCALATION_DAY = datetime.date(2027, 1, 4)  # 1405/10/14, the 10th


def test_the_dates_of_this_story_are_what_the_calendar_says() -> None:
    first = jdatetime.date(1405, 10, 1).togregorian()
    assert first == DEY_1 and first.weekday() == 1  # a Tuesday, not a Friday
    assert CALENDAR.next_working_day(first) == DEY_1
    assert CALENDAR.add_working_days(DEY_1, 5) == REMINDER_DAY
    assert CALENDAR.add_working_days(DEY_1, 10) == ESCALATION_DAY


def at(clock: Clock, day: datetime.date, hour: int = 10) -> None:
    """Set the clock to a Tehran wall-clock time on a (Gregorian) day."""
    clock.now = datetime.datetime.combine(day, datetime.time(hour), tzinfo=TEHRAN).astimezone(
        datetime.UTC
    )


def prompts(bot: RunningBot, user_id: int) -> list[str]:
    return [m.plain() for m in bot.api.messages_to(user_id) if "شاخص‌های این دوره" in m.plain()]


def reminders(bot: RunningBot, user_id: int) -> list[str]:
    return [m.plain() for m in bot.api.messages_to(user_id) if "هنوز نرسیده" in m.plain()]


def escalations(bot: RunningBot, user_id: int) -> list[str]:
    return [m.plain() for m in bot.api.messages_to(user_id) if "پس از ده روز کاری" in m.plain()]


async def running_cluster(
    bot: RunningBot, name: str, cda: Member | None, group: str = "tehran"
) -> Cluster:
    cluster = await given_cluster(bot, name, group, ClusterStage.DEVELOPMENT_RUNNING)
    if cda is not None:
        async with bot.uow() as uow:
            await uow.clusters.update_fields(cluster.id, cda_member_id=cda.id)
            await uow.commit()
    return cluster


async def given_report(bot: RunningBot, cluster: Cluster, period: str, member: Member) -> None:
    figures = {
        "firms": 120,
        "networks": 2,
        "bdsps": 5,
        "employment": 800,
        "sales_million_rials": 25_000,
        "exports_usd": 400_000,
    }
    async with bot.uow() as uow:
        await uow.kpis.save(cluster.id, period, figures, "گزارش", member.id, bot.app.clock())
        await uow.commit()


async def test_a_cda_is_prompted_on_the_first_working_day_and_reports_through_the_dialog(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    ali = await given_member(bot, ALI, "tehran", name="علی کریمی")
    cluster = await running_cluster(bot, "خوشه مبلمان تهران", ali)

    # Azar: Ali reports on his own initiative with /report, for the current month
    answer = await say(bot, ALI, "/report")
    assert "(۱ از ۶) تعداد بنگاه‌ها" in answer
    assert "گزارشی از دوره‌های قبل در دست نیست" in answer
    for figure in ("120", "۲", "۵", "۸۰۰", "۲۵٬۰۰۰", "400,000"):
        await say(bot, ALI, figure)
    preview = await say(bot, ALI, "آغاز برنامه توسعه؛ جلسات اعتمادسازی با بنگاه‌ها.")
    assert "پیش‌نمایش گزارش پایش آذر ۱۴۰۵" in preview
    assert "فروش کل (میلیون ریال): ۲۵٬۰۰۰" in preview
    await press(bot, ALI, "ثبت")
    assert "گزارش پایش آذر ۱۴۰۵ «خوشه مبلمان تهران» ثبت شد" in (
        bot.api.last_message_to(ALI.id).plain()
    )

    # Dey 1: the scheduler prompts once, however often it runs
    at(clock, DEY_1, 8)
    await bot.app.tick()
    assert prompts(bot, ALI.id) == []  # before the group's morning (09:00)
    at(clock, DEY_1, 10)
    await bot.app.tick()
    await bot.app.tick()
    sent = prompts(bot, ALI.id)
    assert len(sent) == 1
    assert "گزارش پایش دی ۱۴۰۵ — خوشه مبلمان تهران (تهران)" in sent[0]
    assert prompts(bot, SARA.id) == []

    # The button starts the dialog, showing last month's figure
    await press(bot, ALI, "ثبت گزارش")
    question = bot.api.last_message_to(ALI.id).plain()
    assert "(۱ از ۶) تعداد بنگاه‌ها" in question
    assert "دوره قبل (آذر ۱۴۰۵): ۱۲۰" in question

    # A non-number and a negative number are refused, and the figure is asked again
    answer = await say(bot, ALI, "صد و سی")
    assert "این عدد نیست" in answer and "(۱ از ۶) تعداد بنگاه‌ها" in answer
    answer = await say(bot, ALI, "-5")
    assert "عدد منفی پذیرفته نیست" in answer and "(۱ از ۶)" in answer
    assert "(۲ از ۶) تعداد شبکه‌ها" in await say(bot, ALI, "۱۳۰")
    await say(bot, ALI, "۳")
    assert "(۴ از ۶) اشتغال (نفر)" in await say(bot, ALI, "۶")

    # Employment from 800 to 2000: asked, refused, typed again
    answer = await say(bot, ALI, "۲۰۰۰")
    assert "اشتغال از ۸۰۰ نفر در دوره قبل به ۲٬۰۰۰ نفر رسیده است" in answer
    await press(bot, ALI, "نه، دوباره می‌نویسم")
    assert "(۴ از ۶) اشتغال (نفر)" in bot.api.last_message_to(ALI.id).plain()
    assert "(۵ از ۶) فروش کل" in await say(bot, ALI, "۸۵۰")

    # Sales ten times last month's: asked, and confirmed
    answer = await say(bot, ALI, "۲۵۰٬۰۰۰")
    assert "بیش از سه برابر" in answer
    await press(bot, ALI, "بله، درست است")
    assert "(۶ از ۶) صادرات (دلار)" in bot.api.last_message_to(ALI.id).plain()
    assert "شرحی کوتاه" in await say(bot, ALI, "۴۵۰,۰۰۰")
    assert "کوتاه است" in await say(bot, ALI, "ok")
    preview = await say(bot, ALI, "نمایشگاه مشترک در تهران و قرارداد صادراتی تازه با عراق.")
    assert "پیش‌نمایش گزارش پایش دی ۱۴۰۵" in preview
    assert "تعداد بنگاه‌ها: ۱۳۰ (▲ ۸٪)" in preview
    assert "فروش کل (میلیون ریال): ۲۵۰٬۰۰۰ (▲ ۹۰۰٪)" in preview
    await press(bot, ALI, "ثبت")
    assert last_answer(bot, ALI) == "ثبت شد."

    # The figures are stored for "1405-10"
    async with bot.uow() as uow:
        report = await uow.kpis.get(cluster.id, "1405-10")
        previous = await uow.kpis.latest_before(cluster.id, "1405-10")
    assert report is not None and previous is not None
    assert report.figures == {
        "firms": 130,
        "networks": 3,
        "bdsps": 6,
        "employment": 850,
        "sales_million_rials": 250_000,
        "exports_usd": 450_000,
    }
    assert report.narrative == "نمایشگاه مشترک در تهران و قرارداد صادراتی تازه با عراق."
    assert report.reported_by_member_id == ali.id
    assert previous.period == "1405-09"

    # /kpis shows both months, with the change
    table = await say(bot, SARA, "/kpis مبلمان")
    assert "شاخص‌های پایش خوشه مبلمان تهران (تهران) — ۲ گزارش" in table
    assert table.index("دی ۱۴۰۵") < table.index("آذر ۱۴۰۵")
    assert "اشتغال (نفر): ۸۵۰ (▲ ۶٪)" in table
    assert "صادرات (دلار): ۴۵۰٬۰۰۰ (▲ ۱۳٪)" in table
    assert "قرارداد صادراتی تازه با عراق" in table

    # Nothing more for a cluster that reported: no reminder, no escalation
    for day in (REMINDER_DAY, ESCALATION_DAY):
        at(clock, day)
        await bot.app.tick()
    assert reminders(bot, ALI.id) == [] and escalations(bot, SARA.id) == []
    assert not bot.api.errors(), bot.api.errors()


async def test_a_missing_report_is_reminded_then_escalated_to_the_secretary_and_chair(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, REZA, "tehran", role=Role.CHAIR, name="رضا")
    ali = await given_member(bot, ALI, "tehran", name="علی کریمی")
    leila = await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    furniture = await running_cluster(bot, "خوشه مبلمان تهران", ali)
    await running_cluster(bot, "خوشه کاشی تهران", leila)

    at(clock, DEY_1)
    await bot.app.tick()
    assert len(prompts(bot, ALI.id)) == 1 and len(prompts(bot, LEILA.id)) == 1
    await given_report(bot, furniture, "1405-10", ali)

    at(clock, REMINDER_DAY - datetime.timedelta(days=1))
    await bot.app.tick()
    assert reminders(bot, LEILA.id) == []

    at(clock, REMINDER_DAY)
    await bot.app.tick()
    await bot.app.tick()
    sent = reminders(bot, LEILA.id)
    assert len(sent) == 1 and "گزارش پایش دی ۱۴۰۵ «خوشه کاشی تهران»" in sent[0]
    assert bot.api.last_message_to(LEILA.id).buttons()[0][0] == "📊 ثبت گزارش"
    assert reminders(bot, ALI.id) == []
    assert escalations(bot, SARA.id) == [] and escalations(bot, REZA.id) == []

    at(clock, ESCALATION_DAY)
    await bot.app.tick()
    await bot.app.tick()
    for user in (SARA, REZA):
        sent = escalations(bot, user.id)
        assert len(sent) == 1
        assert "خوشه کاشی تهران" in sent[0] and "لیلا احمدی" in sent[0]
    assert len(reminders(bot, LEILA.id)) == 1
    assert escalations(bot, LEILA.id) == []

    # The secretariat may file it from the escalation
    await press(bot, SARA, "ثبت گزارش")
    assert "(۱ از ۶) تعداد بنگاه‌ها" in bot.api.last_message_to(SARA.id).plain()


async def test_only_the_cda_or_the_secretariat_may_report(bot: RunningBot, clock: Clock) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    ali = await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_member(bot, MINA, "fars", role=Role.SECRETARY, name="مینا")
    cluster = await running_cluster(bot, "خوشه مبلمان تهران", ali)
    resting = await given_cluster(bot, "خوشه فرش تهران")  # identified only: not monitored

    # A member who is not the CDA has nothing to report, and a forged button is refused
    assert "خوشه‌ای نیست که گزارش پایش آن با شما باشد" in await say(bot, LEILA, "/report")
    bot.api.callback(LEILA, bot.api.last_message_to(LEILA.id), f"ks:{cluster.id}:1405-09")
    await bot.api.drain()
    assert "فقط عامل توسعه آن یا دبیرخانه" in last_answer(bot, LEILA)
    assert await _state(bot, LEILA.id) is None
    async with bot.uow() as uow:
        assert ("kpi.report", "not_your_cluster") in await uow.audit.for_actor(LEILA.id)

    # Another province's secretary neither; a cluster whose program does not run has no report
    bot.api.callback(MINA, bot.api.last_message_to(MINA.id), f"ks:{cluster.id}:1405-09")
    await bot.api.drain()
    assert "فقط عامل توسعه آن یا دبیرخانه" in last_answer(bot, MINA)
    bot.api.callback(SARA, bot.api.last_message_to(SARA.id), f"ks:{resting.id}:1405-09")
    await bot.api.drain()
    assert "در حال اجرا نیست" in last_answer(bot, SARA)

    # A period that has not begun is a stale button, not a report
    bot.api.callback(ALI, bot.api.last_message_to(ALI.id), f"ks:{cluster.id}:1406-01")
    await bot.api.drain()
    assert "دیگر معتبر نیست" in last_answer(bot, ALI)

    # The group's secretary may, and /kpis is for the province's members only
    assert "(۱ از ۶)" in await say(bot, SARA, "/report")
    assert "هنوز گزارش پایشی ثبت نشده" in await say(bot, LEILA, "/kpis مبلمان")
    assert "پیدا نشد" in await say(bot, MINA, "/kpis مبلمان")


async def _state(bot: RunningBot, user_id: int) -> str | None:
    from aiogram.fsm.storage.base import StorageKey

    key = StorageKey(bot_id=bot.app.bot.id, chat_id=user_id, user_id=user_id)
    return await bot.app.dispatcher.storage.get_state(key)


async def test_a_cluster_without_a_cda_is_flagged_to_the_secretary(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, REZA, "tehran", role=Role.CHAIR, name="رضا")
    await running_cluster(bot, "خوشه مبلمان تهران", None)

    at(clock, DEY_1)
    await bot.app.tick()
    await bot.app.tick()
    sent = prompts(bot, SARA.id)
    assert len(sent) == 1
    assert "عامل توسعه (CDA) ندارد" in sent[0]
    assert prompts(bot, REZA.id) == []

    at(clock, ESCALATION_DAY)
    await bot.app.tick()
    assert "عامل توسعه: تعیین نشده" in escalations(bot, REZA.id)[0]


async def test_a_licensed_cluster_is_monitored_once_its_program_is_approved(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    ali = await given_member(bot, ALI, "tehran", name="علی کریمی")
    cluster = await given_cluster(bot, "خوشه کاشی", stage=ClusterStage.LICENSED)
    async with bot.uow() as uow:
        await uow.clusters.update_fields(cluster.id, cda_member_id=ali.id)
        await uow.commit()

    assert "خوشه‌ای نیست" in await say(bot, ALI, "/report")
    at(clock, DEY_1)
    await bot.app.tick()
    assert prompts(bot, ALI.id) == []

    async with bot.uow() as uow:
        content = Content("برنامه توسعه کاشی", "آموزش و بازاریابی", {}, 12_000, 24)
        program = await uow.submissions.create(
            SubmissionKind.DEVELOPMENT_PROGRAM, cluster.id, None, ali.id, content, clock()
        )
        approved = Transition(SubmissionStatus.APPROVED, 1, 2, "approved")
        assert await uow.submissions.transition(program, 1, approved, clock())
        await uow.commit()
    at(clock, DEY_1, 11)
    await bot.app.tick()
    assert len(prompts(bot, ALI.id)) == 1


async def test_a_quarterly_group_is_prompted_only_in_the_first_month_of_a_quarter(
    bot: RunningBot, clock: Clock
) -> None:
    ali = await given_member(bot, ALI, "tehran", name="علی کریمی")
    mina = await given_member(bot, MINA, "fars", name="مینا فارسی")
    await running_cluster(bot, "خوشه مبلمان تهران", ali)
    await running_cluster(bot, "خوشه فرش شیراز", mina, group="fars")
    async with bot.uow() as uow:
        tehran_id = await uow.working_groups.id_of("tehran")
        await uow.reminders.set_schedule(tehran_id, GroupSchedule(monitoring="quarterly"))
        await uow.commit()

    # Every first working day from Dey to the next Dey: Tehran hears in Farvardin, Tir, Mehr
    # and Dey only; Fars every month.
    heard: list[int] = []
    for month in range(10, 23):
        year, m = (1405, month) if month <= 12 else (1406, month - 12)
        first = CALENDAR.next_working_day(jalali.from_jalali(year, m, 1))
        at(clock, first)
        before = len(prompts(bot, ALI.id))
        await bot.app.tick()
        if len(prompts(bot, ALI.id)) > before:
            heard.append(m)
    assert heard == [10, 1, 4, 7, 10]
    assert len(prompts(bot, MINA.id)) == 13
    texts = prompts(bot, ALI.id)
    assert "گزارش پایش سه‌ماهه ۴ سال ۱۴۰۵" in texts[0]
    assert "گزارش پایش سه‌ماهه ۱ سال ۱۴۰۶" in texts[1]

    # /report in a quarterly group reports for the quarter
    at(clock, jalali.from_jalali(1406, 11, 15))
    assert "(۱ از ۶)" in await say(bot, ALI, "/report")
    assert "گزارش پایش سه‌ماهه ۴ سال ۱۴۰۶" in bot.api.messages_to(ALI.id)[-2].plain()
