"""The chat card follows the dashboard: a member who had his task's card open in the chat marks
the task done in the dashboard, and the card in the chat is edited to show it; the secretary's
bulk changes on the board redraw the cards of every task they touched."""

from __future__ import annotations

from bot.domain.members import Role
from tests.conftest import ALI, SARA, given_member
from tests.e2e.helpers import LEILA, given_cluster, new_task, press, say
from tests.fakebot import FakeUser
from tests.fakebot.server import SentMessage
from tests.webapp.conftest import WebApp


async def given_tehran_tasks(webapp: WebApp) -> None:
    bot = webapp.bot
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا احمدی")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await new_task(bot, "تهیه نقشه خوشه", "۱۴۰۵/۱۰/۲۰", "علی کریمی")
    await new_task(bot, "برگزاری جلسه", "۱۴۰۵/۰۹/۳۰", "لیلا احمدی")


async def chat_card(webapp: WebApp, user: FakeUser, title: str) -> SentMessage:
    """The member opens the task's card from /tasks in the chat."""
    await say(webapp.bot, user, "/tasks")
    await press(webapp.bot, user, title)
    card = webapp.bot.api.last_message_to(user.id)
    assert title in card.plain() and "وضعیت: انجام‌نشده" in card.plain()
    return card


async def test_marking_done_in_the_dashboard_edits_the_card_open_in_the_chat(
    webapp: WebApp,
) -> None:
    await given_tehran_tasks(webapp)
    card = await chat_card(webapp, ALI, "تهیه نقشه خوشه")
    sent_before = len(webapp.bot.api.messages_to(ALI.id))

    status, body = await webapp.post(
        "/api/tasks/1/actions", ALI.id, {"action": "done", "note": "نقشه پیوست شد"}
    )
    await webapp.bot.app.outbox.idle()

    assert status == 200, body
    assert card.edits == 1
    assert "وضعیت: ✅ انجام شد — پیشرفت ۱۰۰٪" in card.plain()
    # Still his card, and the card itself changed: no new message in his chat for it.
    assert "✅ انجام شد" in [text for text, _ in card.buttons()]
    assert len(webapp.bot.api.messages_to(ALI.id)) == sent_before
    assert webapp.bot.api.errors() == []


async def test_a_bulk_due_date_from_the_board_redraws_each_tasks_card(webapp: WebApp) -> None:
    await given_tehran_tasks(webapp)
    alis = await chat_card(webapp, ALI, "تهیه نقشه خوشه")
    leilas = await chat_card(webapp, LEILA, "برگزاری جلسه")

    status, body = await webapp.post(
        "/api/board/bulk", SARA.id, {"action": "due", "task_ids": [1, 2], "due_on": "2027-02-04"}
    )
    await webapp.bot.app.outbox.idle()

    assert status == 200 and all(r["ok"] for r in body["results"]), body
    assert "مهلت: ۱۴۰۵/۱۱/۱۵" in alis.plain() and "تهیه نقشه خوشه" in alis.plain()
    assert "مهلت: ۱۴۰۵/۱۱/۱۵" in leilas.plain() and "برگزاری جلسه" in leilas.plain()
    # Sara's own cards from /task_new follow too, with her buttons.
    sara_cards = [m for m in webapp.bot.api.messages_to(SARA.id) if "مهلت: ۱۴۰۵/۱۱/۱۵" in m.plain()]
    assert len(sara_cards) == 2
    assert all("👥 واگذاری" in [text for text, _ in m.buttons()] for m in sara_cards)
