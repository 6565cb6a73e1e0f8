"""Tasks that change: a secretary cancels a task with a reason and reopens it, reassigns it
without wiping the shares already reported, and edits it while the assignees hear of the
changes folded into one notice."""

from __future__ import annotations

import datetime

from bot.domain.jalali import from_jalali
from bot.domain.members import Role
from bot.domain.tasks import TaskStatus
from bot.services import tasks as task_service
from bot.ui.tasks import TaskAct, TaskOpen
from tests.conftest import ALI, REZA, SARA, Clock, RunningBot, given_member
from tests.e2e.helpers import LEILA, given_cluster, last_answer, new_task, press, say, tehran


def reminders_to(bot: RunningBot, user_id: int) -> list[str]:
    return [m.plain() for m in bot.api.messages_to(user_id) if "یادآوری وظایف" in m.plain()]


def notices_to(bot: RunningBot, user_id: int, words: str) -> list[str]:
    return [m.plain() for m in bot.api.messages_to(user_id) if words in m.plain()]


async def overdue_ids(bot: RunningBot, today: datetime.date) -> list[int]:
    async with bot.uow() as uow:
        return [t.id for t in await task_service.overdue(uow, None, today)]


async def given_tehran_team(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_cluster(bot, "خوشه مبلمان تهران")


async def test_a_cancelled_task_is_told_to_its_assignee_and_leaves_reminders_and_overdue_counts(
    bot: RunningBot, clock: Clock
) -> None:
    await given_tehran_team(bot)
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۰۳", "علی کریمی")
    saturday = from_jalali(1405, 9, 7)

    await press(bot, SARA, "لغو وظیفه")
    assert "چرا این وظیفه لغو می‌شود" in bot.api.last_message_to(SARA.id).plain()
    await say(bot, SARA, "خوشه از برنامه امسال کنار رفت")
    card = bot.api.last_message_to(SARA.id).plain()
    assert "وضعیت: لغو شده" in card
    told = notices_to(bot, ALI.id, "لغو شد")
    assert len(told) == 1 and "دلیل: خوشه از برنامه امسال کنار رفت" in told[0]
    # Nothing to report on, and nobody to cancel it twice.
    assert "لغو وظیفه" not in str(bot.api.last_message_to(SARA.id).buttons())
    assert "بازگشایی وظیفه" in str(bot.api.last_message_to(SARA.id).buttons())

    tehran(clock, 7, 10, 0)  # Saturday, four days after its due date
    await bot.app.tick()
    assert reminders_to(bot, ALI.id) == []
    assert await overdue_ids(bot, saturday) == []

    await press(bot, SARA, "بازگشایی وظیفه")
    assert len(notices_to(bot, ALI.id, "دوباره باز شد")) == 1
    async with bot.uow() as uow:
        task = await uow.tasks.get(1)
        history = await uow.tasks.events(1)
    assert task is not None and task.status is TaskStatus.TODO
    assert [e.action for e in history][-2:] == ["cancelled", "reopened"]
    assert history[-2].comment == "خوشه از برنامه امسال کنار رفت"

    await bot.app.tick()
    reminded = reminders_to(bot, ALI.id)
    assert len(reminded) == 1 and "⚠️ معوق: #۱" in reminded[0]
    assert await overdue_ids(bot, saturday) == [1]
    assert len(notices_to(bot, ALI.id, "لغو شد")) == 1


async def test_only_the_secretariat_cancels_and_a_done_task_stays_done(bot: RunningBot) -> None:
    await given_tehran_team(bot)
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۳۰", "علی کریمی")

    await say(bot, ALI, "/tasks")
    await press(bot, ALI, "تهیه گزارش")
    assert "لغو وظیفه" not in str(bot.api.last_message_to(ALI.id).buttons())
    await press(bot, ALI, "انجام شد")
    await press(bot, ALI, "بدون مدرک")

    bot.api.callback(SARA, bot.api.last_message_to(SARA.id), TaskOpen(task_id=1).pack())
    await bot.api.drain()
    assert "وضعیت: ✅ انجام شد" in bot.api.last_message_to(SARA.id).plain()
    assert "لغو وظیفه" not in str(bot.api.last_message_to(SARA.id).buttons())
    forged = TaskAct(action="cancel", task_id=1).pack()
    bot.api.callback(ALI, bot.api.last_message_to(ALI.id), forged)
    await bot.api.drain()
    assert last_answer(bot, ALI) == "این کار با دبیرخانه کارگروه است."
    bot.api.callback(SARA, bot.api.last_message_to(SARA.id), forged)
    await bot.api.drain()
    assert last_answer(bot, SARA) == "این وظیفه انجام شده است و لغو نمی‌شود."
    async with bot.uow() as uow:
        task = await uow.tasks.get(1)
    assert task is not None and task.status is TaskStatus.DONE


async def test_reassigning_keeps_the_shares_of_people_who_stay_and_tells_only_newcomers(
    bot: RunningBot,
) -> None:
    await given_tehran_team(bot)
    await given_member(bot, REZA, "tehran", name="رضا رضایی")
    await new_task(bot, "برگزاری جلسه", "۱۴۰۵/۰۹/۳۰", "علی کریمی", "لیلا احمدی")
    await say(bot, ALI, "/tasks")
    await press(bot, ALI, "برگزاری جلسه")
    await press(bot, ALI, "انجام شد")
    await press(bot, ALI, "بدون مدرک")
    await say(bot, LEILA, "/tasks")
    await press(bot, LEILA, "برگزاری جلسه")
    await press(bot, LEILA, "شروع")

    await press(bot, SARA, "واگذاری")
    await press(bot, SARA, "لیلا احمدی")  # untick Leila
    await press(bot, SARA, "رضا رضایی")
    await press(bot, SARA, "ذخیره")

    async with bot.uow() as uow:
        task = await uow.tasks.get(1)
    assert task is not None
    shares = {a.name: (a.status, a.progress) for a in task.assignees}
    assert shares == {"علی کریمی": (TaskStatus.DONE, 100), "رضا رضایی": (TaskStatus.TODO, 0)}
    assert task.status is TaskStatus.IN_PROGRESS
    assert len(notices_to(bot, REZA.id, "وظیفه تازه برای شما")) == 1
    assert len(notices_to(bot, ALI.id, "وظیفه تازه برای شما")) == 1  # at creation only


async def test_changes_within_minutes_reach_the_assignees_as_one_notice(
    bot: RunningBot, clock: Clock
) -> None:
    await given_tehran_team(bot)
    await new_task(bot, "تهیه نقشه", "۱۴۰۵/۰۹/۳۰", "علی کریمی", "لیلا احمدی")

    await press(bot, SARA, "عنوان")
    await say(bot, SARA, "تهیه نقشه راه خوشه")
    tehran(clock, 2, 10, 3)
    await press(bot, SARA, "تغییر مهلت")
    await say(bot, SARA, "۱۴۰۵/۱۰/۱۵")
    tehran(clock, 2, 10, 5)
    await say(bot, LEILA, "/tasks")
    await press(bot, LEILA, "تهیه نقشه")
    await press(bot, LEILA, "یادداشت")
    await say(bot, LEILA, "نقشه پیشین در دبیرخانه هست")

    # Held until the window closes, then one message with every change.
    assert notices_to(bot, ALI.id, "تغییر در وظیفه") == []
    tehran(clock, 2, 10, 11)
    await bot.app.tick()
    [notice] = notices_to(bot, ALI.id, "تغییر در وظیفه")
    assert "سارا تهرانی: عنوان تازه «تهیه نقشه راه خوشه»" in notice
    assert "سارا تهرانی: مهلت تازه ۱۴۰۵/۱۰/۱۵" in notice
    assert "لیلا احمدی: یادداشت: نقشه پیشین در دبیرخانه هست" in notice
    # Leila hears of Sara's changes, not of her own comment.
    [hers] = notices_to(bot, LEILA.id, "تغییر در وظیفه")
    assert "مهلت تازه" in hers and "نقشه پیشین" not in hers

    # A later change is a notice of its own.
    await press(bot, SARA, "شرح")
    await say(bot, SARA, "نقشه راه با همکاری دانشگاه تهیه شود.")
    tehran(clock, 2, 10, 25)
    await bot.app.tick()
    later = notices_to(bot, ALI.id, "تغییر در وظیفه")
    assert len(later) == 2 and "سارا تهرانی: شرح را تغییر داد" in later[1]
    assert "عنوان تازه" not in later[1]
