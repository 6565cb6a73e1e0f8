"""Following a submission: its card, full text, attachments, timeline and license; the author's
withdrawal; and agencies acknowledging their part of a support package.
"""

from __future__ import annotations

import datetime

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery

from bot.config import Settings
from bot.domain.members import Actor
from bot.domain.submissions import (
    AcknowledgeResult,
    ApprovalEffect,
    Submission,
)
from bot.handlers.shared import answer_long, callback_message, send_files
from bot.i18n import Catalogs, Translator
from bot.services import submissions as service
from bot.storage.uow import UnitOfWork
from bot.ui import submissions as ui
from bot.ui.submissions import CardPrinter, PackageAck, SubmissionView, card_subject

router = Router(name="reviews.views")


async def _followed(
    query: CallbackQuery, uow: UnitOfWork, actor: Actor, t: Translator, submission_id: int
) -> Submission | None:
    submission = await uow.submissions.get(submission_id)
    if submission is None or not service.can_follow(actor, submission):
        await query.answer(t("submission_refusals.not_yours_to_see"), show_alert=True)
        return None
    await query.answer()
    return submission


@router.callback_query(SubmissionView.filter(F.action == "card"))
async def show_card(
    query: CallbackQuery,
    callback_data: SubmissionView,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    submission = await _followed(query, uow, actor, t, callback_data.submission_id)
    if submission is None:
        return
    message = callback_message(query)
    may_decide = ui.decides_in(actor, submission, private_chat=message.chat.type == "private")
    text, markup = await CardPrinter(uow, catalogs, settings, now).card(
        t, submission, may_decide=may_decide
    )
    sent = await message.answer(text, reply_markup=markup)
    # Remember this copy too, so the decision updates it like the others.
    await uow.cards.add(
        card_subject(submission.stage_index), submission.id, sent.chat.id, sent.message_id, t.locale
    )


@router.callback_query(SubmissionView.filter(F.action == "details"))
async def details(
    query: CallbackQuery,
    callback_data: SubmissionView,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    submission = await _followed(query, uow, actor, t, callback_data.submission_id)
    if submission is None:
        return
    items = await uow.submissions.items(submission.id)
    await answer_long(callback_message(query), ui.details_text(t, submission, items))


@router.callback_query(SubmissionView.filter(F.action == "files"))
async def files(
    query: CallbackQuery,
    callback_data: SubmissionView,
    bot: Bot,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    submission = await _followed(query, uow, actor, t, callback_data.submission_id)
    if submission is None:
        return
    attachments = await uow.submissions.attachments(submission.id)
    if not attachments:
        await callback_message(query).answer(t("reviews.no_files"))
        return
    await send_files(
        bot, callback_message(query), t, [(a.file_id, a.file_name) for a in attachments]
    )


@router.callback_query(SubmissionView.filter(F.action == "timeline"))
async def timeline(
    query: CallbackQuery,
    callback_data: SubmissionView,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    submission = await _followed(query, uow, actor, t, callback_data.submission_id)
    if submission is None:
        return
    events = await uow.submissions.events(submission.id)
    await answer_long(callback_message(query), ui.timeline_text(t, submission, events))


@router.callback_query(SubmissionView.filter(F.action == "license"))
async def show_license(
    query: CallbackQuery,
    callback_data: SubmissionView,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    submission = await _followed(query, uow, actor, t, callback_data.submission_id)
    if submission is None:
        return
    license_ = await uow.submissions.license_of(submission.id)
    if license_ is None or submission.spec.on_approval is not ApprovalEffect.LICENSE_CLUSTER:
        await callback_message(query).answer(t("license.none"))
        return
    await callback_message(query).answer(ui.license_text(t, submission, license_))


@router.callback_query(SubmissionView.filter(F.action == "withdraw"))
async def withdraw(
    query: CallbackQuery,
    callback_data: SubmissionView,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    outcome = await service.withdraw(uow, actor, callback_data.submission_id, now)
    if not outcome.done or outcome.submission is None:
        await query.answer(
            await ui.refusal_text(uow, t, outcome.result, outcome.submission), show_alert=True
        )
        return
    await query.answer(t("reviews.done_withdrawn"))
    await CardPrinter(uow, catalogs, settings, now).queue_card_updates(outcome.submission)


# --- agencies acknowledge their part of a support package ----------------------------------------


@router.callback_query(PackageAck.filter())
async def acknowledge(
    query: CallbackQuery,
    callback_data: PackageAck,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    result, item = await service.acknowledge(uow, actor, callback_data.item_id, now)
    if result is not AcknowledgeResult.ACKNOWLEDGED or item is None:
        await query.answer(t(f"package.{result}"), show_alert=True)
        return
    await query.answer(t("package.acknowledged"))
    message = callback_message(query)
    await message.edit_text(
        (message.html_text if message.text else "")
        + "\n\n"
        + t("package.acknowledged_by", name=actor.display_name, at=t.moment(now)),
        reply_markup=None,
    )
