"""The main journeys told on Bale, with names and titles full of Markdown markers: a
registration, a review, a task card and its reports, and the day's reminders. Every message
must reach Bale as its reader should see it: no parse_mode, no backslash, no accidental bold.
"""

from __future__ import annotations

from bot.domain.members import Role
from bot.i18n import ZWNJ
from tests.conftest import ALI, SARA, Clock, RunningBot, given_linked_chat, given_member
from tests.e2e.conftest import BALE_TEHRAN_GROUP, assert_read_as_written
from tests.e2e.helpers import (
    LEILA,
    MARYAM,
    given_cluster,
    new_task,
    press,
    register,
    say,
    submit_feasibility_plan,
    tehran,
    with_button,
)

# Markers where Bale would read them: after a space and before one.
MARKED_NAME = "علی *کریمی* _ارشد_"
MARKED_CLUSTER = "خوشه *مبلمان* تهران"


def seen(text: str) -> str:
    return text.replace(ZWNJ, "")


async def test_on_bale_an_applicant_registers_and_the_group_approves(
    bale_bot: RunningBot,
) -> None:
    bot = bale_bot
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا _دبیر_")
    await given_linked_chat(bot, BALE_TEHRAN_GROUP, "tehran")

    await register(bot, ALI, name=MARKED_NAME)

    group_card = with_button(bot, BALE_TEHRAN_GROUP.id, "تأیید")
    assert MARKED_NAME in seen(group_card.plain())
    await press(bot, SARA, "تأیید", chat_id=BALE_TEHRAN_GROUP.id)
    assert "تأیید شد؛ توسط سارا _دبیر_" in seen(group_card.plain())
    assert "عضویت شما در کارگروه تهران تأیید شد" in bot.api.last_message_to(ALI.id).plain()
    assert MARKED_NAME in seen(await say(bot, ALI, "/profile"))
    assert_read_as_written(bot)


async def test_on_bale_a_feasibility_plan_is_reviewed_from_its_card(bale_bot: RunningBot) -> None:
    bot = bale_bot
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, MARYAM, "central", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name=MARKED_NAME)
    await given_cluster(bot, MARKED_CLUSTER)

    await submit_feasibility_plan(bot, ALI, MARKED_CLUSTER)
    await press(bot, ALI, "ارسال")

    card = with_button(bot, SARA.id, "تأیید")
    assert MARKED_CLUSTER in seen(card.plain()) and MARKED_NAME in seen(card.plain())
    await press(bot, SARA, "سابقه")
    assert MARKED_NAME in seen(bot.api.last_message_to(SARA.id).plain())
    await press(bot, SARA, "تأیید")
    assert "در استان تأیید و به مرکز فرستاده شد" in card.plain()
    assert any("تأیید" in m.plain() for m in bot.api.messages_to(ALI.id)[-3:])
    central_card = with_button(bot, MARYAM.id, "تأیید")
    assert MARKED_CLUSTER in seen(central_card.plain())
    await press(bot, MARYAM, "تأیید")
    assert MARKED_CLUSTER in seen(bot.api.last_message_to(ALI.id).plain())
    assert_read_as_written(bot)


async def test_on_bale_a_task_card_is_worked_on_and_noted(bale_bot: RunningBot) -> None:
    # Ali's Bale client is too old to show button answers.
    bot = bale_bot
    bot.api.use_old_client(ALI)
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name=MARKED_NAME)
    await given_cluster(bot, "خوشه مبلمان تهران")

    await new_task(bot, "تهیه *گزارش* _فصلی_", "۱۴۰۵/۰۹/۳۰", MARKED_NAME)
    assert "تهیه *گزارش* _فصلی_" in seen(bot.api.last_message_to(ALI.id).plain())

    await say(bot, ALI, "/tasks")
    await press(bot, ALI, "تهیه")
    await press(bot, ALI, "شروع")
    await press(bot, ALI, "۲۵٪")
    card = with_button(bot, ALI.id, "۲۵٪")
    assert f"{MARKED_NAME} (سازمان توسعه تجارت ایران): در حال انجام، ۲۵٪" in seen(card.plain())
    await press(bot, ALI, "شروع")
    # The refusal his client could not show reaches him as a message.
    assert "این وظیفه را پیش‌تر شروع کرده‌اید." in bot.api.unseen_answers(ALI.id)
    assert bot.api.last_message_to(ALI.id).plain() == "این وظیفه را پیش‌تر شروع کرده‌اید."
    await press(bot, ALI, "یادداشت")
    await say(bot, ALI, "نامه به *اتاق* ارسال شد [پیوند](https://example.org)")
    await press(bot, ALI, "سابقه")
    history = seen(bot.api.last_message_to(ALI.id).plain())
    assert "نامه به *اتاق* ارسال شد [پیوند](https://example.org)" in history
    assert_read_as_written(bot)


async def test_on_bale_the_days_reminder_lists_the_tasks_as_titled(
    bale_bot: RunningBot, clock: Clock
) -> None:
    bot = bale_bot
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", name=MARKED_NAME)
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "تهیه *گزارش*", "۱۴۰۵/۰۹/۰۵", MARKED_NAME, "لیلا احمدی")
    await new_task(bot, "تماس با _بانک_", "۱۴۰۵/۰۹/۰۳", MARKED_NAME)

    tehran(clock, 2, 10, 5)
    await bot.app.tick()

    reminders = [m for m in bot.api.messages_to(ALI.id) if "یادآوری وظایف" in m.plain()]
    assert len(reminders) == 1
    text = seen(reminders[0].plain())
    assert "#۱ — تهیه *گزارش*" in text and "#۲ — تماس با _بانک_" in text
    await press(bot, ALI, "تا فردا")
    assert_read_as_written(bot)
