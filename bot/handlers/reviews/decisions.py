"""Decisions and votes pressed on a submission's card; Return and Reject ask for a comment first
(ReviewComment), typed as a reply to the prompt. Also the periodic closing of votes past
their deadline, told to everyone as a press would be.
"""

from __future__ import annotations

import datetime

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ForceReply, Message

from bot.config import Settings
from bot.domain import submissions as rules
from bot.domain.members import Actor
from bot.domain.submissions import (
    Decision,
    Submission,
    SubmissionRefusal,
    Vote,
)
from bot.domain.text import InvalidInput
from bot.handlers.shared import callback_message
from bot.i18n import Catalogs, Translator
from bot.services import submissions as service
from bot.storage.uow import UnitOfWork
from bot.ui import submissions as ui
from bot.ui.submissions import CardPrinter, Review

router = Router(name="reviews.decisions")


class ReviewComment(StatesGroup):
    comment = State()


# --- decisions -----------------------------------------------------------------------------------


@router.callback_query(Review.filter(F.action == "approve"))
async def approve(
    query: CallbackQuery,
    callback_data: Review,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    outcome = await service.decide(
        uow, actor, callback_data.submission_id, callback_data.version, Decision.APPROVE, None, now
    )
    await _report(query, outcome, uow, actor, catalogs, settings, t, now)


@router.callback_query(Review.filter(F.action.in_({"return", "reject"})))
async def ask_comment(
    query: CallbackQuery,
    callback_data: Review,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    submission = await uow.submissions.get(callback_data.submission_id)
    refusal = (
        SubmissionRefusal.SUBMISSION_GONE
        if submission is None
        else rules.pressed_card_refusal(submission.state, callback_data.version)
    )
    if refusal is None and submission is not None:
        refusal = rules.review_refusal(actor, submission.state, submission.cluster_group)
        if refusal is SubmissionRefusal.NOT_YOUR_STAGE:
            await uow.audit.record(
                actor.user_id,
                f"submission.{callback_data.action}",
                refusal,
                "submission",
                submission.id,
            )
    if refusal is not None:
        await _refuse(query, refusal, submission, uow, actor, catalogs, settings, t, now)
        return
    assert submission is not None
    await state.set_state(ReviewComment.comment)
    await state.update_data(
        submission_id=submission.id, version=submission.version, decision=callback_data.action
    )
    await query.answer()
    await callback_message(query).answer(
        t(f"reviews.ask_{callback_data.action}_comment", title=submission.title),
        reply_markup=ForceReply(selective=True),
    )


@router.message(ReviewComment.comment, F.text)
async def comment_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        comment = rules.clean_comment(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"submission_errors.{error.reason}"))
        return
    data = await state.get_data()
    await state.clear()
    outcome = await service.decide(
        uow,
        actor,
        int(data["submission_id"]),
        int(data["version"]),
        Decision(data["decision"]),
        comment,
        now,
    )
    if not outcome.done:
        await message.answer(await ui.refusal_text(uow, t, outcome.result, outcome.submission))
        return
    await ui.announce_outcome(outcome, uow, catalogs, settings, now, comment)
    await message.answer(t(f"reviews.done_{outcome.result}"))


@router.callback_query(Review.filter(F.action.startswith("vote_")))
async def vote(
    query: CallbackQuery,
    callback_data: Review,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        choice = Vote(callback_data.action.removeprefix("vote_"))
    except ValueError:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    outcome = await service.vote(
        uow, actor, callback_data.submission_id, callback_data.version, choice, now
    )
    await _report(query, outcome, uow, actor, catalogs, settings, t, now)


async def _refuse(
    query: CallbackQuery,
    refusal: str,
    submission: Submission | None,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    """Say why the press did nothing; under a card that is out of date, post the current one."""
    await query.answer(await ui.refusal_text(uow, t, refusal, submission), show_alert=True)
    if refusal is SubmissionRefusal.CARD_OUT_OF_DATE and submission is not None:
        message = callback_message(query)
        may_decide = ui.decides_in(actor, submission, private_chat=message.chat.type == "private")
        text, markup = await CardPrinter(uow, catalogs, settings, now).card(
            t, submission, may_decide=may_decide
        )
        sent = await message.answer(text, reply_markup=markup)
        # Like any copy, the decision updates it.
        await uow.cards.add(
            ui.card_subject(submission.stage_index),
            submission.id,
            sent.chat.id,
            sent.message_id,
            t.locale,
        )


async def _report(
    query: CallbackQuery,
    outcome: service.Outcome,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    """Answer the press, then queue what the outcome means for everyone else."""
    if not outcome.done:
        refusal = outcome.result
        await _refuse(query, refusal, outcome.submission, uow, actor, catalogs, settings, t, now)
        return
    await query.answer(t(f"reviews.done_{outcome.result}"))
    await ui.announce_outcome(outcome, uow, catalogs, settings, now, None)


async def close_expired_votes(
    uow: UnitOfWork, catalogs: Catalogs, settings: Settings, now: datetime.datetime
) -> int:
    """Decide votes whose deadline passed with a majority, and tell everyone as a press would.

    Run periodically by the application (bot/app.py), not by an update.
    """
    outcomes = await service.close_expired_votes(uow, now)
    for outcome in outcomes:
        await ui.announce_outcome(outcome, uow, catalogs, settings, now, None)
    return len([o for o in outcomes if o.done])
