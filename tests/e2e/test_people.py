"""People: menus per role, invitation links, a newcomer's language, ids in /profile, the
superuser's /start, applications kept until someone can review them, and changes of agency
approved by the secretariat."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pytest

from bot.config import Settings
from bot.domain.members import MemberStatus, Role
from tests.conftest import (
    ADMIN,
    ALI,
    JOHN,
    MINA,
    SARA,
    TEHRAN_CHAT,
    Clock,
    RunningBot,
    given_member,
    start_bot,
)
from tests.e2e.helpers import last_answer, press, register, say, with_button
from tests.fakebot import FakeBotAPI, FakeUser

NEDA = FakeUser(id=7001, first_name="Neda", username="neda_new")
HANS = FakeUser(id=7002, first_name="Hans", username="hans_de", language_code="de")

VISITOR = ["start", "help", "language", "date"]


# --- command menus ---------------------------------------------------------------------------


async def test_strangers_see_the_visitor_menu_and_each_role_gets_its_own_in_its_language(
    bot: RunningBot,
) -> None:
    for language in ("fa", "en", ""):
        assert bot.api.menu(language_code=language) == VISITOR

    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await register(bot, ALI, name="علی کریمی")
    # An applicant has nothing more to use than a stranger.
    assert bot.api.menu(ALI.id) in ([], VISITOR)

    await press(bot, SARA, "تأیید")
    member_menu = bot.api.menu(ALI.id)
    assert {"profile", "submit", "tasks", "members"} <= set(member_menu)
    assert not {"pending", "invite", "inbox", "board"} & set(member_menu)
    assert "مشخصات من" in bot.api.menu_descriptions(ALI.id)

    await say(bot, ADMIN, "/appoint @ali_k secretary")
    assert {"pending", "invite", "invites", "inbox", "board", "submit"} <= set(bot.api.menu(ALI.id))

    await say(bot, ALI, "/language")
    await press(bot, ALI, "English")
    assert "My profile" in bot.api.menu_descriptions(ALI.id)

    await say(bot, ADMIN, "/start")
    superuser_menu = set(bot.api.menu(ADMIN.id))
    assert {"pending", "members", "invite", "profile"} <= superuser_menu
    # Not a member: nothing of their own to submit or report.
    assert not {"submit", "my", "report"} & superuser_menu


# --- invitation links ------------------------------------------------------------------------


def _link(text: str) -> str:
    match = re.search(r"https://t\.me/cluster_test_bot\?start=(\S+)", text)
    assert match, text
    return match.group(1)


async def test_an_invitation_link_registers_into_its_group_and_a_revoked_one_is_refused(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    code = _link(await say(bot, SARA, "/invite"))

    await say(bot, NEDA, f"/start {code}")
    welcome = bot.api.messages_to(NEDA.id)
    assert "پیوند دعوت کارگروه تهران" in welcome[-2].plain()
    await press(bot, NEDA, "فارسی")
    await say(bot, NEDA, "ندا نوری")
    await press(bot, NEDA, "اتاق بازرگانی")
    # No working group question: the link chose it.
    assert "شماره تلفن" in bot.api.last_message_to(NEDA.id).plain()
    await say(bot, NEDA, "رد شدن")
    assert "کارگروه: تهران" in bot.api.last_message_to(NEDA.id).plain()
    await press(bot, NEDA, "ارسال")

    card = with_button(bot, SARA.id, "تأیید")
    assert "ندا نوری" in card.plain()
    async with bot.uow() as uow:
        neda = await uow.members.by_user(NEDA.id)
    assert neda is not None and neda.working_group == "tehran"

    listing = await say(bot, SARA, "/invites")
    assert code in listing and "سارا تهرانی" in listing and "۱ درخواست" in listing
    await press(bot, SARA, "لغو پیوند ۱")
    assert last_answer(bot, SARA) == "پیوند لغو شد."
    assert "پیوند دعوت معتبری نیست" in bot.api.last_message_to(SARA.id).plain()

    refusal = await say(bot, MINA, f"/start {code}")
    assert "لغو شده است" in refusal
    # Refused: no registration began, so a name typed now is not taken as one.
    async with bot.uow() as uow:
        assert await uow.members.by_user(MINA.id) is None
        invitation = await uow.invitations.by_code(code)
    assert invitation is not None and invitation.revoked_at is not None
    assert "معتبر نیست" in await say(bot, MINA, "/start inv_nonexistent_code")


async def test_only_the_secretariat_makes_invitation_links(bot: RunningBot) -> None:
    await given_member(bot, ALI, "tehran")
    assert "فقط از دبیر" in await say(bot, ALI, "/invite")
    assert "فقط از دبیر" in await say(bot, NEDA, "/invite")
    await say(bot, ADMIN, "/invite")
    await press(bot, ADMIN, "فارس")
    assert "کارگروه فارس" in bot.api.last_message_to(ADMIN.id).plain()


# --- a newcomer's language -------------------------------------------------------------------


async def test_a_newcomer_is_greeted_in_the_language_of_their_client(bot: RunningBot) -> None:
    await say(bot, JOHN, "/start")
    assert "Welcome to the cluster development working groups bot" in (
        bot.api.messages_to(JOHN.id)[-2].plain()
    )
    assert bot.api.last_message_to(JOHN.id).plain() == "Choose your language:"

    # A language the bot does not speak: the default.
    await say(bot, HANS, "/start")
    assert "خوش آمدید" in bot.api.messages_to(HANS.id)[-2].plain()

    # Without touching the language buttons, the English client registers in English.
    await press(bot, JOHN, "English")
    await say(bot, JOHN, "John Smith")
    await press(bot, JOHN, "Chamber of Commerce")
    await press(bot, JOHN, "Tehran")
    await say(bot, JOHN, "Skip")
    await press(bot, JOHN, "Send")
    async with bot.uow() as uow:
        john = await uow.members.by_user(JOHN.id)
    assert john is not None and john.locale == "en"


# --- /profile and the superuser --------------------------------------------------------------


async def test_the_profile_shows_the_numeric_id_to_members_and_superusers(bot: RunningBot) -> None:
    await given_member(bot, ALI, "tehran")
    assert "شناسه عددی: ۳۰۰۱" in await say(bot, ALI, "/profile")
    superuser = await say(bot, ADMIN, "/profile")
    assert "۱۰۰۱" in superuser and "ADMIN_IDS" in superuser


async def test_a_superusers_start_begins_no_registration_and_their_help_says_what_they_can_do(
    bot: RunningBot,
) -> None:
    greeting = await say(bot, ADMIN, "/start")
    assert "مدیر ربات" in greeting and "۱۰۰۱" in greeting
    # Not asked for a language, a name or anything else.
    assert "نام و نام خانوادگی" not in await say(bot, ADMIN, "Admin Person")
    help_ = await say(bot, ADMIN, "/help")
    assert "/appoint" in help_ and "/invite" in help_ and "/pending" in help_
    assert "ثبت‌نام در کارگروه" not in help_

    # To submit or vote a superuser joins like anyone else, on purpose.
    await press(bot, ADMIN, "ثبت‌نام به‌عنوان عضو کارگروه")
    assert bot.api.last_message_to(ADMIN.id).plain() == "زبان خود را انتخاب کنید:"


# --- no application is lost ------------------------------------------------------------------


async def test_an_application_nobody_can_review_is_kept_and_sent_when_the_first_superuser_starts(
    bot: RunningBot,
) -> None:
    # Fars has no secretary and no linked group; the only superuser never started the bot.
    await register(bot, MINA, name="مینا فارسی", group="فارس")
    assert "هنوز کسی نیست که بتواند آن را بررسی کند" in bot.api.last_message_to(MINA.id).plain()
    assert bot.api.messages_to(ADMIN.id) == []
    async with bot.uow() as uow:
        mina = await uow.members.by_user(MINA.id)
    assert mina is not None and mina.status is MemberStatus.PENDING

    await say(bot, ADMIN, "/start")
    card = with_button(bot, ADMIN.id, "تأیید")
    assert "مینا فارسی" in card.plain()
    assert "اکنون برای بررسی فرستاده شد" in bot.api.last_message_to(MINA.id).plain()

    await press(bot, ADMIN, "تأیید")
    assert "تأیید شد" in bot.api.last_message_to(MINA.id).plain()
    # Delivered once: a second /start sends no second card.
    await say(bot, ADMIN, "/start")
    assert len([m for m in bot.api.messages_to(ADMIN.id) if "مینا فارسی" in m.plain()]) == 1


async def test_a_kept_application_goes_to_the_group_chat_once_it_is_linked(
    bot: RunningBot,
) -> None:
    await register(bot, ALI, name="علی کریمی", group="تهران")
    assert "نگه داشته شد" in bot.api.last_message_to(ALI.id).plain()
    # The superuser links the group from the group itself, without ever writing privately.
    await say(bot, ADMIN, "/link", chat=TEHRAN_CHAT)
    await press(bot, ADMIN, "تهران", chat_id=TEHRAN_CHAT.id)
    card = with_button(bot, TEHRAN_CHAT.id, "تأیید")
    assert "علی کریمی" in card.plain()


async def test_without_superusers_the_log_says_so_and_a_kept_application_goes_out_at_restart(
    make_settings: Callable[..., Settings],
    fake_api: FakeBotAPI,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    running = await start_bot(make_settings(admin_ids=frozenset()), fake_api, clock)
    try:
        assert "ADMIN_IDS is empty" in caplog.text
        await register(running, ALI, name="علی کریمی")
        assert "نگه داشته شد" in fake_api.last_message_to(ALI.id).plain()
        # The administrator has written to the bot before becoming one.
        await say(running, ADMIN, "/date")
    finally:
        await running.stop()
        await running.app.close()

    caplog.clear()
    running = await start_bot(make_settings(), fake_api, clock)
    try:
        await fake_api.drain()
        card = with_button(running, ADMIN.id, "تأیید")
        assert "علی کریمی" in card.plain()
        assert "ADMIN_IDS is empty" not in caplog.text
    finally:
        await running.stop()
        await running.app.close()


async def test_the_log_names_a_superuser_who_cannot_be_reached_while_applications_wait(
    make_settings: Callable[..., Settings],
    fake_api: FakeBotAPI,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    running = await start_bot(make_settings(), fake_api, clock)
    try:
        await register(running, ALI, name="علی کریمی")
    finally:
        await running.stop()
        await running.app.close()
    caplog.set_level(logging.WARNING)
    running = await start_bot(make_settings(), fake_api, clock)
    try:
        assert f"superuser {ADMIN.id} cannot be reached" in caplog.text
        assert "1 application(s) wait" in caplog.text
    finally:
        await running.stop()
        await running.app.close()


# --- a member's change of agency -------------------------------------------------------------


async def asks_to_change_agency(bot: RunningBot, user: FakeUser, agency: str) -> None:
    await say(bot, user, "/profile")
    await press(bot, user, "✏️ دستگاه")
    await press(bot, user, agency)


async def agency_of(bot: RunningBot, user: FakeUser) -> str | None:
    async with bot.uow() as uow:
        member = await uow.members.by_user(user.id)
    return member.agency_code if member is not None else None


async def test_an_agency_change_waits_for_the_secretariat_who_approve_it_once(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی", agency="tpo")

    await asks_to_change_agency(bot, ALI, "سایر")
    await say(bot, ALI, "انجمن فرش دستباف")
    profile = bot.api.last_message_to(ALI.id).plain()
    assert "در انتظار تأیید دبیرخانه" in profile and "انجمن فرش دستباف" in profile
    assert await agency_of(bot, ALI) == "tpo"

    card = with_button(bot, SARA.id, "تأیید")
    assert "درخواست تغییر دستگاه" in card.plain() and "انجمن فرش دستباف" in card.plain()
    approve = card.button("تأیید")
    await press(bot, SARA, "تأیید")
    assert last_answer(bot, SARA) == "تغییر دستگاه تأیید شد."
    assert "تأیید شد" in card.plain() and card.buttons() == []
    assert "به «انجمن فرش دستباف» تأیید شد" in bot.api.last_message_to(ALI.id).plain()
    async with bot.uow() as uow:
        ali = await uow.members.by_user(ALI.id)
    assert ali is not None and (ali.agency_code, ali.agency_other) == ("other", "انجمن فرش دستباف")

    # A second press on the same (stale) card decides nothing and tells nobody again.
    told = len(bot.api.messages_to(ALI.id))
    bot.api.callback(SARA, card, approve)
    await bot.api.drain()
    assert last_answer(bot, SARA) == "درباره این درخواست پیش‌تر تصمیم گرفته شده است."
    assert len(bot.api.messages_to(ALI.id)) == told


async def test_a_secretarys_own_change_of_agency_waits_for_someone_else(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی", agency="tpo")
    await say(bot, ADMIN, "/date")  # the superuser has written to the bot

    await asks_to_change_agency(bot, SARA, "اتاق بازرگانی")

    # Sara is the group's only secretary: the card goes to the superuser, not to her.
    labels = [label for m in bot.api.messages_to(SARA.id) for label, _ in m.buttons()]
    assert not any("تأیید" in label for label in labels)
    card = with_button(bot, ADMIN.id, "تأیید")
    assert "سارا تهرانی" in card.plain()
    # Pressed by Sara herself (a forwarded card, a linked chat), it decides nothing.
    bot.api.callback(SARA, card, card.button("تأیید"))
    await bot.api.drain()
    assert "دبیر یا رئیس دیگری" in last_answer(bot, SARA)
    assert await agency_of(bot, SARA) == "tpo"

    await press(bot, ADMIN, "تأیید")
    assert last_answer(bot, ADMIN) == "تغییر دستگاه تأیید شد."
    assert await agency_of(bot, SARA) == "chamber_commerce"


async def test_a_change_nobody_could_see_reaches_a_superuser_when_he_starts_the_bot(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی", agency="tpo")
    await asks_to_change_agency(bot, SARA, "اتاق بازرگانی")
    # The superuser has never written to the bot: Telegram refuses the card.
    assert bot.api.messages_to(ADMIN.id) == []

    await say(bot, ADMIN, "/start")

    card = with_button(bot, ADMIN.id, "تأیید")
    assert "درخواست تغییر دستگاه" in card.plain() and "سارا تهرانی" in card.plain()
    await press(bot, ADMIN, "تأیید")
    assert last_answer(bot, ADMIN) == "تغییر دستگاه تأیید شد."
    # Once delivered, it is not delivered again.
    await say(bot, ADMIN, "/start")
    cards = [m for m in bot.api.messages_to(ADMIN.id) if "درخواست تغییر دستگاه" in m.plain()]
    assert len(cards) == 1


async def test_a_rejected_agency_change_leaves_the_agency_as_it_was(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", agency="tpo")
    await asks_to_change_agency(bot, ALI, "اتاق بازرگانی")
    await press(bot, SARA, "رد")
    assert last_answer(bot, SARA) == "تغییر دستگاه رد شد."
    assert "رد شد" in bot.api.last_message_to(ALI.id).plain()
    assert await agency_of(bot, ALI) == "tpo"
    assert "در انتظار" not in await say(bot, ALI, "/profile")


async def test_a_member_of_another_group_cannot_decide_an_agency_change(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, MINA, "fars", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", agency="tpo")
    await asks_to_change_agency(bot, ALI, "اتاق بازرگانی")
    card = with_button(bot, SARA.id, "تأیید")
    bot.api.callback(MINA, card, card.button("تأیید"))
    await bot.api.drain()
    assert "دبیر این کارگروه نیستید" in last_answer(bot, MINA)
    assert await agency_of(bot, ALI) == "tpo"


async def test_a_second_change_of_agency_replaces_the_first_on_the_secretarys_cards(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await given_member(bot, ALI, "tehran", agency="tpo")
    for agency in ("اتاق بازرگانی", "سایر"):
        await asks_to_change_agency(bot, ALI, agency)
    await say(bot, ALI, "انجمن فرش دستباف")

    cards = [m for m in bot.api.messages_to(SARA.id) if "درخواست تغییر دستگاه" in m.plain()]
    assert len(cards) == 2
    first, second = cards
    assert "جایگزین شد" in first.plain() and first.buttons() == []
    assert "انجمن فرش دستباف" in second.plain() and second.buttons() != []
