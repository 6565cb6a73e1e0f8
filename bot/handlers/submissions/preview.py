"""The submit dialog's preview: Send (a first submission or a resubmission), Edit, Cancel."""

from __future__ import annotations

import datetime
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.config import Settings
from bot.domain.members import Actor
from bot.domain.submissions import DialogStep, stage_group
from bot.handlers.shared import callback_message
from bot.handlers.submissions.steps import (
    SubmissionForm,
    ask_title,
    content,
    items,
    kind_of,
    spec_of,
)
from bot.i18n import Catalogs, Translator
from bot.services import submissions as service
from bot.storage.uow import UnitOfWork
from bot.ui import submissions as ui

router = Router(name="submissions.preview")


def _draft(data: dict[str, Any]) -> service.Draft:
    spec = spec_of(data)
    return service.Draft(
        kind=kind_of(data),
        cluster_id=int(data["cluster_id"]),
        program_id=data.get("program_id"),
        content=content(data),
        items=items(data) if spec.asks(DialogStep.ITEMS) else [],
        attachments=[service.NewAttachment(**f) for f in data.get("files") or []],
    )


@router.callback_query(SubmissionForm.confirm, ui.Step.filter(F.action == "edit"))
async def edit(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await ask_title(callback_message(query), state, t)


@router.callback_query(SubmissionForm.confirm, ui.Step.filter(F.action == "cancel"))
async def cancel(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await query.answer()
    await callback_message(query).answer(t("dialog.cancelled"))


@router.callback_query(SubmissionForm.confirm, ui.Step.filter(F.action == "send"))
async def send(
    query: CallbackQuery,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    data = await state.get_data()
    draft = _draft(data)
    if data.get("resubmit_of"):
        outcome = await service.resubmit(
            uow, actor, int(data["resubmit_of"]), int(data["version"]), draft, now
        )
    else:
        outcome = await service.submit(uow, actor, draft, now)
    await state.clear()
    if not outcome.done or outcome.submission is None:
        await query.answer(t(f"submission_refusals.{outcome.result}"), show_alert=True)
        return
    await query.answer()
    submission = outcome.submission
    printer = ui.CardPrinter(uow, catalogs, settings, now)
    if outcome.result == "resubmitted":
        await printer.queue_card_updates(submission)
    await printer.queue_review_cards(submission)
    group = stage_group(submission)
    await callback_message(query).answer(
        t(f"dialog.{outcome.result}", number=submission.id, group=t(f"working_groups.{group}"))
    )
