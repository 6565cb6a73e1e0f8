"""What anyone who sees a task card may do: comment, read the history, get the evidence."""

from __future__ import annotations

import datetime

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.domain import tasks as rules
from bot.domain.members import Actor, InvalidInput
from bot.handlers.shared import answer_long, callback_message, send_files
from bot.handlers.tasks.card import TaskForm
from bot.i18n import Catalogs, Translator
from bot.services import tasks as service
from bot.storage.uow import UnitOfWork
from bot.ui.task_cards import announce
from bot.ui.tasks import TaskAct, history_text

router = Router(name="tasks.notes")


@router.message(TaskForm.comment, F.text)
async def commented(
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
        text = rules.clean_task_comment(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"task_errors.{error.reason}"))
        return
    task_id = int((await state.get_data())["task_id"])
    await state.clear()
    outcome = await service.comment(uow, actor, task_id, text, now)
    await announce(uow, catalogs, settings, actor, "comment", outcome, now)
    await message.answer(
        t("tasks.commented") if outcome.result == "done" else t(f"task_refusals.{outcome.result}")
    )


@router.callback_query(TaskAct.filter(F.action == "history"))
async def history(
    query: CallbackQuery, callback_data: TaskAct, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    outcome, events = await service.history(uow, actor, callback_data.task_id)
    if outcome.result != "done" or outcome.task is None:
        await query.answer(t(f"task_refusals.{outcome.result}"), show_alert=True)
        return
    await query.answer()
    await answer_long(callback_message(query), history_text(t, outcome.task, events))


@router.callback_query(TaskAct.filter(F.action == "files"))
async def files(
    query: CallbackQuery,
    callback_data: TaskAct,
    bot: Bot,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    outcome, attached = await service.evidence(uow, actor, callback_data.task_id)
    if outcome.result != "done":
        await query.answer(t(f"task_refusals.{outcome.result}"), show_alert=True)
        return
    await query.answer()
    if not attached:
        await callback_message(query).answer(t("tasks.no_files"))
        return
    await send_files(bot, callback_message(query), t, [(f.file_id, f.file_name) for f in attached])
