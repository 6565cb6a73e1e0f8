"""Monitoring (F14): a cluster development agent reports the period's KPIs; members look back.

Dialogs, top to bottom (KpiForm):
    "Report now" on the scheduler's prompt, or /report [cluster name]
    -> firms -> networks -> BDSPs -> employment -> sales -> exports, each shown with the
       previous period's figure; a figure that jumps absurdly asks "are you sure?"
       (Yes keeps it, No asks the figure again)
    -> narrative -> preview (Save / Cancel)
/kpis [cluster name] -> the last reports of a cluster, with the change against the period before.

The scheduler (scheduler/reminders.py) sends the prompts, reminders and escalations, with the
texts and buttons made here.
"""

from __future__ import annotations

import datetime
from typing import Any

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain import jalali
from bot.domain import monitoring as rules
from bot.domain.clusters import Cluster, ClusterStage, name_matches, visible_groups
from bot.domain.members import Actor, InvalidInput, managed_groups
from bot.domain.monitoring import KPI_FIELDS
from bot.domain.working_groups import WORKING_GROUPS
from bot.handlers.shared import callback_message
from bot.i18n import Markup, Translator
from bot.storage.monitoring import KpiReport
from bot.storage.uow import UnitOfWork

router = Router(name="monitoring")
private = F.chat.type == ChatType.PRIVATE

MAX_CLUSTER_BUTTONS = 30
# Reports shown by /kpis: a year of quarters, or the last four months.
SHOWN_REPORTS = 4
SHOWN_NARRATIVE = 500
# Every cluster of the registry, for the scheduler's daily pass (505 were identified in 1401).
ALL_CLUSTERS = 100_000


class KpiStart(CallbackData, prefix="ks"):
    cluster_id: int
    period: str


class KpiStep(CallbackData, prefix="kn"):
    action: str  # yes | no (a jump) | save | cancel (the preview)


class KpiView(CallbackData, prefix="kv"):
    cluster_id: int


class KpiForm(StatesGroup):
    figure = State()
    jump = State()
    narrative = State()
    confirm = State()


# --- shared with the scheduler ------------------------------------------------------------------


async def is_monitored(uow: UnitOfWork, cluster: Cluster) -> bool:
    """Whether the cluster reports KPIs: its development program is running."""
    if cluster.stage is ClusterStage.DEVELOPMENT_RUNNING:
        return True
    if cluster.stage is not ClusterStage.LICENSED:
        return False
    programs = await uow.submissions.approved_programs(cluster.id)
    return rules.is_monitored(cluster.stage, bool(programs))


async def monitoring_candidates(uow: UnitOfWork) -> list[Cluster]:
    """Clusters whose stage may make them monitored; `is_monitored` decides for each."""
    clusters, _ = await uow.clusters.page(None, None, 0, ALL_CLUSTERS)
    stages = (ClusterStage.LICENSED, ClusterStage.DEVELOPMENT_RUNNING)
    return [c for c in clusters if c.stage in stages]


def period_name(t: Translator, period: str) -> Markup:
    year, month, quarter = rules.period_parts(period)
    if month is not None:
        months = jalali.FA_MONTHS if t.locale == "fa" else jalali.EN_MONTHS
        return t("monitoring.period_month", month=months[month - 1], year=year)
    return t("monitoring.period_quarter", quarter=quarter, year=year)


def number(t: Translator, value: int) -> Markup:
    """A figure with thousands separators, in the reader's digits."""
    return t.digits(rules.group_thousands(value, "٬" if t.locale == "fa" else ","))


def report_button(t: Translator, cluster_id: int, period: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("monitoring.report_now"),
        callback_data=KpiStart(cluster_id=cluster_id, period=period),
    )
    return builder.as_markup()


def notice(
    t: Translator, kind: str, cluster: Cluster, period: str, *, has_cda: bool = True
) -> Markup:
    """The scheduler's message: kind is "prompt", "reminder" or "escalation"."""
    values: dict[str, Any] = {
        "cluster": cluster.name,
        "province": t(f"working_groups.{cluster.working_group}"),
        "period": period_name(t, period),
    }
    if kind == "prompt":
        text = t("monitoring.prompt", **values)
    elif kind == "reminder":
        text = t("monitoring.reminder", **values)
    else:
        cda = cluster.cda_name if has_cda and cluster.cda_name else t("monitoring.no_cda_name")
        text = t("monitoring.escalation", cda=cda, **values)
    if not has_cda and kind != "escalation":
        text = t.join([t("monitoring.no_cda_flag", cluster=cluster.name), text])
    return text


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
    if not _open_period(callback_data.period, t.today(now)):
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    cluster = await uow.clusters.get(callback_data.cluster_id)
    refusal = await _report_refusal(uow, actor, cluster)
    if refusal is not None:
        if refusal == "not_your_cluster":
            await uow.audit.record(
                actor.user_id, "kpi.report", refusal, "cluster", callback_data.cluster_id
            )
        await query.answer(t(f"monitoring_errors.{refusal}"), show_alert=True)
        return
    assert cluster is not None
    await query.answer()
    await _start(callback_message(query), state, uow, t, cluster, callback_data.period)


def _open_period(period: str, today: datetime.date) -> bool:
    """A well-formed period that has begun: late reports are welcome, early ones are not."""
    if not rules.is_period(period):
        return False
    try:
        return rules.period_start(period) <= today
    except ValueError:
        return False


async def _report_refusal(uow: UnitOfWork, actor: Actor, cluster: Cluster | None) -> str | None:
    if cluster is None:
        return "cluster_gone"
    refusal = rules.report_refusal(actor, cluster)
    if refusal is None and not await is_monitored(uow, cluster):
        refusal = "not_monitored"
    return refusal


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
    if not actor.is_member or actor.member is None:
        await message.answer(t("errors.members_only"))
        return
    clusters = await _reportable(uow, actor)
    if command.args:
        clusters = [c for c in clusters if name_matches(c.name, command.args)]
    if not clusters:
        await message.answer(t("monitoring.nothing_to_report"))
        return
    today = t.today(now)
    if len(clusters) == 1:
        cluster = clusters[0]
        await _start(message, state, uow, t, cluster, await _current(uow, cluster, today))
        return
    builder = InlineKeyboardBuilder()
    for cluster in clusters[:MAX_CLUSTER_BUTTONS]:
        builder.button(
            text=t.plain(
                "dialog.cluster_button",
                name=cluster.name,
                province=t(f"working_groups.{cluster.working_group}"),
            ),
            callback_data=KpiStart(
                cluster_id=cluster.id, period=await _current(uow, cluster, today)
            ),
        )
    builder.adjust(1)
    await message.answer(t("monitoring.ask_cluster"), reply_markup=builder.as_markup())


async def _reportable(uow: UnitOfWork, actor: Actor) -> list[Cluster]:
    """The monitored clusters this member is the CDA of, then those of groups they run."""
    assert actor.member is not None
    found = {c.id: c for c in await uow.clusters.by_cda(actor.member.id)}
    groups = managed_groups(actor, WORKING_GROUPS)
    if groups:
        run, _ = await uow.clusters.page(groups, None, 0, ALL_CLUSTERS)
        for cluster in run:
            found.setdefault(cluster.id, cluster)
    return [
        c
        for c in found.values()
        if rules.report_refusal(actor, c) is None and await is_monitored(uow, c)
    ]


async def _current(uow: UnitOfWork, cluster: Cluster, today: datetime.date) -> str:
    schedule = await uow.reminders.schedule_of(cluster.working_group)
    return rules.current_period(today, schedule.monitoring)


async def _start(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    t: Translator,
    cluster: Cluster,
    period: str,
) -> None:
    previous = await uow.kpis.latest_before(cluster.id, period)
    existing = await uow.kpis.get(cluster.id, period)
    await state.clear()
    await state.set_state(KpiForm.figure)
    await state.update_data(
        cluster_id=cluster.id,
        cluster_name=cluster.name,
        period=period,
        previous=previous.figures if previous else None,
        previous_period=previous.period if previous else None,
        index=0,
        figures={},
    )
    lines = [t("monitoring.intro", cluster=cluster.name, period=period_name(t, period))]
    if existing is not None:
        lines.append(
            t(
                "monitoring.replaces",
                name=existing.reported_by_name,
                at=t.moment(existing.reported_at),
            )
        )
    await message.answer(t.join(lines))
    await _ask_figure(message, state, t)


# --- the figures --------------------------------------------------------------------------------


async def _question(state: FSMContext, t: Translator) -> Markup:
    data = await state.get_data()
    index = int(data["index"])
    field = KPI_FIELDS[index]
    previous = data.get("previous")
    if previous:
        before = t(
            "monitoring.previous_value",
            period=period_name(t, data["previous_period"]),
            value=number(t, int(previous[field])),
        )
    else:
        before = t("monitoring.no_previous")
    return t(
        "monitoring.ask_figure",
        number=index + 1,
        total=len(KPI_FIELDS),
        field=t(f"kpi_fields.{field}"),
        previous=before,
    )


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
    builder = InlineKeyboardBuilder()
    builder.button(text=t("monitoring.sure_yes"), callback_data=KpiStep(action="yes"))
    builder.button(text=t("monitoring.sure_no"), callback_data=KpiStep(action="no"))
    await message.answer(
        t(
            f"monitoring.jump_{reason}",
            field=t(f"kpi_fields.{field}"),
            previous=number(t, before),
            value=number(t, value),
        ),
        reply_markup=builder.as_markup(),
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
    previous = data.get("previous") or None
    lines = [
        t(
            "monitoring.preview_header",
            cluster=data["cluster_name"],
            period=period_name(t, data["period"]),
        )
    ]
    for field in KPI_FIELDS:
        before = int(previous[field]) if previous else None
        lines.append(_figure_line(t, field, int(data["figures"][field]), before))
    lines.append(t("monitoring.narrative", text=narrative))
    builder = InlineKeyboardBuilder()
    builder.button(text=t("monitoring.save"), callback_data=KpiStep(action="save"))
    builder.button(text=t("monitoring.cancel"), callback_data=KpiStep(action="cancel"))
    await message.answer(t.join(lines), reply_markup=builder.as_markup())


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
    cluster = await uow.clusters.get(int(data["cluster_id"]))
    # The CDA may have changed while the dialog was open.
    refusal = await _report_refusal(uow, actor, cluster)
    if refusal is not None or actor.member is None:
        await query.answer(t(f"monitoring_errors.{refusal or 'members_only'}"), show_alert=True)
        return
    assert cluster is not None
    await uow.kpis.save(
        cluster.id,
        data["period"],
        {f: int(v) for f, v in data["figures"].items()},
        data.get("narrative"),
        actor.member.id,
        now,
    )
    await query.answer(t("monitoring.saved_toast"))
    await callback_message(query).answer(
        t("monitoring.saved", cluster=cluster.name, period=period_name(t, data["period"]))
    )


# --- looking back: /kpis ------------------------------------------------------------------------


@router.message(Command("kpis"))
async def kpis(
    message: Message, command: CommandObject, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    """`/kpis <cluster name>`: the cluster's last reports; without a name, pick a cluster."""
    if not actor.is_member and not actor.is_superuser:
        await message.answer(t("errors.members_only"))
        return
    query = (command.args or "").strip() or None
    clusters, _ = await uow.clusters.page(visible_groups(actor), query, 0, MAX_CLUSTER_BUTTONS)
    if actor.member is not None:
        # A CDA may work for a cluster of another province.
        seen = {c.id for c in clusters}
        clusters += [
            c
            for c in await uow.clusters.by_cda(actor.member.id)
            if c.id not in seen and (query is None or name_matches(c.name, query))
        ]
    if not clusters:
        key = "monitoring.no_such_cluster" if query else "monitoring.no_clusters"
        await message.answer(t(key, query=query or ""))
        return
    if len(clusters) == 1:
        await _show(message, uow, actor, t, clusters[0].id)
        return
    builder = InlineKeyboardBuilder()
    for cluster in clusters[:MAX_CLUSTER_BUTTONS]:
        builder.button(
            text=t.plain(
                "dialog.cluster_button",
                name=cluster.name,
                province=t(f"working_groups.{cluster.working_group}"),
            ),
            callback_data=KpiView(cluster_id=cluster.id),
        )
    builder.adjust(1)
    await message.answer(t("monitoring.ask_view_cluster"), reply_markup=builder.as_markup())


@router.callback_query(KpiView.filter())
async def view_picked(
    query: CallbackQuery, callback_data: KpiView, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    await query.answer()
    await _show(callback_message(query), uow, actor, t, callback_data.cluster_id)


async def _show(
    message: Message, uow: UnitOfWork, actor: Actor, t: Translator, cluster_id: int
) -> None:
    cluster = await uow.clusters.get(cluster_id)
    refusal = "cluster_gone" if cluster is None else rules.view_refusal(actor, cluster)
    if refusal is not None:
        await message.answer(t(f"monitoring_errors.{refusal}"))
        return
    assert cluster is not None
    history = await uow.kpis.history(cluster.id)
    if not history:
        await message.answer(t("monitoring.no_reports", cluster=cluster.name))
        return
    lines = [
        t(
            "monitoring.table_header",
            cluster=cluster.name,
            province=t(f"working_groups.{cluster.working_group}"),
            count=len(history),
        )
    ]
    for i, report in enumerate(history[:SHOWN_REPORTS]):
        before = history[i + 1] if i + 1 < len(history) else None
        lines.append("")
        lines.extend(_report_lines(t, report, before))
    latest = history[0]
    if latest.narrative:
        text = latest.narrative
        if len(text) > SHOWN_NARRATIVE:
            text = text[:SHOWN_NARRATIVE] + "…"
        lines += ["", t("monitoring.narrative", text=text)]
    await message.answer(t.join(lines))


def _report_lines(t: Translator, report: KpiReport, before: KpiReport | None) -> list[Markup]:
    lines = [
        t(
            "monitoring.table_period",
            period=period_name(t, report.period),
            name=report.reported_by_name,
            at=t.moment(report.reported_at),
        )
    ]
    for field in KPI_FIELDS:
        previous = before.figures[field] if before else None
        lines.append(_figure_line(t, field, report.figures[field], previous))
    return lines


def _figure_line(t: Translator, field: str, value: int, previous: int | None) -> Markup:
    return t(
        "monitoring.figure_line",
        field=t(f"kpi_fields.{field}"),
        value=number(t, value),
        change=_change(t, previous, value),
    )


def _change(t: Translator, previous: int | None, value: int) -> Markup:
    if previous is None:
        return Markup("")
    percent = rules.change_percent(previous, value)
    if percent is None:
        return t("monitoring.change_new") if value else Markup("")
    if percent > 0:
        return t("monitoring.change_up", percent=percent)
    if percent < 0:
        return t("monitoring.change_down", percent=-percent)
    return t("monitoring.change_none")
