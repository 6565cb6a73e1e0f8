"""The secretariat's buttons on a task card: change the due date, the title, the details
(the assignees are told, folded), reassign (pick members, Save; whoever stays keeps their
share and the newcomers are told), cancel with a reason and reopen (the assignees are told).

The members picker here is shared with /task_new and with meeting decisions.
"""

from __future__ import annotations

import datetime

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.domain import tasks as rules
from bot.domain.members import Actor, InvalidInput
from bot.handlers.shared import callback_message, read_due_date
from bot.handlers.tasks.card import TaskForm, show_card
from bot.i18n import Catalogs, Translator
from bot.services import tasks as service
from bot.storage.uow import UnitOfWork
from bot.ui.task_cards import announce
from bot.ui.tasks import MemberToggle, TaskAct, members_keyboard

router = Router(name="tasks.editing")


@router.message(TaskForm.due, F.text)
async def due_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    due_on = await read_due_date(message, t, now)
    if due_on is None:
        return
    task_id = int((await state.get_data())["task_id"])
    await state.clear()
    outcome = await service.change_due(uow, actor, task_id, due_on, now)
    await _answer_managed(message, uow, catalogs, settings, "due", outcome, actor, t, now)


@router.message(TaskForm.title, F.text)
async def title_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    await _edit_typed(message, state, uow, actor, catalogs, settings, t, now, "title")


@router.message(TaskForm.details, F.text)
async def details_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    await _edit_typed(message, state, uow, actor, catalogs, settings, t, now, "description")


# The field a secretary retypes, and the domain check its text must pass.
_EDITABLE = {"title": rules.clean_task_title, "description": rules.clean_task_details}


async def _edit_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
    field: str,
) -> None:
    try:
        value = _EDITABLE[field](message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"task_errors.{error.reason}"))
        return
    task_id = int((await state.get_data())["task_id"])
    await state.clear()
    outcome = await service.edit(uow, actor, task_id, now, **{field: value})
    await _answer_managed(message, uow, catalogs, settings, "edit", outcome, actor, t, now)


async def _answer_managed(
    message: Message,
    uow: UnitOfWork,
    catalogs: Catalogs,
    settings: Settings,
    action: str,
    outcome: service.TaskOutcome,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    if outcome.result != "done" or outcome.task is None:
        await message.answer(t(f"task_refusals.{outcome.result}"))
        return
    await announce(uow, catalogs, settings, actor, action, outcome, now)
    await message.answer(t("tasks.saved"))
    await show_card(message, uow, t, outcome.task, actor, t.today(now))


@router.callback_query(TaskAct.filter(F.action == "reassign"))
async def reassign_start(
    query: CallbackQuery,
    callback_data: TaskAct,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    outcome = await service.managed_task(uow, actor, callback_data.task_id, "reassign")
    task = outcome.task
    if outcome.result != "done" or task is None:
        await query.answer(t(f"task_refusals.{outcome.result}"), show_alert=True)
        return
    await query.answer()
    await state.set_state(TaskForm.members)
    await state.update_data(
        task_id=task.id, group=task.working_group, chosen=sorted(task.assignee_ids)
    )
    await members_picker(
        callback_message(query), uow, t, task.working_group, set(task.assignee_ids)
    )


async def members_picker(
    message: Message,
    uow: UnitOfWork,
    t: Translator,
    group: str,
    chosen: set[int],
    *,
    edit: bool = False,
) -> None:
    """Show (or redraw) the picker of the group's approved members, `chosen` ticked."""
    markup = members_keyboard(t, await service.assignable_members(uow, group), chosen)
    text = t("tasks.ask_members", count=len(chosen))
    if edit:
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramAPIError:
            pass
    await message.answer(text, reply_markup=markup)


async def member_toggled(
    query: CallbackQuery,
    callback_data: MemberToggle,
    state: FSMContext,
    uow: UnitOfWork,
    t: Translator,
) -> None:
    """A tap on a member in the picker; every dialog that uses the picker registers this."""
    data = await state.get_data()
    chosen = set(data.get("chosen") or [])
    chosen ^= {callback_data.member_id}
    await state.update_data(chosen=sorted(chosen))
    await query.answer()
    await members_picker(callback_message(query), uow, t, data["group"], chosen, edit=True)


router.callback_query(TaskForm.members, MemberToggle.filter(F.member_id != 0))(member_toggled)


@router.callback_query(TaskForm.members, MemberToggle.filter(F.member_id == 0))
async def reassign_save(
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
    await state.clear()
    outcome = await service.reassign(
        uow, actor, int(data["task_id"]), list(data.get("chosen") or []), now
    )
    if outcome.result != "done" or outcome.task is None:
        await query.answer(t(f"task_refusals.{outcome.result}"), show_alert=True)
        return
    await query.answer(t("tasks.saved"))
    await announce(uow, catalogs, settings, actor, "reassign", outcome, now)
    await show_card(callback_message(query), uow, t, outcome.task, actor, t.today(now))


@router.message(TaskForm.cancel_reason, F.text)
async def cancel_reason_typed(
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
        reason = rules.clean_cancel_reason(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"task_errors.{error.reason}"))
        return
    task_id = int((await state.get_data())["task_id"])
    await state.clear()
    outcome = await service.cancel(uow, actor, task_id, reason, now)
    if outcome.result != "done" or outcome.task is None:
        await message.answer(t(f"task_refusals.{outcome.result}"))
        return
    await announce(uow, catalogs, settings, actor, "cancel", outcome, now, note=reason)
    await message.answer(t("tasks.cancelled"))
    await show_card(message, uow, t, outcome.task, actor, t.today(now))


@router.callback_query(TaskAct.filter(F.action == "reopen"))
async def reopen(
    query: CallbackQuery,
    callback_data: TaskAct,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    outcome = await service.reopen(uow, actor, callback_data.task_id, now)
    if outcome.result != "done" or outcome.task is None:
        await query.answer(t(f"task_refusals.{outcome.result}"), show_alert=True)
        return
    await query.answer(t("tasks.reopened"))
    await announce(uow, catalogs, settings, actor, "reopen", outcome, now)
    await show_card(callback_message(query), uow, t, outcome.task, actor, t.today(now))
