"""A member looks after their own profile and language; groups see only their own members."""

from __future__ import annotations

from bot.domain.members import Role
from bot.ui.keyboards import GroupPick
from tests.conftest import ADMIN, ALI, JOHN, MINA, SARA, RunningBot, given_member
from tests.e2e.helpers import last_answer, press, register, say, with_button
from tests.fakebot import FakeUser


async def test_a_member_edits_name_and_phone_from_the_profile_card(
    bot: RunningBot,
) -> None:
    # A change of agency waits for the secretariat: tests/e2e/test_people.py.
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    card = await say(bot, ALI, "/profile")
    assert "علی کریمی" in card and "ثبت نشده" in card

    await press(bot, ALI, "✏️ نام")
    assert "علی کریمی زاده" in await _after(bot, ALI, "علی کریمی زاده")

    await press(bot, ALI, "✏️ تلفن")
    assert "معتبر نیست" in await say(bot, ALI, "تلفن ندارم")
    assert "+۹۸۹۳۵۱۱۱۲۲۳۳" in await _after(bot, ALI, "09351112233")

    async with bot.uow() as uow:
        ali = await uow.members.by_user(ALI.id)
    assert ali is not None
    assert (ali.full_name, ali.agency_code, ali.agency_other, ali.phone) == (
        "علی کریمی زاده",
        "tpo",
        None,
        "+989351112233",
    )


async def _after(bot: RunningBot, user: FakeUser, text: str) -> str:
    """Send text and return the profile card shown after saving."""
    await say(bot, user, text)
    return bot.api.last_message_to(user.id).plain()


async def test_a_member_switches_to_english_and_the_bot_answers_in_english(
    bot: RunningBot,
) -> None:
    await given_member(bot, ALI, "tehran")
    await say(bot, ALI, "/language")
    await press(bot, ALI, "English")
    assert last_answer(bot, ALI) == "The bot now speaks English."
    assert "Your profile" in await say(bot, ALI, "/profile")
    assert "Members" in await say(bot, ALI, "/help")


async def test_a_visitor_choice_of_language_carries_into_registration(bot: RunningBot) -> None:
    await say(bot, JOHN, "/language")
    await press(bot, JOHN, "English")
    assert "You are not a member yet" in await say(bot, JOHN, "/profile")


async def test_members_see_their_own_group_and_a_forged_pick_of_another_is_refused(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, MINA, "fars", name="مینا فارسی")

    listing = await say(bot, MINA, "/members")
    assert "مینا فارسی" in listing and "سارا تهرانی" not in listing

    message = bot.api.last_message_to(MINA.id)
    bot.api.callback(MINA, message, GroupPick(purpose="mem", code="tehran").pack())
    await bot.api.drain()
    assert last_answer(bot, MINA) == "این کارگروه شما نیست."
    assert not any("سارا تهرانی" in m.plain() for m in bot.api.messages_to(MINA.id))


async def test_a_superuser_picks_any_working_group_to_see_its_members(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", name="سارا تهرانی")
    await say(bot, ADMIN, "/members")
    await press(bot, ADMIN, "تهران")
    assert "سارا تهرانی" in bot.api.last_message_to(ADMIN.id).plain()


async def test_a_pending_applicant_correcting_the_name_updates_the_card_the_secretary_sees(
    bot: RunningBot,
) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY)
    await register(bot, ALI, name="علی کریمى")
    card = with_button(bot, SARA.id, "تأیید")

    await say(bot, ALI, "/profile")
    await press(bot, ALI, "✏️ نام")
    await say(bot, ALI, "علی کریمی‌نژاد")

    assert "علی کریمی‌نژاد" in card.plain()
    assert card.buttons() != []
