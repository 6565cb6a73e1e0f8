"""Vote cards as each reader sees them, and refusals that say what is true (issue 15)."""

from __future__ import annotations

from bot.domain.members import Role
from bot.domain.submissions import SubmissionStatus
from bot.ui.submissions import Review
from tests.conftest import ADMIN, ALI, SARA, RunningBot, given_member
from tests.e2e.helpers import LEILA, given_cluster, last_answer, press, say, submit_feasibility_plan


async def a_plan_put_to_the_vote(bot: RunningBot) -> None:
    await given_member(bot, SARA, "tehran", role=Role.SECRETARY, name="سارا تهرانی")
    await given_member(bot, ALI, "tehran", name="علی کریمی")
    await given_member(bot, LEILA, "tehran", name="لیلا")
    await given_cluster(bot, "خوشه مبلمان تهران")
    await say(bot, SARA, "/rules vote ۳ ۷")
    await submit_feasibility_plan(bot, ALI, "خوشه مبلمان تهران")
    await press(bot, ALI, "ارسال")


def labels(bot: RunningBot, chat_id: int) -> list[str]:
    return [label for label, _ in bot.api.last_message_to(chat_id).buttons()]


async def test_a_plain_members_vote_card_carries_the_vote_buttons_alone(bot: RunningBot) -> None:
    await a_plan_put_to_the_vote(bot)

    leila = labels(bot, LEILA.id)
    assert {"👍 موافقم", "👎 مخالفم"} <= set(leila)
    assert not [label for label in leila if "برگشت" in label]
    # The secretary votes too, and may still return the plan for revision.
    sara = labels(bot, SARA.id)
    assert "👍 موافقم" in sara and [label for label in sara if "برگشت" in label]

    # After a vote the card is edited in place; the member's copy still has no Return.
    await press(bot, LEILA, "موافقم")
    assert not [label for label in labels(bot, LEILA.id) if "برگشت" in label]
    assert [label for label in labels(bot, SARA.id) if "برگشت" in label]


async def test_a_member_pressing_a_return_button_is_told_it_is_the_secretariats(
    bot: RunningBot,
) -> None:
    await a_plan_put_to_the_vote(bot)
    # As if she saw the secretariat's copy (a linked group chat shows everyone its buttons).
    forged = Review(action="return", submission_id=1, version=1).pack()
    bot.api.callback(LEILA, bot.api.last_message_to(LEILA.id), forged)
    await bot.api.drain()

    answer = last_answer(bot, LEILA)
    assert "با دبیر و رئیس کارگروه است" in answer
    assert "کارگروه شما نیست" not in answer


async def test_a_superuser_who_is_not_a_member_is_told_only_members_vote(bot: RunningBot) -> None:
    await a_plan_put_to_the_vote(bot)
    vote = Review(action="vote_approve", submission_id=1, version=1).pack()
    bot.api.callback(ADMIN, bot.api.last_message_to(LEILA.id), vote)
    await bot.api.drain()

    answer = last_answer(bot, ADMIN)
    assert answer == "فقط اعضای تأییدشده کارگروه می‌توانند رأی بدهند."
    assert "طرح بفرستند" not in answer


async def test_a_button_newer_than_the_item_is_out_of_date_and_the_current_card_is_offered(
    bot: RunningBot,
) -> None:
    await a_plan_put_to_the_vote(bot)
    sent_before = len(bot.api.messages_to(LEILA.id))
    forged = Review(action="vote_approve", submission_id=1, version=7).pack()
    bot.api.callback(LEILA, bot.api.last_message_to(LEILA.id), forged)
    await bot.api.drain()

    answer = last_answer(bot, LEILA)
    assert "این کارت به‌روز نیست" in answer
    assert "تصمیم گرفته شده" not in answer
    offered = bot.api.messages_to(LEILA.id)[sent_before:]
    assert len(offered) == 1
    assert "طرح توجیهی" in offered[0].plain()
    assert offered[0].button("موافقم") == Review(
        action="vote_approve", submission_id=1, version=1
    ).pack()
    assert not [label for label, _ in offered[0].buttons() if "برگشت" in label]
    async with bot.uow() as uow:
        submission = await uow.submissions.get(1)
        votes = await uow.submissions.votes(1, 1)
    assert submission is not None and submission.status is SubmissionStatus.IN_REVIEW
    assert votes == []

    # The offered card works.
    await press(bot, LEILA, "موافقم")
    assert last_answer(bot, LEILA) == "رأی شما ثبت شد."
