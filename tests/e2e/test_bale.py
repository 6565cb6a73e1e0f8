"""The Bale profile: what Bale does differently, met the way Bale's documentation describes it.

Each story runs against the fake Bot API in its Bale mode: no parse_mode, Markdown with no
escape character, no command menu, no my_chat_member, no supergroups, contacts without a
user id, and old clients that show no button answers.
"""

from __future__ import annotations

from bot.domain.members import MemberStatus, Role
from bot.i18n import ZWNJ
from tests.conftest import (
    ADMIN,
    ALI,
    SARA,
    TEHRAN_CHAT,
    RunningBot,
    given_linked_chat,
    given_member,
)
from tests.e2e.conftest import BALE_TEHRAN_GROUP, assert_read_as_written
from tests.e2e.helpers import press, register, say, with_button


async def test_on_bale_a_marked_up_name_reads_as_typed_and_the_command_menu_is_not_touched(
    bale_bot: RunningBot,
) -> None:
    bot = bale_bot
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    # A name with Markdown markers, which Bale would otherwise read as formatting.
    await register(bot, ALI, name="علی_کریمی *مدیر* _ارشد_")

    card = with_button(bot, SARA.id, "تأیید")
    assert card.parse_mode is None
    assert "<b>" not in (card.text or "")
    assert "درخواست عضویت تازه" in card.plain()
    # No backslash anywhere; the reader sees the name as typed (the joiners are invisible).
    assert "\\" not in (card.text or "")
    assert "علی_کریمی *مدیر* _ارشد_" in card.plain().replace(ZWNJ, "")
    assert bot.api.calls_to("setMyCommands") == []
    assert all(call.params.get("parse_mode") is None for call in bot.api.calls_to("sendMessage"))

    await press(bot, SARA, "تأیید")
    assert "تأیید شد" in bot.api.last_message_to(ALI.id).plain()
    assert_read_as_written(bot)


async def test_help_lists_commands_with_underscores_that_bale_leaves_alone(
    bale_bot: RunningBot,
) -> None:
    bot = bale_bot
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    text = await say(bot, SARA, "/help")
    assert "/cluster_new" in text and "/tasks_export" in text
    assert_read_as_written(bot)


async def test_added_to_a_bale_group_the_bot_greets_from_the_join_message(
    bale_bot: RunningBot,
) -> None:
    bot = bale_bot
    bot.api.bot_added_to_group(BALE_TEHRAN_GROUP, by=SARA)
    await bot.api.drain()

    assert "/link" in bot.api.last_message_to(BALE_TEHRAN_GROUP.id).plain()
    # Somebody else joining the group is not greeted.
    before = len(bot.api.messages_to(BALE_TEHRAN_GROUP.id))
    bot.api.join_message(BALE_TEHRAN_GROUP, SARA, [ALI])
    bot.api.text(ALI, "سلام", chat=BALE_TEHRAN_GROUP)
    await bot.api.drain()
    assert len(bot.api.messages_to(BALE_TEHRAN_GROUP.id)) == before
    assert_read_as_written(bot)


async def test_a_phone_shared_with_the_button_on_bale_is_accepted_without_a_user_id(
    bale_bot: RunningBot,
) -> None:
    bot = bale_bot
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await say(bot, ALI, "/start")
    await press(bot, ALI, "فارسی")
    await say(bot, ALI, "علی کریمی")
    await press(bot, ALI, "اتاق بازرگانی")
    await press(bot, ALI, "تهران")

    # A contact forwarded from someone else is still refused...
    bot.api.contact(ALI, "989120000000", own=False, forwarded_from=SARA)
    await bot.api.drain()
    assert "شماره خودتان" in bot.api.last_message_to(ALI.id).plain()
    # ...but the share button's contact, which on Bale carries no user id, is taken.
    bot.api.contact(ALI, "989121234567")
    await bot.api.drain()
    assert "+۹۸۹۱۲۱۲۳۴۵۶۷" in bot.api.last_message_to(ALI.id).plain()
    await press(bot, ALI, "ارسال")

    async with bot.uow() as uow:
        ali = await uow.members.by_user(ALI.id)
    assert ali is not None and ali.phone == "+989121234567"
    assert ali.status is MemberStatus.PENDING
    assert_read_as_written(bot)


async def test_an_old_bale_client_gets_every_button_answer_as_a_message(
    bale_bot: RunningBot,
) -> None:
    # Given Sara, whose Bale client is too old to show button answers
    bot = bale_bot
    bot.api.use_old_client(SARA)
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_linked_chat(bot, BALE_TEHRAN_GROUP, "tehran")
    await register(bot, ALI, name="علی کریمی")

    # When she approves privately, then presses the group's copy (opened before the decision)
    group_card = with_button(bot, BALE_TEHRAN_GROUP.id, "تأیید")
    approve = group_card.button("تأیید")
    await press(bot, SARA, "تأیید")
    bot.api.callback(SARA, group_card, approve)
    await bot.api.drain()

    # Then her client showed nothing, but each answer reached her as a message: the
    # confirmation in her private chat, the refusal in the group under the card.
    unseen = bot.api.unseen_answers(SARA.id)
    assert unseen, "the bot answered nothing"
    confirmation, refusal = unseen[0], unseen[-1]
    assert confirmation in [m.plain() for m in bot.api.messages_to(SARA.id)]
    in_group = bot.api.last_message_to(BALE_TEHRAN_GROUP.id)
    assert in_group.plain() == refusal
    assert in_group.reply_to_message_id == group_card.message_id
    assert bot.api.callback_answers(SARA.id) == []
    assert_read_as_written(bot)


async def test_a_new_bale_client_sees_answers_and_gets_no_extra_messages(
    bale_bot: RunningBot,
) -> None:
    bot = bale_bot
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await register(bot, ALI, name="علی کریمی")
    sent_before = len(bot.api.messages_to(SARA.id))

    await press(bot, SARA, "تأیید")

    assert bot.api.callback_answers(SARA.id)[-1]["text"]
    assert bot.api.unseen_answers(SARA.id) == []
    assert len(bot.api.messages_to(SARA.id)) == sent_before
    assert_read_as_written(bot)


async def test_on_telegram_the_command_menu_is_set_in_both_languages(bot: RunningBot) -> None:
    calls = bot.api.calls_to("setMyCommands")
    languages = {call.params.get("language_code") for call in calls}
    assert languages == {"fa", "en", None}
    english = next(c for c in calls if c.params.get("language_code") == "en")
    # The default menu is the visitor's; members get theirs per chat (tests/e2e/test_people.py).
    assert {"command": "date", "description": "Convert and check a Jalali date"} in english.params[
        "commands"
    ]


async def test_on_telegram_joining_is_greeted_once_from_my_chat_member(bot: RunningBot) -> None:
    # Telegram sends both my_chat_member and the service message; only the first greets.
    bot.api.bot_added_to_group(TEHRAN_CHAT, ADMIN)
    bot.api.join_message(TEHRAN_CHAT, ADMIN)
    await bot.api.drain()
    greetings = [m for m in bot.api.messages_to(TEHRAN_CHAT.id) if "/link" in m.plain()]
    assert len(greetings) == 1
