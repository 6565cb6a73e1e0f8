"""Wrong roles, forged and stale buttons, unknown commands, wrong input and bad dates: each gets
a clear message, and nothing is lost or decided by the wrong person."""

from __future__ import annotations

from bot.domain.members import MemberStatus, Role
from bot.session import REPLY_RETRIES
from bot.ui.members import ApplicationDecision
from tests.conftest import (
    ADMIN,
    ALI,
    FARS_CHAT,
    MINA,
    REZA,
    SARA,
    TEHRAN_CHAT,
    RunningBot,
    given_linked_chat,
    given_member,
)
from tests.e2e.helpers import last_answer, press, register, say, with_button
from tests.fakebot import FakeChat


async def _status(bot: RunningBot, user_id: int) -> MemberStatus | None:
    async with bot.uow() as uow:
        member = await uow.members.by_user(user_id)
    return member.status if member else None


async def _audit(bot: RunningBot, user_id: int) -> list[tuple[str, str]]:
    async with bot.uow() as uow:
        return await uow.audit.for_actor(user_id)


async def test_given_a_pending_application_when_the_secretary_presses_approve_twice_then_one_decision_and_one_notice(  # noqa: E501
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await register(bot, ALI, name="علی کریمی")
    card = with_button(bot, SARA.id, "تأیید")
    approve = card.button("تأیید")

    bot.api.callback(SARA, card, approve)
    bot.api.callback(SARA, card, approve)
    await bot.api.drain()

    answers = [a.get("text") for a in bot.api.callback_answers(SARA.id)]
    assert answers[0] == "درخواست تأیید شد."
    assert "پیش‌تر تصمیم گرفته شده" in answers[1] and "سارا تهرانی" in answers[1]
    approvals = [m for m in bot.api.messages_to(ALI.id) if "تأیید شد" in m.plain()]
    assert len(approvals) == 1
    assert [a for a in await _audit(bot, SARA.id) if a[0] == "registration.approve"] == [
        ("registration.approve", "decided")
    ]


async def test_a_member_of_another_group_forging_an_approve_button_is_refused_and_recorded(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, MINA, "fars", role=Role.MEMBER)
    await given_member(bot, REZA, "fars", role=Role.SECRETARY)
    await register(bot, ALI, name="علی کریمی")
    async with bot.uow() as uow:
        ali = await uow.members.by_user(ALI.id)
    assert ali is not None
    forged = ApplicationDecision(action="approve", member_id=ali.id).pack()

    # Mina (a plain member) and Reza (secretary, but of Fars) press it on any bot message
    for intruder in (MINA, REZA):
        any_message = bot.api.last_message_to(intruder.id)
        bot.api.callback(intruder, any_message, forged)
        await bot.api.drain()
        assert "دبیر این کارگروه نیستید" in last_answer(bot, intruder)
        assert ("registration.approve", "not_your_group") in await _audit(bot, intruder.id)

    assert await _status(bot, ALI.id) is MemberStatus.PENDING
    assert not any("تأیید شد" in m.plain() for m in bot.api.messages_to(ALI.id))


async def test_a_non_secretary_cannot_start_a_rejection_either(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, MINA, "tehran", role=Role.MEMBER)
    await register(bot, ALI, name="علی کریمی")
    card = with_button(bot, SARA.id, "رد")

    bot.api.callback(MINA, card, card.button("رد"))
    await bot.api.drain()

    assert "دبیر این کارگروه نیستید" in last_answer(bot, MINA)
    assert not any("دلیل رد" in m.plain() for m in bot.api.messages_to(SARA.id))
    assert ("registration.reject", "not_your_group") in await _audit(bot, MINA.id)


async def test_a_stale_button_for_a_vanished_application_and_garbage_data_are_answered(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    message = bot.api.last_message_to(SARA.id)

    bot.api.callback(SARA, message, ApplicationDecision(action="approve", member_id=999).pack())
    await bot.api.drain()
    assert last_answer(bot, SARA) == "این درخواست دیگر وجود ندارد."

    bot.api.callback(SARA, message, "nonsense:42")
    await bot.api.drain()
    assert "دیگر معتبر نیست" in last_answer(bot, SARA)
    assert not bot.api.unanswered_callbacks()


async def test_a_press_after_another_secretary_decided_says_who_decided(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, REZA, "tehran", role=Role.SECRETARY, name="رضا رضایی")
    await register(bot, ALI, name="علی کریمی")
    reza_card = with_button(bot, REZA.id, "رد")
    reject = reza_card.button("رد")

    # Reza's client still shows the buttons when he presses, a moment after Sara approved.
    await press(bot, SARA, "تأیید")
    bot.api.callback(REZA, reza_card, reject)
    await bot.api.drain()

    assert "سارا تهرانی" in last_answer(bot, REZA)
    assert reza_card.buttons() == []
    assert "تأیید شد؛ توسط سارا تهرانی" in reza_card.plain()
    assert await _status(bot, ALI.id) is MemberStatus.APPROVED


async def test_a_rejection_reason_that_is_too_short_is_asked_again_and_nothing_is_decided(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await register(bot, ALI, name="علی کریمی")
    await press(bot, SARA, "رد")

    assert "کامل‌تر" in await say(bot, SARA, "نه")
    assert await _status(bot, ALI.id) is MemberStatus.PENDING
    assert "رد شد" in await say(bot, SARA, "مدارک نمایندگی ارائه نشده است")
    assert await _status(bot, ALI.id) is MemberStatus.REJECTED


async def test_unknown_commands_and_free_text_get_a_pointer_to_help(bot: RunningBot) -> None:
    assert "این فرمان را نمی‌شناسم" in await say(bot, ALI, "/frobnicate")
    assert "/start" in await say(bot, ALI, "سلام")
    # In a shared group chat, other bots' commands are ignored rather than answered.
    bot.api.text(ALI, "/frobnicate", chat=TEHRAN_CHAT)
    await bot.api.drain()
    assert bot.api.messages_to(TEHRAN_CHAT.id) == []


async def test_text_where_a_button_is_expected_keeps_the_dialog_where_it_was(
    bot: RunningBot,
) -> None:
    await say(bot, ALI, "/start")
    await press(bot, ALI, "فارسی")
    await say(bot, ALI, "علی کریمی")

    assert "از دکمه‌های پیام قبل استفاده کنید" in await say(bot, ALI, "اتاق بازرگانی")
    bot.api.photo(ALI, b"\xff\xd8 not really a photo")
    await bot.api.drain()
    assert "از دکمه‌های پیام قبل" in bot.api.last_message_to(ALI.id).plain()

    # The agency keyboard still works afterwards: nothing was lost.
    await press(bot, ALI, "اتاق بازرگانی")
    assert "کدام کارگروه" in bot.api.last_message_to(ALI.id).plain()


async def test_bad_names_and_phones_are_refused_with_the_reason(bot: RunningBot) -> None:
    await say(bot, ALI, "/start")
    await press(bot, ALI, "فارسی")
    assert "عدد" in await say(bot, ALI, "Ali 123")
    assert "کوتاه" in await say(bot, ALI, "ع")
    assert "فرمان" in await say(bot, ALI, "/profile")
    await say(bot, ALI, "علی کریمی")
    await press(bot, ALI, "اتاق بازرگانی")
    await press(bot, ALI, "تهران")

    assert "معتبر نیست" in await say(bot, ALI, "12ab")
    bot.api.contact(ALI, "989120000000", own=False)
    await bot.api.drain()
    assert "شماره خودتان" in bot.api.last_message_to(ALI.id).plain()

    preview = await say(bot, ALI, "۰۹۱۲ ۱۲۳ ۴۵۶۷")
    assert "+۹۸۹۱۲۱۲۳۴۵۶۷" in preview


async def test_cancel_leaves_nothing_behind_and_a_pending_applicant_is_told_to_wait(
    bot: RunningBot,
) -> None:
    await say(bot, ALI, "/start")
    await press(bot, ALI, "فارسی")
    assert "لغو شد" in await say(bot, ALI, "/cancel")
    assert await _status(bot, ALI.id) is None
    assert "کاری در جریان نیست" in await say(bot, ALI, "/cancel")

    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await register(bot, ALI, name="علی کریمی")
    assert "در انتظار بررسی" in await say(bot, ALI, "/start")


async def test_bad_dates_get_a_precise_reason_and_good_ones_an_answer(bot: RunningBot) -> None:
    assert "سال کبیسه" in await say(bot, ALI, "/date 1404/12/30")
    assert "کدام عدد سال است" in await say(bot, ALI, "/date 05/02/03")
    assert "نفهمیدم" in await say(bot, ALI, "/date دیروزها")
    assert "روز هفته" in await say(bot, ALI, "/date شنبه، ۱ آذر ۱۴۰۵")
    assert "مثلاً" in await say(bot, ALI, "/date")

    answer = await say(bot, ALI, "/date جمعه، 02 تير 1385")
    assert "جمعه ۲ تیر ۱۳۸۵" in answer
    assert "۲۰۰۶-۰۶-۲۳" in answer
    answer = await say(bot, ALI, "/date ۳ روز دیگر")
    assert "۳ روز دیگر" in answer  # the clock says 1405/09/02


async def test_members_only_and_secretary_only_commands_refuse_others(bot: RunningBot) -> None:
    assert "عضو نیستید" in await say(bot, ALI, "/profile")
    await given_member(bot, MINA, "fars", role=Role.MEMBER)
    assert "فقط از دبیر" in await say(bot, MINA, "/pending")
    assert "فقط مدیران" in await say(bot, MINA, "/appoint @ali_k secretary")
    assert ("member.appoint", "not_allowed") in await _audit(bot, MINA.id)
    assert "فقط از دبیر" in await say(bot, MINA, "/link", chat=FARS_CHAT)
    assert "نه در گفت‌وگوی خصوصی" in await say(bot, MINA, "/link")


async def test_a_secretary_links_her_group_chat_and_a_superuser_picks_the_group(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    assert "به کارگروه تهران وصل شد" in await say(bot, SARA, "/link", chat=TEHRAN_CHAT)

    assert "کدام کارگروه" in await say(bot, ADMIN, "/link", chat=FARS_CHAT)
    await press(bot, ADMIN, "فارس", chat_id=FARS_CHAT.id)
    assert "به کارگروه فارس وصل شد" in bot.api.last_message_to(FARS_CHAT.id).plain()
    async with bot.uow() as uow:
        assert await uow.working_groups.chat_of("tehran") == TEHRAN_CHAT.id
        assert await uow.working_groups.chat_of("fars") == FARS_CHAT.id

    # Moving Tehran's link to a new chat frees the old one: one chat, one group.
    new_chat = FakeChat(id=-100700, type="supergroup", title="کارگروه تهران (تازه)")
    await say(bot, SARA, "/link", chat=new_chat)
    async with bot.uow() as uow:
        assert await uow.working_groups.chat_of("tehran") == new_chat.id
        assert await uow.working_groups.by_chat(TEHRAN_CHAT.id) is None
        assert await uow.working_groups.chat_of("fars") == FARS_CHAT.id
    assert "برداشته شد" in await say(bot, SARA, "/unlink", chat=new_chat)


async def test_a_superuser_appoints_a_secretary_who_then_sees_pending_requests(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.MEMBER, name="سارا تهرانی")
    await given_linked_chat(bot, TEHRAN_CHAT, "tehran")
    await register(bot, ALI, name="علی کریمی")
    assert "فقط از دبیر" in await say(bot, SARA, "/pending")

    assert "سارا تهرانی اکنون دبیر است" in await say(bot, ADMIN, "/appoint @sara_sec secretary")
    assert "نقش شما در کارگروه تهران" in bot.api.last_message_to(SARA.id).plain()

    bot.api.text(SARA, "/pending")
    await bot.api.drain()
    header, card = bot.api.messages_to(SARA.id)[-2:]
    assert "۱ درخواست در انتظار" in header.plain()
    assert "علی کریمی" in card.plain()
    bot.api.callback(SARA, card, card.button("تأیید"))
    await bot.api.drain()

    # The card posted earlier in the group chat is updated too.
    group_card = next(
        m for m in bot.api.messages_to(TEHRAN_CHAT.id) if "درخواست عضویت تازه" in m.plain()
    )
    assert "تأیید شد" in group_card.plain() and group_card.buttons() == []


async def test_a_superuser_appoints_by_buttons_from_the_member_list(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.MEMBER, name="سارا تهرانی")
    assert "کدام کارگروه" in await say(bot, ADMIN, "/members")
    await press(bot, ADMIN, "تهران")
    listing = bot.api.last_message_to(ADMIN.id)
    assert "سارا تهرانی — عضو" in listing.plain()
    await press(bot, ADMIN, "سارا تهرانی: رئیس کارگروه")
    assert "رئیس کارگروه" in last_answer(bot, ADMIN)
    async with bot.uow() as uow:
        sara = await uow.members.by_user(SARA.id)
    assert sara is not None and sara.role is Role.CHAIR


async def test_when_the_reply_fails_the_change_is_rolled_back_and_the_user_is_told(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    # A blip is retried (bot/session.py); a reply that keeps failing fails the update.
    for _ in range(REPLY_RETRIES + 1):
        bot.api.fail_next("sendMessage", 500, "Internal Server Error")

    bot.api.text(SARA, "/link", chat=TEHRAN_CHAT)
    await bot.api.drain()

    # One transaction per update: the link is not half-made when its confirmation failed.
    async with bot.uow() as uow:
        assert await uow.working_groups.chat_of("tehran") is None
    assert "خطایی پیش آمد" in bot.api.last_message_to(TEHRAN_CHAT.id).plain()


async def test_a_secretary_cannot_take_over_a_chat_linked_to_another_group(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, REZA, "fars", role=Role.SECRETARY)
    await given_linked_chat(bot, TEHRAN_CHAT, "tehran")

    assert "فقط از دبیر" in await say(bot, REZA, "/link", chat=TEHRAN_CHAT)

    async with bot.uow() as uow:
        assert await uow.working_groups.chat_of("tehran") == TEHRAN_CHAT.id
        assert await uow.working_groups.chat_of("fars") is None
    assert ("group.link", "chat_taken") in await _audit(bot, REZA.id)
