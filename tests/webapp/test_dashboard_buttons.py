"""The chat offers the dashboard: a Web App button under /help, the /tasks list and the
Saturday digest when WEBAPP_URL is set, in private chats only; none without it."""

from __future__ import annotations

from bot.domain.members import Role
from tests.conftest import (
    ALI,
    SARA,
    TEHRAN_CHAT,
    RunningBot,
    given_linked_chat,
    given_member,
)
from tests.e2e.helpers import given_cluster, tehran
from tests.fakebot import FakeUser, SentMessage
from tests.webapp.conftest import WebApp, given_task

URL = "https://dashboard.example/app/"


def web_app_buttons(message: SentMessage) -> list[tuple[str, str]]:
    markup = message.reply_markup or {}
    return [
        (button["text"], button["web_app"]["url"])
        for row in markup.get("inline_keyboard") or []
        for button in row
        if "web_app" in button
    ]


async def test_help_and_the_task_list_offer_the_dashboard_in_private(webapp: WebApp) -> None:
    bot = webapp.bot
    ali = await given_member(bot, ALI, "tehran")
    cluster = await given_cluster(bot, "خوشه مبلمان تهران")
    await given_task(bot, "شناسایی بنگاه‌ها", cluster, ali)

    bot.api.text(ALI, "/help")
    await bot.api.drain()
    help_message = bot.api.last_message_to(ALI.id)
    bot.api.text(ALI, "/tasks")
    await bot.api.drain()
    task_list = bot.api.last_message_to(ALI.id)

    assert web_app_buttons(help_message) == [("📊 داشبورد", URL)]
    assert web_app_buttons(task_list) == [("📊 داشبورد", URL)]
    # The list's own buttons are still there, above it.
    assert any("شناسایی بنگاه‌ها" in label for label, _ in task_list.buttons())


async def test_a_group_chat_and_a_visitor_get_no_dashboard_button(webapp: WebApp) -> None:
    bot = webapp.bot
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_linked_chat(bot, TEHRAN_CHAT, "tehran")
    visitor_id = 999_001

    bot.api.text(SARA, "/help", chat=TEHRAN_CHAT)
    await bot.api.drain()
    visitor = FakeUser(id=visitor_id, first_name="Guest")
    bot.api.text(visitor, "/help")
    await bot.api.drain()

    assert web_app_buttons(bot.api.last_message_to(TEHRAN_CHAT.id)) == []
    assert web_app_buttons(bot.api.last_message_to(visitor_id)) == []


async def test_without_webapp_url_there_is_no_button(bot: RunningBot) -> None:
    await given_member(bot, ALI, "tehran")

    bot.api.text(ALI, "/help")
    await bot.api.drain()

    assert web_app_buttons(bot.api.last_message_to(ALI.id)) == []


async def test_the_saturday_digest_offers_the_dashboard_to_the_secretary(webapp: WebApp) -> None:
    bot = webapp.bot
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_linked_chat(bot, TEHRAN_CHAT, "tehran")
    ali = await given_member(bot, ALI, "tehran")
    cluster = await given_cluster(bot, "خوشه مبلمان تهران")
    await given_task(bot, "شناسایی بنگاه‌ها", cluster, ali)

    tehran(webapp.clock, 7, 9, 10)  # Saturday morning
    await bot.app.tick()

    private = [m for m in bot.api.messages_to(SARA.id) if "خلاصه هفته" in m.plain()]
    group = [m for m in bot.api.messages_to(TEHRAN_CHAT.id) if "خلاصه هفته" in m.plain()]
    assert len(private) == 1 and web_app_buttons(private[0]) == [("📊 داشبورد", URL)]
    assert all(web_app_buttons(m) == [] for m in group)


async def test_on_bale_the_button_is_a_web_app_button_too(bale_webapp: WebApp) -> None:
    bot = bale_webapp.bot
    await given_member(bot, ALI, "tehran")

    bot.api.text(ALI, "/help")
    await bot.api.drain()

    assert web_app_buttons(bot.api.last_message_to(ALI.id)) == [("📊 داشبورد", URL)]
    assert not bot.api.errors()
