"""A task's card in a chat follows the task: when the secretary reassigns it or moves its due
date from her chat, the card a member had opened is edited in place to show the new state,
with the buttons that member gets, and only the latest card per chat is kept to redraw."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select

from bot.domain.members import Role
from bot.storage import db
from bot.storage.models import OutboxRow
from bot.ui.task_cards import TASK_CARD
from bot.ui.tasks import TaskOpen
from tests.conftest import ALI, REZA, SARA, RunningBot, given_member
from tests.e2e.helpers import LEILA, given_cluster, new_task, press, say
from tests.fakebot.server import SentMessage

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def given_tehran_team(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_cluster(bot, "خوشه مبلمان تهران")


async def opened_card(bot: RunningBot, user_id: int) -> SentMessage:
    """The member opens the task from /tasks; the card is the newest message in his chat."""
    user = {ALI.id: ALI, LEILA.id: LEILA}[user_id]
    await say(bot, user, "/tasks")
    await press(bot, user, "تهیه گزارش")
    card = bot.api.last_message_to(user_id)
    assert "وظیفه #۱" in card.plain()
    return card


def labels(message: SentMessage) -> list[str]:
    return [text for text, _ in message.buttons()]


async def test_a_members_open_card_shows_the_reassignment_and_the_new_due_date(
    bot: RunningBot,
) -> None:
    await given_tehran_team(bot)
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۳۰", "علی کریمی")
    card = await opened_card(bot, ALI.id)
    assert "مهلت: ۱۴۰۵/۰۹/۳۰" in card.plain() and "لیلا احمدی" not in card.plain()

    # Sara gives the task to Leila as well, from her own chat.
    await press(bot, SARA, "واگذاری")
    await press(bot, SARA, "لیلا احمدی")
    await press(bot, SARA, "ذخیره")

    assert card.edits == 1
    assert "• لیلا احمدی" in card.plain() and "• علی کریمی" in card.plain()
    # Still Ali's card: his reports, none of the secretariat's buttons.
    assert "▶️ شروع" in labels(card) and "👥 واگذاری" not in labels(card)

    await press(bot, SARA, "تغییر مهلت")
    await say(bot, SARA, "۱۴۰۵/۱۰/۱۵")

    assert card.edits == 2
    assert "مهلت: ۱۴۰۵/۱۰/۱۵" in card.plain()
    assert "▶️ شروع" in labels(card)
    assert bot.api.errors() == []


async def test_the_member_the_task_was_taken_from_sees_it_is_no_longer_his(
    bot: RunningBot,
) -> None:
    await given_tehran_team(bot)
    await given_member(bot, REZA, "tehran", name="رضا رضایی")
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۳۰", "علی کریمی")
    card = await opened_card(bot, ALI.id)
    assert "✅ انجام شد" in labels(card)

    await press(bot, SARA, "واگذاری")
    await press(bot, SARA, "علی کریمی")  # untick Ali
    await press(bot, SARA, "رضا رضایی")
    await press(bot, SARA, "ذخیره")

    assert "• رضا رضایی" in card.plain() and "• علی کریمی" not in card.plain()
    # Nothing left for him to report on the card he still has open.
    assert "✅ انجام شد" not in labels(card) and "💬 یادداشت" in labels(card)


async def test_the_secretarys_card_keeps_her_buttons_and_a_chat_keeps_one_copy(
    bot: RunningBot,
) -> None:
    await given_tehran_team(bot)
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۳۰", "علی کریمی")
    first = await opened_card(bot, ALI.id)
    second = await opened_card(bot, ALI.id)
    assert first is not second
    sara_card = bot.api.last_message_to(SARA.id)

    # Ali reports from the newest card; the card he answers with is the one kept.
    await press(bot, ALI, "▶️ شروع")
    latest = bot.api.last_message_to(ALI.id)
    assert "وضعیت: در حال انجام" in latest.plain()

    # Sara's card, the one /task_new showed her, follows Ali's report with her buttons.
    assert "وضعیت: در حال انجام" in sara_card.plain()
    assert "👥 واگذاری" in labels(sara_card) and "▶️ شروع" not in labels(sara_card)
    # Ali's older card was no longer his copy: only the card he pressed was redrawn.
    assert first.edits == 0 and second.edits == 1
    async with bot.uow() as uow:
        copies = await uow.cards.copies(TASK_CARD, 1)
    chats = [copy.chat_id for copy in copies]
    assert sorted(chats) == sorted({ALI.id, SARA.id})
    assert next(c for c in copies if c.chat_id == ALI.id).message_id == latest.message_id

    # One more change: the copies kept are the latest ones, and the old ones stay as they are.
    await press(bot, SARA, "تغییر مهلت")
    await say(bot, SARA, "۱۴۰۵/۱۰/۱۵")
    assert "مهلت: ۱۴۰۵/۱۰/۱۵" in latest.plain()
    assert "مهلت: ۱۴۰۵/۱۰/۱۵" not in first.plain() + second.plain()


async def test_a_substitute_secretarys_card_is_redrawn_with_the_buttons_she_stands_in_for(
    bot: RunningBot,
) -> None:
    await given_tehran_team(bot)
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۳۰", "علی کریمی")
    # Sara is on leave from today; Leila stands in for her.
    await say(bot, SARA, "/substitute")
    await press(bot, SARA, "سارا تهرانی (دبیر)")
    await press(bot, SARA, "لیلا احمدی")
    await say(bot, SARA, "۱۴۰۵/۰۹/۰۲")
    await say(bot, SARA, "۱۴۰۵/۰۹/۱۰")
    await press(bot, SARA, "ذخیره")
    bot.api.callback(LEILA, bot.api.last_message_to(LEILA.id), TaskOpen(task_id=1).pack())
    await bot.api.drain()
    card = bot.api.last_message_to(LEILA.id)
    assert "👥 واگذاری" in labels(card)

    await opened_card(bot, ALI.id)
    await press(bot, ALI, "▶️ شروع")

    assert "وضعیت: در حال انجام" in card.plain()
    assert "👥 واگذاری" in labels(card) and "📅 تغییر مهلت" in labels(card)


async def test_a_card_deleted_from_the_chat_is_given_up_quietly_and_the_others_still_follow(
    bot: RunningBot,
) -> None:
    await given_tehran_team(bot)
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۳۰", "علی کریمی")
    card = await opened_card(bot, ALI.id)
    sara_card = bot.api.last_message_to(SARA.id)
    card.deleted = True  # Ali deleted the card from his chat

    await press(bot, SARA, "تغییر مهلت")
    await say(bot, SARA, "۱۴۰۵/۱۰/۱۵")

    assert "مهلت: ۱۴۰۵/۱۰/۱۵" in sara_card.plain()
    async with db.session_factory(bot.app.engine)() as session:
        rows = (
            await session.scalars(
                select(OutboxRow).where(OutboxRow.dedupe_key.startswith("task-card:1:"))
            )
        ).all()
    gone = [row for row in rows if row.chat_id == ALI.id]
    # Tried once and given up, not retried: Telegram said the message is gone.
    assert len(gone) == 1 and gone[0].failed_at is not None and gone[0].attempts == 1
    assert "message to edit not found" in (gone[0].last_error or "")
    assert all(row.sent_at is not None for row in rows if row.chat_id == SARA.id)


async def test_a_task_file_imported_by_the_secretary_redraws_the_cards_of_the_tasks_it_changed(
    bot: RunningBot,
) -> None:
    await given_tehran_team(bot)
    await new_task(bot, "تهیه گزارش", "۱۴۰۵/۰۹/۳۰", "علی کریمی")
    card = await opened_card(bot, ALI.id)

    await say(bot, SARA, "/tasks_export")
    exported = bot.api.last_message_to(SARA.id)
    assert exported.content is not None
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    row = next(book.worksheets[0].iter_rows(min_row=2))  # the one task
    row[2].value = "تهیه گزارش فصلی"
    edited = io.BytesIO()
    book.save(edited)
    await say(bot, SARA, "/tasks_import")
    bot.api.document(SARA, "tasks.xlsx", edited.getvalue(), XLSX)
    await bot.api.drain()
    assert "۱ وظیفه به‌روز شد" in bot.api.last_message_to(SARA.id).plain()

    assert card.edits == 1 and "تهیه گزارش فصلی" in card.plain()
    assert "▶️ شروع" in labels(card)
