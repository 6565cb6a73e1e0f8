"""The secretariat's board: Sara sees her group's tasks, narrows them by status, overdue,
agency, cluster and assignee with buttons, pages through, and opens a card to act on it."""

from __future__ import annotations

from bot.domain.jalali import from_jalali
from bot.domain.tasks import TaskStatus
from tests.conftest import ALI, MINA, SARA, RunningBot, given_member
from tests.e2e.helpers import given_cluster, press, say
from tests.e2e.test_task_reports import LATER, PAST, given_task, tehran


def board_text(bot: RunningBot) -> str:
    return bot.api.last_message_to(SARA.id).plain()


async def test_the_board_filters_by_status_overdue_agency_cluster_and_assignee(
    bot: RunningBot,
) -> None:
    ali, leila, furniture = await tehran(bot)
    carpets = (await given_cluster(bot, "خوشه فرش تهران")).id
    await given_task(bot, furniture, "تهیه نقشه خوشه", ali, due=LATER)
    await given_task(bot, furniture, "تماس با بانک", leila, due=PAST)
    await given_task(bot, carpets, "دعوت از بنگاه‌ها", ali, status=TaskStatus.BLOCKED)
    await given_task(bot, carpets, "گزارش کهنه", leila, status=TaskStatus.CANCELLED)
    await given_member(bot, MINA, "fars", name="مینا فارسی")
    fars = (await given_cluster(bot, "خوشه پسته فارس", group="fars")).id
    await given_task(bot, fars, "وظیفه فارس", due=PAST)

    text = await say(bot, SARA, "/board")
    assert "تابلوی وظایف کارگروه (وضعیت: باز): ۳ وظیفه" in text
    assert "وظیفه فارس" not in text and "گزارش کهنه" not in text

    await press(bot, SARA, "🔎 وضعیت")
    await press(bot, SARA, "معوق")
    assert "(وضعیت: معوق): ۱ وظیفه" in board_text(bot) and "تماس با بانک" in board_text(bot)

    await press(bot, SARA, "🔎 وضعیت")
    await press(bot, SARA, "لغو شده")
    assert "۱ وظیفه" in board_text(bot) and "گزارش کهنه" in board_text(bot)

    await press(bot, SARA, "🔎 وضعیت")
    await press(bot, SARA, "همه")
    assert "(وضعیت: همه): ۴ وظیفه" in board_text(bot)

    await press(bot, SARA, "🏛 دستگاه")
    await press(bot, SARA, "سازمان توسعه تجارت ایران")
    text = board_text(bot)
    assert "دستگاه: سازمان توسعه تجارت ایران" in text and "۲ وظیفه" in text
    assert "تهیه نقشه خوشه" in text and "دعوت از بنگاه‌ها" in text

    await press(bot, SARA, "🧩 خوشه")
    await press(bot, SARA, "خوشه فرش تهران")
    text = board_text(bot)
    assert "خوشه: خوشه فرش تهران" in text and "۱ وظیفه" in text and "دعوت از بنگاه‌ها" in text

    await press(bot, SARA, "👤 مسئول")
    await press(bot, SARA, "لیلا احمدی")
    assert "وظیفه‌ای با این پالایه‌ها نیست" in board_text(bot)

    await press(bot, SARA, "🏛 دستگاه")
    await press(bot, SARA, "همه")
    await press(bot, SARA, "🧩 خوشه")
    await press(bot, SARA, "همه")
    text = board_text(bot)
    assert "مسئول: لیلا احمدی" in text and "۲ وظیفه" in text

    # Open a card from the board and act on it
    await press(bot, SARA, "تماس با بانک")
    card = board_text(bot)
    assert "تماس با بانک" in card and "لغو وظیفه" in str(bot.api.last_message_to(SARA.id).buttons())

    assert "فقط از دبیر" in await say(bot, ALI, "/board")


async def test_the_board_pages_through_many_tasks(bot: RunningBot) -> None:
    ali, _, furniture = await tehran(bot)
    for n in range(1, 11):
        await given_task(bot, furniture, f"وظیفه شماره {n:02d}", ali, due=LATER)

    first = await say(bot, SARA, "/board")
    assert "۱۰ وظیفه — صفحه ۱ از ۲" in first
    await press(bot, SARA, "بعدی")
    second = board_text(bot)
    assert "صفحه ۲ از ۲" in second
    assert sum(f"وظیفه شماره {n:02d}" in first for n in range(1, 11)) == 8
    assert sum(f"وظیفه شماره {n:02d}" in second for n in range(1, 11)) == 2


async def test_the_secretariat_finds_the_board_in_its_help_and_a_member_is_refused_it(
    bot: RunningBot,
) -> None:
    await tehran(bot)

    assert "/board — تابلوی وظایف کارگروه" in await say(bot, SARA, "/help")
    assert "/board" not in await say(bot, ALI, "/help")

    assert "فقط از دبیر کارگروه" in await say(bot, ALI, "/board")


async def test_overdue_names_the_oldest_five_per_agency_and_counts_the_rest(
    bot: RunningBot,
) -> None:
    # Given seven late tasks of Ali's agency (TPO) and one of Leila's (banks)
    ali, leila, furniture = await tehran(bot)
    for day in range(1, 8):
        await given_task(bot, furniture, f"کار دیرکرده {day}", ali, due=from_jalali(1405, 8, day))
    await given_task(bot, furniture, "کار بانکی", leila, due=PAST)
    await given_task(bot, furniture, "کار آینده", ali, due=LATER)

    # When Sara asks for the overdue tasks
    text = await say(bot, SARA, "/overdue")

    # Then each agency shows its count, TPO its five oldest and how many more, and the board
    assert "وظایف معوق (۸)" in text
    assert "سازمان توسعه تجارت ایران (۷)" in text and "بانک‌ها و مؤسسات مالی (۱)" in text
    for day in range(1, 6):
        assert f"کار دیرکرده {day}" in text
    assert "کار دیرکرده ۶" not in text and "کار دیرکرده 6" not in text
    assert "… و ۲ وظیفه دیگر" in text
    assert "کار بانکی" in text and "کار آینده" not in text
    assert "فهرست کامل: /board" in text
