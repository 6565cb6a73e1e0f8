"""The task card: showing it, refusing who may not see it, and the buttons that ask for
typed input (evidence, a block reason, a comment, a due date, a title, details).

Dialogs:
    card -> Done -> evidence (a file, or Done without one)        reports.py
    card -> Blocked -> reason (the secretariat is told)            reports.py
    card -> Comment -> text                                        notes.py
    card -> Change due date / Edit title / Edit details -> text    editing.py
    card -> Cancel -> reason (the assignees are told); Reopen       editing.py
"""

from __future__ import annotations

import datetime

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.domain.members import Actor
from bot.domain.tasks import Task
from bot.handlers.shared import callback_message
from bot.i18n import Translator
from bot.services import tasks as service
from bot.storage.uow import UnitOfWork
from bot.ui.task_cards import post_card
from bot.ui.tasks import TaskAct, done_keyboard

router = Router(name="tasks.card")


class TaskForm(StatesGroup):
    evidence = State()
    block_reason = State()
    comment = State()
    due = State()
    title = State()
    details = State()
    members = State()
    cancel_reason = State()


_STATES = {
    "done": TaskForm.evidence,
    "block": TaskForm.block_reason,
    "comment": TaskForm.comment,
    "due": TaskForm.due,
    "title": TaskForm.title,
    "details": TaskForm.details,
    "cancel": TaskForm.cancel_reason,
}


async def show_card(
    message: Message,
    uow: UnitOfWork,
    t: Translator,
    task: Task,
    actor: Actor,
    today: datetime.date,
) -> None:
    await post_card(message, uow, t, task, actor, today)


async def visible(
    query: CallbackQuery, uow: UnitOfWork, actor: Actor, t: Translator, task_id: int
) -> Task | None:
    """The task if this person may see it; otherwise they are told why and get None."""
    outcome = await service.visible_task(uow, actor, task_id)
    if outcome.result != "done":
        await query.answer(t(f"task_refusals.{outcome.result}"), show_alert=True)
        return None
    await query.answer()
    return outcome.task


@router.callback_query(TaskAct.filter(F.action.in_(set(_STATES))))
async def ask_input(
    query: CallbackQuery,
    callback_data: TaskAct,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    action = callback_data.action
    refusal = await service.input_refusal(uow, actor, callback_data.task_id, action)
    if refusal is not None:
        await query.answer(t(f"task_refusals.{refusal}"), show_alert=True)
        return
    await query.answer()
    await state.set_state(_STATES[action])
    await state.update_data(task_id=callback_data.task_id)
    markup = done_keyboard(t, callback_data.task_id) if action == "done" else None
    await callback_message(query).answer(t(f"tasks.ask_{action}"), reply_markup=markup)
