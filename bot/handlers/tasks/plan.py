"""/plan: every activity of a plan template becomes a task of one cluster at once.

/plan -> template -> cluster -> project start date -> confirm
"""

from __future__ import annotations

import datetime

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.domain import jalali
from bot.domain.members import Actor, managed_groups
from bot.domain.working_groups import WORKING_GROUPS
from bot.handlers.shared import callback_message, date_error
from bot.i18n import Catalogs, Translator
from bot.services import tasks as service
from bot.storage.uow import UnitOfWork
from bot.ui.tasks import (
    PlanPick,
    clusters_keyboard,
    plan_confirm_keyboard,
    plan_done_text,
    tell_plan_assignees,
    templates_keyboard,
)

router = Router(name="tasks.plan")
private = F.chat.type == ChatType.PRIVATE


class PlanForm(StatesGroup):
    template = State()
    cluster = State()
    start = State()
    confirm = State()


@router.message(Command("plan"), private)
async def plan(
    message: Message, state: FSMContext, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    if not managed_groups(actor, WORKING_GROUPS):
        await message.answer(t("errors.secretaries_only"))
        return
    await state.clear()
    markup = templates_keyboard(t, await service.templates(uow))
    await state.set_state(PlanForm.template)
    await message.answer(t("tasks.ask_template"), reply_markup=markup)


@router.callback_query(PlanForm.template, PlanPick.filter(F.field == "template"))
async def plan_template(
    query: CallbackQuery,
    callback_data: PlanPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    await query.answer()
    await state.update_data(template=callback_data.value)
    clusters = await service.manageable_clusters(uow, actor)
    await state.set_state(PlanForm.cluster)
    await callback_message(query).answer(
        t("dialog.ask_cluster"), reply_markup=clusters_keyboard(t, clusters)
    )


@router.callback_query(PlanForm.cluster, PlanPick.filter(F.field == "cluster"))
async def plan_cluster(
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
    await state.update_data(cluster_id=cluster.id, cluster_name=cluster.name)
    await state.set_state(PlanForm.start)
    await callback_message(query).answer(t("tasks.ask_start"))


@router.message(PlanForm.start, F.text)
async def plan_start(
    message: Message, state: FSMContext, uow: UnitOfWork, t: Translator, now: datetime.datetime
) -> None:
    try:
        start = jalali.parse_date(message.text or "", t.today(now))
    except jalali.DateParseError as error:
        await message.answer(date_error(t, error))
        return
    data = await state.update_data(start=start.isoformat())
    template = await service.template(uow, data["template"])
    if template is None:
        await state.clear()
        await message.answer(t("task_refusals.template_gone"))
        return
    await state.set_state(PlanForm.confirm)
    await message.answer(
        t(
            "tasks.plan_preview",
            template=template.name,
            cluster=data["cluster_name"],
            start=t.date(start, long=True),
            count=len(template.items),
        ),
        reply_markup=plan_confirm_keyboard(t),
    )


@router.callback_query(PlanForm.confirm, PlanPick.filter(F.field == "confirm"))
async def plan_confirm(
    query: CallbackQuery,
    callback_data: PlanPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    t: Translator,
    now: datetime.datetime,
) -> None:
    data = await state.get_data()
    await state.clear()
    await query.answer()
    if callback_data.value != "yes":
        await callback_message(query).answer(t("dialog.cancelled"))
        return
    template = await service.template(uow, data["template"])
    if template is None:
        await callback_message(query).answer(t("task_refusals.template_gone"))
        return
    result, made = await service.instantiate(
        uow,
        actor,
        template,
        int(data["cluster_id"]),
        datetime.date.fromisoformat(data["start"]),
        now,
    )
    if made is None:
        await callback_message(query).answer(t(f"task_refusals.{result}"))
        return
    await tell_plan_assignees(uow, catalogs, made.tasks, data["cluster_name"], now)
    await callback_message(query).answer(
        plan_done_text(t, made.created, data["cluster_name"], made.flagged)
    )
