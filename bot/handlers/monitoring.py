"""Monitoring (F14): a cluster development agent reports the period's KPIs; members look back.

Dialogs, top to bottom (KpiForm):
    "Report now" on the scheduler's prompt, or /report [cluster name]
    -> firms -> networks -> BDSPs -> employment -> sales -> exports, each shown with the
       previous period's figure; a figure that jumps absurdly asks "are you sure?"
       (Yes keeps it, No asks the figure again)
    -> narrative -> preview (Save / Cancel)
/kpis [cluster name] -> the last reports of a cluster, with the change against the period before.

The use cases are in bot/services/monitoring.py, the texts and buttons in bot/ui/monitoring.py
(the scheduler's prompts, reminders and escalations too).
"""

from __future__ import annotations

import datetime

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.domain import monitoring as rules
from bot.domain.members import Actor, InvalidInput
from bot.domain.monitoring import KPI_FIELDS
from bot.handlers.shared import callback_message
from bot.i18n import Markup, Translator
from bot.services import monitoring as service
from bot.services.monitoring import ReportStart
from bot.storage.uow import UnitOfWork
from bot.ui import monitoring as ui
from bot.ui.monitoring import MAX_CLUSTER_BUTTONS, KpiStart, KpiStep, KpiView

router = Router(name="monitoring")
private = F.chat.type == ChatType.PRIVATE


class KpiForm(StatesGroup):
    figure = State()
    jump = State()
    narrative = State()
    confirm = State()


# --- starting: the prompt's button and /report --------------------------------------------------


@router.callback_query(KpiStart.filter())
async def start_from_button(
    query: CallbackQuery,
    callback_data: KpiStart,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    started = await service.open_report(
        uow, actor, callback_data.cluster_id, callback_data.period, t.today(now)
    )
    if started.stale:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    if started.refusal is not None:
        await query.answer(t(f"monitoring_errors.{started.refusal}"), show_alert=True)
        return
    await query.answer()
    await _start(callback_message(query), state, t, started)


@router.message(Command("report"), private)
async def report(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    """`/report` for the current period of the clusters I report for; `/report <name>` narrows."""
    if not service.may_report_any(actor):
        await message.answer(t("errors.members_only"))
        return
    clusters = service.matching(await service.reportable(uow, actor, t.today(now)), command.args)
    if not clusters:
        await message.answer(t("monitoring.nothing_to_report"))
        return
    if len(clusters) == 1:
        only = clusters[0]
        await _start(message, state, t, await service.start(uow, only.cluster, only.period))
        return
    await message.answer(
        t("monitoring.ask_cluster"),
        reply_markup=ui.report_clusters_keyboard(t, [(r.cluster, r.period) for r in clusters]),
    )


async def _start(message: Message, state: FSMContext, t: Translator, started: ReportStart) -> None:
    assert started.cluster is not None
    previous = started.previous
    await state.clear()
    await state.set_state(KpiForm.figure)
    await state.update_data(
        cluster_id=started.cluster.id,
        cluster_name=started.cluster.name,
        period=started.period,
        previous=previous.figures if previous else None,
        previous_period=previous.period if previous else None,
        index=0,
        figures={},
    )
    await message.answer(ui.intro(t, started.cluster, started.period, started.existing))
    await _ask_figure(message, state, t)


# --- the figures --------------------------------------------------------------------------------


async def _question(state: FSMContext, t: Translator) -> Markup:
    data = await state.get_data()
    return ui.question(t, int(data["index"]), data.get("previous"), data.get("previous_period"))


async def _ask_figure(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(KpiForm.figure)
    await message.answer(await _question(state, t))


@router.message(KpiForm.figure, F.text)
async def figure_typed(message: Message, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    field = KPI_FIELDS[int(data["index"])]
    try:
        value = rules.parse_figure(message.text or "", field)
    except InvalidInput as error:
        await message.answer(
            t.join([t(f"monitoring_errors.{error.reason}"), await _question(state, t)])
        )
        return
    previous = data.get("previous")
    before = int(previous[field]) if previous else None
    reason = rules.jump_warning(field, before, value)
    if reason is None:
        await _accept(message, state, t, value)
        return
    assert before is not None
    await state.update_data(pending=value)
    await state.set_state(KpiForm.jump)
    await message.answer(
        ui.jump_question(t, reason, field, before, value), reply_markup=ui.jump_keyboard(t)
    )


@router.callback_query(KpiForm.jump, KpiStep.filter(F.action == "yes"))
async def jump_confirmed(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    value = (await state.get_data()).get("pending")
    if value is None:
        await _ask_figure(callback_message(query), state, t)
        return
    await _accept(callback_message(query), state, t, int(value))


@router.callback_query(KpiForm.jump, KpiStep.filter(F.action == "no"))
async def jump_refused(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await state.update_data(pending=None)
    await _ask_figure(callback_message(query), state, t)


async def _accept(message: Message, state: FSMContext, t: Translator, value: int) -> None:
    data = await state.get_data()
    index = int(data["index"])
    figures = dict(data.get("figures") or {})
    figures[KPI_FIELDS[index]] = value
    await state.update_data(figures=figures, index=index + 1, pending=None)
    if index + 1 < len(KPI_FIELDS):
        await _ask_figure(message, state, t)
        return
    await state.set_state(KpiForm.narrative)
    await message.answer(t("monitoring.ask_narrative"))


# --- narrative, preview, save -------------------------------------------------------------------


@router.message(KpiForm.narrative, F.text)
async def narrative_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        narrative = rules.clean_narrative(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"monitoring_errors.{error.reason}"))
        return
    data = await state.update_data(narrative=narrative)
    await state.set_state(KpiForm.confirm)
    await message.answer(
        ui.preview(
            t,
            data["cluster_name"],
            data["period"],
            data["figures"],
            data.get("previous") or None,
            narrative,
        ),
        reply_markup=ui.preview_keyboard(t),
    )


@router.callback_query(KpiForm.confirm, KpiStep.filter(F.action == "cancel"))
async def cancelled(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await query.answer()
    await callback_message(query).answer(t("monitoring.cancelled"))


@router.callback_query(KpiForm.confirm, KpiStep.filter(F.action == "save"))
async def save(
    query: CallbackQuery,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    data = await state.get_data()
    await state.clear()
    outcome = await service.submit_report(
        uow,
        actor,
        cluster_id=int(data["cluster_id"]),
        period=data["period"],
        figures=data["figures"],
        narrative=data.get("narrative"),
        now=now,
    )
    if outcome.refusal is not None or outcome.cluster is None:
        await query.answer(t(f"monitoring_errors.{outcome.refusal}"), show_alert=True)
        return
    await query.answer(t("monitoring.saved_toast"))
    await callback_message(query).answer(
        t(
            "monitoring.saved",
            cluster=outcome.cluster.name,
            period=ui.period_name(t, data["period"]),
        )
    )


# --- looking back: /kpis ------------------------------------------------------------------------


@router.message(Command("kpis"))
async def kpis(
    message: Message, command: CommandObject, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    """`/kpis <cluster name>`: the cluster's last reports; without a name, pick a cluster."""
    if not service.may_view_any(actor):
        await message.answer(t("errors.members_only"))
        return
    query = (command.args or "").strip() or None
    clusters = await service.viewable(uow, actor, query, MAX_CLUSTER_BUTTONS)
    if not clusters:
        key = "monitoring.no_such_cluster" if query else "monitoring.no_clusters"
        await message.answer(t(key, query=query or ""))
        return
    if len(clusters) == 1:
        await _show(message, uow, actor, t, clusters[0].id)
        return
    await message.answer(
        t("monitoring.ask_view_cluster"), reply_markup=ui.view_clusters_keyboard(t, clusters)
    )


@router.callback_query(KpiView.filter())
async def view_picked(
    query: CallbackQuery, callback_data: KpiView, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    await query.answer()
    await _show(callback_message(query), uow, actor, t, callback_data.cluster_id)


async def _show(
    message: Message, uow: UnitOfWork, actor: Actor, t: Translator, cluster_id: int
) -> None:
    found = await service.history(uow, actor, cluster_id)
    if found.refusal is not None or found.cluster is None:
        await message.answer(t(f"monitoring_errors.{found.refusal}"))
        return
    if not found.reports:
        await message.answer(t("monitoring.no_reports", cluster=found.cluster.name))
        return
    await message.answer(ui.history_table(t, found.cluster, found.reports))
