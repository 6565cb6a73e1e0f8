"""/my: a member's own submissions, and "Revise and resubmit" on a returned one."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain import submissions as rules
from bot.domain.members import Actor
from bot.domain.submissions import SubmissionRefusal, SubmissionStatus
from bot.handlers.shared import callback_message
from bot.handlers.submissions.steps import ask_title
from bot.i18n import Translator
from bot.storage.uow import UnitOfWork
from bot.ui import submissions as ui

router = Router(name="submissions.mine")


@router.message(Command("my"))
async def my_submissions(message: Message, uow: UnitOfWork, actor: Actor, t: Translator) -> None:
    if actor.member is None:
        await message.answer(t("errors.register_first"))
        return
    mine = await uow.submissions.by_author(actor.member.id)
    if not mine:
        await message.answer(t("my.none"))
        return
    await message.answer(t("my.header", count=len(mine)))
    for submission in mine[: ui.MY_LINES]:
        text, markup = ui.my_line(t, submission)
        await message.answer(text, reply_markup=markup)


@router.callback_query(ui.SubmissionView.filter(F.action == "resubmit"))
async def resubmit(
    query: CallbackQuery,
    callback_data: ui.SubmissionView,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    submission = await uow.submissions.get(callback_data.submission_id)
    refusal = (
        SubmissionRefusal.SUBMISSION_GONE
        if submission is None
        else rules.author_refusal(actor, submission.author_member_id)
    )
    if (
        refusal is None
        and submission is not None
        and submission.status is not SubmissionStatus.RETURNED
    ):
        refusal = SubmissionRefusal.NOT_RETURNED
    if refusal is not None:
        await query.answer(t(f"submission_refusals.{refusal}"), show_alert=True)
        return
    assert submission is not None
    await query.answer()
    items = await uow.submissions.items(submission.id)
    await state.clear()
    # The same dialog as a first submission, with every answer there to keep.
    await state.update_data(
        kind=submission.kind.value,
        cluster_id=submission.cluster_id,
        cluster_name=submission.cluster_name,
        program_id=submission.program_id,
        title=submission.title,
        summary=submission.summary,
        criteria=submission.details.get("criteria"),
        targets=submission.details.get("targets"),
        budget=submission.budget_million_rials,
        duration=submission.duration_months,
        items=[[i.agency_code, i.action] for i in items],
        resubmit_of=submission.id,
        version=submission.version,
    )
    await ask_title(callback_message(query), state, t)
