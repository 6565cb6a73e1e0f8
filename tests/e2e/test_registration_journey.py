"""The registration journey end to end: applicant, secretariat, outcome, in both languages."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.domain.members import MemberStatus, Role
from tests.conftest import ALI as ALI_USER
from tests.conftest import (
    FARS_CHAT,
    JOHN,
    REZA,
    SARA,
    TEHRAN_CHAT,
    RunningBot,
    given_linked_chat,
    given_member,
)
from tests.e2e.helpers import press, say
from tests.fakebot import CallContext


async def test_a_persian_applicant_is_approved_by_the_secretary_in_the_group_chat(
    bot: RunningBot,
) -> None:
    # Given Sara, secretary of the Tehran working group, whose group chat is linked
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_linked_chat(bot, TEHRAN_CHAT, "tehran")

    # When Ali registers in Persian
    bot.api.text(ALI_USER, "/start")
    await bot.api.drain()
    assert "زبان خود را انتخاب کنید" in bot.api.last_message_to(ALI_USER.id).plain()
    await press(bot, ALI_USER, "فارسی")
    assert "نام و نام خانوادگی" in bot.api.last_message_to(ALI_USER.id).plain()
    reply = await say(bot, ALI_USER, "علی کریمی")
    assert "کدام دستگاه" in reply
    await press(bot, ALI_USER, "اتاق بازرگانی")
    assert "کدام کارگروه" in bot.api.last_message_to(ALI_USER.id).plain()
    await press(bot, ALI_USER, "تهران")
    phone_prompt = bot.api.last_message_to(ALI_USER.id)
    assert "شماره" in phone_prompt.plain()
    assert any("ارسال شماره من" in label for label, _ in phone_prompt.buttons())
    bot.api.contact(ALI_USER, "989121234567")
    await bot.api.drain()
    preview = bot.api.last_message_to(ALI_USER.id).plain()
    assert "علی کریمی" in preview
    assert "اتاق بازرگانی" in preview
    assert "+۹۸۹۱۲۱۲۳۴۵۶۷" in preview
    await press(bot, ALI_USER, "ارسال")
    assert "فرستاده شد" in bot.api.last_message_to(ALI_USER.id).plain()

    # Then the card reaches the group chat and Sara privately, with Persian digits
    group_card = bot.api.last_message_to(TEHRAN_CHAT.id)
    private_card = bot.api.last_message_to(SARA.id)
    for card in (group_card, private_card):
        assert "درخواست عضویت تازه" in card.plain()
        assert "علی کریمی" in card.plain()
        assert "۳۰۰۱" in card.plain()  # Ali's user id, in Persian digits
        assert "۱۴۰۵/۰۹/۰۲" in card.plain()  # applied on the clock's day
        assert [label for label, _ in card.buttons()] == ["✅ تأیید", "❌ رد"]

    # When Sara approves in the group chat
    await press(bot, SARA, "تأیید", chat_id=TEHRAN_CHAT.id)

    # Then she gets a toast, every copy shows the outcome without buttons, and Ali is told
    assert bot.api.callback_answers(SARA.id)[-1]["text"] == "درخواست تأیید شد."
    for card in (group_card, private_card):
        assert "تأیید شد؛ توسط سارا تهرانی" in card.plain()
        assert card.buttons() == []
    told = bot.api.last_message_to(ALI_USER.id).plain()
    assert "عضویت شما در کارگروه تهران تأیید شد" in told

    async with bot.uow() as uow:
        ali = await uow.members.by_user(ALI_USER.id)
    assert ali is not None and ali.status is MemberStatus.APPROVED
    assert ali.phone == "+989121234567"
    assert ali.agency_code == "chamber_commerce"

    # And Ali now sees his profile and the member help
    profile = await say(bot, ALI_USER, "/profile")
    assert "تأییدشده" in profile and "علی کریمی" in profile
    help_text = await say(bot, ALI_USER, "/help")
    assert "/profile" in help_text and "/pending" not in help_text
    assert not bot.api.errors(), bot.api.errors()
    assert not bot.api.unanswered_callbacks()


async def test_a_card_approved_while_its_group_copy_is_still_on_its_way_shows_the_decision_there(
    bot: RunningBot,
) -> None:
    # Given Sara, secretary of Tehran, with the group chat linked, and a Bot API that is slow
    # to answer for the group chat: its copy of a card is posted, but the bot does not know
    # where yet
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_linked_chat(bot, TEHRAN_CHAT, "tehran")
    posted_in_group = asyncio.Event()
    answer_group = asyncio.Event()
    send_message = bot.api.handlers["sendmessage"]

    async def slow_for_the_group(call: CallContext) -> Any:
        sent = await send_message(call)
        if call.params.get("chat_id") == TEHRAN_CHAT.id:
            posted_in_group.set()
            await answer_group.wait()
        return sent

    bot.api.register("sendMessage", slow_for_the_group)

    # When Ali applies, and Sara approves in the group the moment the card appears there
    await say(bot, ALI_USER, "/start")
    await press(bot, ALI_USER, "فارسی")
    await say(bot, ALI_USER, "علی کریمی")
    await press(bot, ALI_USER, "اتاق بازرگانی")
    await press(bot, ALI_USER, "تهران")
    preview = await say(bot, ALI_USER, "رد شدن")
    assert "علی کریمی" in preview
    # Sent without waiting for the bot: the group's copy holds up its outbox until answered.
    preview_card = bot.api.last_message_to(ALI_USER.id)
    bot.api.callback(ALI_USER, preview_card, preview_card.button("ارسال"))
    await asyncio.wait_for(posted_in_group.wait(), 10)
    group_card = bot.api.last_message_to(TEHRAN_CHAT.id)
    bot.api.callback(SARA, group_card, group_card.button("تأیید"))
    await _answered(bot, SARA.id)

    # And only then does the Bot API answer for the group's copy
    answer_group.set()
    await bot.api.drain()

    # Then the group's copy shows the decision too, and so does Sara's private one (sent after
    # the decision), Ali is told once, and nothing failed
    assert bot.api.callback_answers(SARA.id)[-1]["text"] == "درخواست تأیید شد."
    private_card = next(m for m in bot.api.messages_to(SARA.id) if "علی کریمی" in m.plain())
    for card in (group_card, private_card):
        assert "تأیید شد؛ توسط سارا تهرانی" in card.plain()
        assert card.buttons() == []
    told = [
        m
        for m in bot.api.messages_to(ALI_USER.id)
        if "عضویت شما در کارگروه تهران تأیید شد" in m.plain()
    ]
    assert len(told) == 1
    assert not bot.api.errors(), bot.api.errors()


async def _answered(bot: RunningBot, user_id: int) -> None:
    for _ in range(1000):
        if bot.api.callback_answers(user_id):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the press was not answered")


async def test_an_english_applicant_is_rejected_with_a_reason_by_a_secretary_in_private(
    bot: RunningBot,
) -> None:
    # Given Reza, an English-speaking secretary of Fars, and the Fars group chat
    await given_member(bot, REZA, "fars", role=Role.SECRETARY, locale="en", name="Reza Farsi")
    await given_linked_chat(bot, FARS_CHAT, "fars")

    # When John registers in English with an agency that is not on the list, and no phone
    await say(bot, JOHN, "/start")
    await press(bot, JOHN, "English")
    assert bot.api.last_message_to(JOHN.id).plain() == "Type your full name:"
    await say(bot, JOHN, "John Smith")
    await press(bot, JOHN, "Other")
    assert "Type the name of your agency" in bot.api.last_message_to(JOHN.id).plain()
    await say(bot, JOHN, "Fars Pistachio Association")
    await press(bot, JOHN, "Fars")
    await say(bot, JOHN, "Skip")
    preview = bot.api.last_message_to(JOHN.id).plain()
    assert "Agency: Fars Pistachio Association" in preview
    assert "Phone: not given" in preview
    await press(bot, JOHN, "Send")
    assert "secretariat of the Fars working group" in bot.api.last_message_to(JOHN.id).plain()

    # Then Reza gets the card in English, the group chat in Persian (the default)
    private_card = bot.api.last_message_to(REZA.id)
    group_card = bot.api.last_message_to(FARS_CHAT.id)
    assert "New membership request" in private_card.plain()
    assert "درخواست عضویت تازه" in group_card.plain()

    # When Reza presses Reject and types the reason as a reply
    await press(bot, REZA, "Reject")
    prompt = bot.api.last_message_to(REZA.id)
    assert "reason for rejecting John Smith" in prompt.plain()
    assert prompt.reply_markup is not None and prompt.reply_markup.get("force_reply")
    await say(bot, REZA, "Please register with your agency's official name")

    # Then John is told in English with the reason, and both card copies show the rejection
    told = bot.api.last_message_to(JOHN.id).plain()
    assert "was rejected" in told
    assert "Please register with your agency's official name" in told
    assert "Rejected by Reza Farsi" in private_card.plain()
    assert "رد شد؛ توسط Reza Farsi" in group_card.plain()
    assert private_card.buttons() == [] and group_card.buttons() == []

    # And John may apply again: /start opens the dialog afresh
    assert "Choose your language" in await say(bot, JOHN, "/start")
    assert not bot.api.errors(), bot.api.errors()
