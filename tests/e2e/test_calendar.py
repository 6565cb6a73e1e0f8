"""The calendar from the chat: /holidays, closures declared by a secretary or a superuser,
a group's Thursday, and dates typed in Gregorian by mistake.

The clock starts on Monday 1405/09/02 (2026-11-23) at 10:00 Tehran time.
"""

from __future__ import annotations

import datetime

from bot.domain.members import Role
from bot.domain.workdays import Thursday
from bot.services import calendar as calendar_service
from bot.ui.calendar import ClosureLift
from tests.conftest import ADMIN, ALI, MINA, SARA, Clock, RunningBot, given_member
from tests.e2e.helpers import (
    given_cluster,
    last_answer,
    new_task,
    press,
    say,
    tehran,
    with_button,
)


def reminders_to(bot: RunningBot, user_id: int) -> list[str]:
    return [m.plain() for m in bot.api.messages_to(user_id) if "یادآوری وظایف" in m.plain()]


def notices_to(bot: RunningBot, user_id: int, words: str) -> list[str]:
    return [m.plain() for m in bot.api.messages_to(user_id) if words in m.plain()]


async def test_holidays_lists_the_coming_official_holidays_marking_estimated_ones(
    bot: RunningBot,
) -> None:
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    listing = await say(bot, ALI, "/holidays")
    assert "تعطیلات و تعطیلی‌های پیش رو (تهران)" in listing
    assert "چهارشنبه ۲ دی ۱۴۰۵ — ولادت امام علی علیه السلام و روز پدر" in listing
    assert "۱۶ دی ۱۴۰۵ — مبعث رسول اکرم (ص) (تخمینی)" in listing
    assert "۲۲ بهمن ۱۴۰۵ — پیروزی انقلاب اسلامی" in listing
    assert "(تخمینی)" not in listing.split("۲۲ بهمن")[1].split("\n")[0]
    assert "با رؤیت ماه" in listing
    # In order, and nothing before today.
    assert listing.index("۲ دی") < listing.index("۱۶ دی") < listing.index("۲۲ بهمن")
    assert "آذر ۱۴۰۵ —" not in listing

    await say(bot, ADMIN, "/language")
    await press(bot, ADMIN, "English")
    listing = await say(bot, ADMIN, "/holidays")
    assert "Coming holidays and closures (the whole country)" in listing
    assert "Wednesday 16 Dey 1405 — Isra' and Mi'raj (estimated)" in listing


async def test_a_task_due_on_ashura_1405_is_announced_before_tasua(
    bot: RunningBot, clock: Clock
) -> None:
    # Saturday 30 Khordad 1405; Ashura is Thursday 4 Tir, Tasua the Wednesday before.
    clock.now = datetime.datetime(2026, 6, 20, 6, 30, tzinfo=datetime.UTC)
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "گزارش فصل بهار", "۱۴۰۵/۰۴/۰۴", "علی کریمی")

    clock.now = datetime.datetime(2026, 6, 23, 6, 0, tzinfo=datetime.UTC)  # Tue 2 Tir
    await bot.app.tick()
    sent = reminders_to(bot, ALI.id)
    assert len(sent) == 1 and "📌 مهلت امروز: #۱" in sent[0]

    for day in (24, 25, 26):  # Tasua, Ashura, Friday
        clock.now = datetime.datetime(2026, 6, day, 6, 0, tzinfo=datetime.UTC)
        await bot.app.tick()
    assert len(reminders_to(bot, ALI.id)) == 1

    clock.now = datetime.datetime(2026, 6, 27, 6, 0, tzinfo=datetime.UTC)  # Saturday
    await bot.app.tick()
    assert "⚠️ معوق: #۱" in reminders_to(bot, ALI.id)[-1]


async def test_a_secretary_closes_her_province_for_a_day_and_deadlines_move(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, MINA, "fars", name="مینا")
    await given_cluster(bot, "خوشه مبلمان تهران")
    async with bot.uow() as uow:  # a meeting already set for the day that will be closed
        await uow.meetings.create(
            working_group="tehran",
            starts_at=datetime.datetime(2026, 11, 24, 7, 30, tzinfo=datetime.UTC),
            place="اتاق بازرگانی",
            agenda="برنامه عملیاتی خوشه مبلمان",
            created_by_user_id=SARA.id,
            now=datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC),
        )
        await uow.commit()

    assert "از چه روزی تعطیل است" in await say(bot, SARA, "/closure")
    assert "تا چه روزی" in await say(bot, SARA, "فردا")
    await press(bot, SARA, "فقط همان روز")
    preview = await say(bot, SARA, "آلودگی هوا")
    assert "تهران، روز ۳ آذر ۱۴۰۵" in preview and "دلیل: آلودگی هوا" in preview
    await press(bot, SARA, "اعلام کن")
    await bot.app.tick()
    # Both Tehran members are told, Sara too.
    assert len(notices_to(bot, SARA.id, "به ۲ نفر خبر داده می‌شود")) == 1
    assert len(notices_to(bot, SARA.id, "📢")) == 1

    notice = notices_to(bot, ALI.id, "📢")
    assert len(notice) == 1 and "تهران، روز ۳ آذر ۱۴۰۵" in notice[0]
    assert "آلودگی هوا" in notice[0]
    assert "جلسه کارگروه در ۱۴۰۵/۰۹/۰۳ ۱۱:۰۰ در همین روزهاست" in notice[0]
    assert notices_to(bot, MINA.id, "📢") == []
    assert "۳ آذر ۱۴۰۵ — تعطیل اعلام‌شده: آلودگی هوا" in await say(bot, ALI, "/holidays")
    assert "آذر ۱۴۰۵ — تعطیل" not in await say(bot, MINA, "/holidays")

    # A task due on the closed Tuesday is "due today" on Monday, silent on Tuesday, overdue
    # on Wednesday.
    await new_task(bot, "تماس با بانک", "۱۴۰۵/۰۹/۰۳", "علی کریمی")
    await bot.app.tick()
    assert "📌 مهلت امروز: #۱" in reminders_to(bot, ALI.id)[-1]
    tehran(clock, 3, 9, 30)
    await bot.app.tick()
    assert len(reminders_to(bot, ALI.id)) == 1
    tehran(clock, 4, 9, 30)
    await bot.app.tick()
    assert "⚠️ معوق: #۱" in reminders_to(bot, ALI.id)[-1]


async def test_a_member_cannot_declare_and_a_closure_cannot_start_in_the_past(
    bot: RunningBot,
) -> None:
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    assert "با دبیر کارگروه همان استان" in await say(bot, ALI, "/closure")
    await say(bot, SARA, "/closure")
    assert "نه برای روزهای گذشته" in await say(bot, SARA, "دیروز")
    assert "تا چه روزی" in await say(bot, SARA, "۱۴۰۵/۰۹/۱۰")
    assert "پیش از روز شروع" in await say(bot, SARA, "۱۴۰۵/۰۹/۰۵")
    assert "بیش از ۳۱ روز" in await say(bot, SARA, "۱۴۰۵/۱۱/۱۰")


async def test_a_superuser_closes_the_country_then_lifts_the_closure(bot: RunningBot) -> None:
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, MINA, "fars", name="مینا", locale="en")

    assert "کل کشور از چه روزی تعطیل است" in await say(bot, ADMIN, "/closure")
    await say(bot, ADMIN, "۱۴۰۵/۰۹/۱۰")
    await say(bot, ADMIN, "۱۴۰۵/۰۹/۱۱")
    await say(bot, ADMIN, "عزای عمومی")
    await press(bot, ADMIN, "اعلام کن")
    await bot.app.tick()
    assert len(notices_to(bot, ALI.id, "کل کشور، از ۱۰ آذر ۱۴۰۵ تا ۱۱ آذر ۱۴۰۵")) == 1
    assert len(notices_to(bot, MINA.id, "the whole country, from 10 Azar 1405 to 11 Azar")) == 1

    assert "عزای عمومی" in await say(bot, ALI, "/holidays")
    assert "لغو تعطیلی" not in str(bot.api.last_message_to(ALI.id).buttons())

    await say(bot, ADMIN, "/holidays")
    listing = with_button(bot, ADMIN.id, "لغو تعطیلی")
    label = "لغو تعطیلی از ۱۰ آذر ۱۴۰۵ تا ۱۱ آذر ۱۴۰۵"
    await press(bot, ADMIN, label)
    await bot.app.tick()
    assert len(notices_to(bot, ALI.id, "لغو شد")) == 1
    assert len(notices_to(bot, MINA.id, "is lifted")) == 1
    assert "عزای عمومی" not in await say(bot, ALI, "/holidays")

    # The same button pressed again changes nothing and tells nobody twice.
    bot.api.callback(ADMIN, listing, ClosureLift(closure_id=1).pack())
    await bot.api.drain()
    await bot.app.tick()
    assert "پیش‌تر لغو شده" in last_answer(bot, ADMIN)
    assert len(notices_to(bot, ALI.id, "لغو شد")) == 1


async def test_a_group_that_does_not_work_on_thursday_is_reminded_on_wednesday(
    bot: RunningBot, clock: Clock
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    assert "پنجشنبه در کارگروه تهران: روز کاری کامل" in await say(bot, SARA, "/workweek")
    await press(bot, SARA, "تعطیل")
    assert "پنجشنبه در کارگروه تهران: تعطیل" in bot.api.last_message_to(SARA.id).plain()
    assert "دبیر یا رئیس" in await say(bot, ALI, "/workweek")
    assert "کارگروه شما پنجشنبه‌ها تعطیل است" in await say(bot, ALI, "/date ۱۴۰۵/۰۹/۰۵")

    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۰۵", "علی کریمی")  # Thursday
    tehran(clock, 4, 9, 30)  # Wednesday
    await bot.app.tick()
    assert "📌 مهلت امروز: #۱" in reminders_to(bot, ALI.id)[-1]


async def test_a_gregorian_due_date_is_offered_in_jalali_and_confirmed_with_a_button(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_cluster(bot, "خوشه مبلمان تهران")

    await say(bot, SARA, "/task_new")
    await press(bot, SARA, "خوشه مبلمان تهران")
    await say(bot, SARA, "برگزاری کارگاه آموزشی")
    await say(bot, SARA, "کارگاه بازاریابی صادراتی برای بنگاه‌ها.")
    offer = await say(bot, SARA, "2026-12-20")
    assert "تاریخ میلادی" in offer and "۲۹ آذر ۱۴۰۵" in offer
    assert "year" not in offer and "محدوده" not in offer
    await press(bot, SARA, "بله، ۲۹ آذر ۱۴۰۵")
    await press(bot, SARA, "علی کریمی")
    await press(bot, SARA, "ذخیره")
    card = bot.api.last_message_to(SARA.id).plain()
    assert "برگزاری کارگاه آموزشی" in card and "مهلت: ۱۴۰۵/۰۹/۲۹" in card

    # /date, where people convert, simply answers with the Jalali day.
    assert "۱۰ آذر ۱۴۰۵" in await say(bot, SARA, "/date 2026-12-01")


async def test_an_old_gregorian_offer_does_not_answer_a_later_question(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await say(bot, SARA, "/closure")
    await say(bot, SARA, "2026-12-01")
    offer = bot.api.last_message_to(SARA.id)
    await say(bot, SARA, "/cancel")
    await say(bot, SARA, "/closure")
    await say(bot, SARA, "فردا")  # now the dialog asks for the last day
    label = "بله، ۱۰ آذر ۱۴۰۵"
    bot.api.callback(SARA, offer, offer.button(label))
    await bot.api.drain()
    assert "دیگر باز نیست" in last_answer(bot, SARA)
    assert "تا چه روزی" in bot.api.last_message_to(SARA.id).plain()


async def test_each_group_s_calendar_has_its_province_s_closures_and_its_thursday(
    bot: RunningBot,
) -> None:
    now = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)
    today = datetime.date(2026, 11, 23)
    snow, pollution, old, national = (
        datetime.date(2026, 12, 1), datetime.date(2026, 12, 2),
        datetime.date(2026, 6, 1), datetime.date(2026, 12, 3),
    )  # fmt: skip
    async with bot.uow() as uow:
        await uow.calendar.declare(snow, snow, "ardabil", "برف", 1, now)
        await uow.calendar.declare(pollution, pollution, "tehran", "آلودگی هوا", 1, now)
        await uow.calendar.declare(old, old, "tehran", "گذشته", 1, now)
        lifted = await uow.calendar.declare(national, national, None, "اشتباه", 1, now)
        await uow.calendar.lift(lifted.id, now)
        await uow.calendar.set_thursday(await uow.working_groups.id_of("fars"), Thursday.OFF)
        await uow.commit()
    async with bot.uow() as uow:
        calendars = await calendar_service.group_calendars(uow, today)
    tehran_days = calendars.of("tehran")
    assert not tehran_days.is_working_day(pollution) and tehran_days.is_working_day(snow)
    assert not calendars.of("ardabil").is_working_day(snow)
    assert calendars.of("central").is_working_day(pollution)
    assert calendars.of("tehran").is_working_day(national)  # lifted
    thursday = datetime.date(2026, 11, 26)
    assert not calendars.of("fars").is_working_day(thursday)
    assert calendars.of("tehran").is_working_day(thursday)
    # Loaded once: asking again builds nothing new.
    assert calendars.of("tehran") is tehran_days
