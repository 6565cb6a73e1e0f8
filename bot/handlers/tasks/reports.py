"""An assignee's reports from the task card: start, +25%, done (with or without evidence) and
blocked (the secretariat is told). When the last assignee reports done, the secretariat hears
that the task is complete."""

from __future__ import annotations

import datetime

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.domain import tasks as rules
from bot.domain.members import Actor, InvalidInput
from bot.domain.submissions import attachment_refusal
from bot.domain.tasks import Report
from bot.handlers.shared import callback_message, incoming_file
from bot.handlers.tasks.card import TaskForm, show_card
from bot.i18n import Catalogs, Translator
from bot.services import tasks as service
from bot.storage.uow import UnitOfWork
from bot.ui.task_cards import announce
from bot.ui.tasks import TaskAct

router = Router(name="tasks.reports")


@router.callback_query(TaskAct.filter(F.action.in_({"start", "progress"})))
async def start_or_progress(
    query: CallbackQuery,
    callback_data: TaskAct,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    action = callback_data.action
    outcome = await service.report(uow, actor, callback_data.task_id, Report(action), now)
    await _after_report(query, action, outcome, uow, actor, catalogs, settings, t, now)


@router.callback_query(TaskForm.evidence, TaskAct.filter(F.action == "done_now"))
async def done_without_file(
    query: CallbackQuery,
    callback_data: TaskAct,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    await state.clear()
    outcome = await service.report(uow, actor, callback_data.task_id, Report.DONE, now)
    await _after_report(query, "done", outcome, uow, actor, catalogs, settings, t, now)


@router.message(TaskForm.evidence, F.document | F.photo)
async def done_with_file(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    file = incoming_file(message)
    refusal = attachment_refusal(file.file_name, file.mime_type or None, file.size or None)
    if refusal is not None:
        await message.answer(t(f"submission_errors.{refusal}", name=file.file_name or "-"))
        return
    task_id = int((await state.get_data())["task_id"])
    await state.clear()
    evidence = await service.add_evidence(uow, actor, task_id, file, now)
    if evidence.result != "done":
        await message.answer(t(f"task_refusals.{evidence.result}"))
        return
    outcome = await service.report(uow, actor, task_id, Report.DONE, now, comment=file.file_name)
    await _after_report(message, "done", outcome, uow, actor, catalogs, settings, t, now)


@router.message(TaskForm.block_reason, F.text)
async def blocked(
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
        reason = rules.clean_block_reason(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"task_errors.{error.reason}"))
        return
    task_id = int((await state.get_data())["task_id"])
    await state.clear()
    outcome = await service.report(uow, actor, task_id, Report.BLOCK, now, comment=reason)
    await _after_report(
        message, "blocked", outcome, uow, actor, catalogs, settings, t, now, note=reason
    )


async def _after_report(
    event: CallbackQuery | Message,
    action: str,
    outcome: service.TaskOutcome,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
    *,
    note: str | None = None,
) -> None:
    if outcome.result != "done" or outcome.task is None:
        text = t(f"task_refusals.{outcome.result}")
        if isinstance(event, CallbackQuery):
            await event.answer(text, show_alert=True)
        else:
            await event.answer(text)
        return
    message = callback_message(event) if isinstance(event, CallbackQuery) else event
    if isinstance(event, CallbackQuery):
        await event.answer(t("tasks.reported"))
    await announce(uow, catalogs, settings, actor, action, outcome, now, note=note)
    await show_card(message, uow, t, outcome.task, actor, t.today(now))
