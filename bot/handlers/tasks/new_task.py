"""/task_new: the secretariat writes a task by hand.

/task_new -> cluster -> title -> details (or skip) -> due date (or skip) -> members, Save
"""

from __future__ import annotations

import datetime
from typing import Any

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.domain import tasks as rules
from bot.domain.members import Actor, InvalidInput, managed_groups
from bot.domain.working_groups import WORKING_GROUPS
from bot.handlers.shared import callback_message, read_due_date
from bot.handlers.tasks.card import show_card
from bot.handlers.tasks.editing import member_toggled, members_picker
from bot.i18n import Catalogs, Translator
from bot.services import tasks as service
from bot.storage.uow import UnitOfWork
from bot.ui.tasks import (
    MemberToggle,
    PlanPick,
    clusters_keyboard,
    skip_keyboard,
    tell_assignees,
)

router = Router(name="tasks.new_task")
private = F.chat.type == ChatType.PRIVATE


class NewTaskForm(StatesGroup):
    cluster = State()
    title = State()
    details = State()
    due = State()
    members = State()


@router.message(Command("task_new"), private)
async def new_task(
    message: Message, state: FSMContext, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    if not managed_groups(actor, WORKING_GROUPS):
        await message.answer(t("errors.secretaries_only"))
        return
    await state.clear()
    clusters = await service.manageable_clusters(uow, actor)
    if not clusters:
        await message.answer(t("tasks.no_clusters"))
        return
    await state.set_state(NewTaskForm.cluster)
    await message.answer(t("dialog.ask_cluster"), reply_markup=clusters_keyboard(t, clusters))


@router.callback_query(NewTaskForm.cluster, PlanPick.filter(F.field == "cluster"))
async def new_task_cluster(
    query: CallbackQuery,
    callback_data: PlanPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    refusal, cluster = await service.managed_cluster(uow, actor, int(callback_data.value))
    if refusal is not None or cluster is None:
        await query.answer(t(f"task_refusals.{refusal}"), show_alert=True)
        return
    await query.answer()
    await state.update_data(cluster_id=cluster.id, group=cluster.working_group, chosen=[])
    await state.set_state(NewTaskForm.title)
    await callback_message(query).answer(t("tasks.ask_title"))


@router.message(NewTaskForm.title, F.text)
async def new_task_title(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        title = rules.clean_task_title(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"task_errors.{error.reason}"))
        return
    await state.update_data(title=title)
    await state.set_state(NewTaskForm.details)
    await message.answer(t("tasks.ask_details"), reply_markup=skip_keyboard(t))


@router.message(NewTaskForm.details, F.text)
async def new_task_details(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        details = rules.clean_task_details(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"task_errors.{error.reason}"))
        return
    await state.update_data(details=details)
    await _ask_new_due(message, state, t)


@router.callback_query(NewTaskForm.details, PlanPick.filter(F.field == "skip"))
async def new_task_no_details(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await _ask_new_due(callback_message(query), state, t)


async def _ask_new_due(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(NewTaskForm.due)
    await message.answer(t("tasks.ask_due"), reply_markup=skip_keyboard(t))


@router.message(NewTaskForm.due, F.text)
async def new_task_due(
    message: Message, state: FSMContext, uow: UnitOfWork, t: Translator, now: datetime.datetime
) -> None:
    due_on = await read_due_date(message, t, now)
    if due_on is None:
        return
    data = await state.update_data(due=due_on.isoformat())
    await state.set_state(NewTaskForm.members)
    await members_picker(message, uow, t, data["group"], set())


@router.callback_query(NewTaskForm.due, PlanPick.filter(F.field == "skip"))
async def new_task_no_due(
    query: CallbackQuery, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    await query.answer()
    data = await state.get_data()
    await state.set_state(NewTaskForm.members)
    await members_picker(callback_message(query), uow, t, data["group"], set())


router.callback_query(NewTaskForm.members, MemberToggle.filter(F.member_id != 0))(member_toggled)


@router.callback_query(NewTaskForm.members, MemberToggle.filter(F.member_id == 0))
async def new_task_save(
    query: CallbackQuery,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    t: Translator,
    now: datetime.datetime,
) -> None:
    data: dict[str, Any] = await state.get_data()
    await state.clear()
    outcome = await service.create_task(
        uow,
        actor,
        cluster_id=int(data["cluster_id"]),
        title=data["title"],
        description=data.get("details"),
        due_on=datetime.date.fromisoformat(data["due"]) if data.get("due") else None,
        assignee_ids=list(data.get("chosen") or []),
        now=now,
    )
    if outcome.result != "done" or outcome.task is None:
        await query.answer(t(f"task_refusals.{outcome.result}"), show_alert=True)
        return
    await query.answer(t("tasks.saved"))
    await tell_assignees(uow, catalogs, outcome.task, now)
    await show_card(callback_message(query), uow, t, outcome.task, actor, t.today(now))
