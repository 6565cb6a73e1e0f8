"""The working group's report: /report group (also /report کارگروه, /report status).

/report alone stays what it was: filing a cluster's monitoring figures (handlers/monitoring.py).
With one of the words in GROUP_WORDS it is the secretariat's report upward instead:
    -> the period (Jalali presets, or a custom range typed as two dates)
    -> the status report as text, with buttons for KPIs and targets, charts, and the workbook
    -> charts: a chooser (funnel, overdue by agency, provinces for the country, a KPI's trend
       -> the KPI -> the cluster), each chart a photo with its caption
/targets [cluster name] -> the cluster -> the horizon (program's end, this year, next year)
    -> six numbers in one message.
While something is being built the chat shows that the bot is working; a long workbook export
edits a progress message as it goes.
"""

from __future__ import annotations

import asyncio
import datetime
from typing import TYPE_CHECKING

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction, ChatType
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.domain import reports as rules
from bot.domain.clusters import Cluster, name_matches
from bot.domain.jalali import DateParseError, jalali_parts
from bot.domain.members import Actor, managed_groups
from bot.domain.monitoring import KPI_FIELDS
from bot.domain.reports import Preset, ReportPeriod
from bot.domain.text import InvalidInput
from bot.domain.working_groups import WORKING_GROUPS
from bot.handlers.shared import callback_message, date_error
from bot.i18n import Translator
from bot.services import reports as service
from bot.storage.uow import UnitOfWork
from bot.ui import charts
from bot.ui import reports as view
from bot.ui.builder import InlineKeyboardBuilder

if TYPE_CHECKING:
    from matplotlib.figure import Figure

router = Router(name="reports")
private = F.chat.type == ChatType.PRIVATE

# What follows /report to ask for the working group's report rather than to file KPIs.
GROUP_WORDS = frozenset({"group", "status", "کارگروه", "وضعیت", "گزارش"})
MAX_CLUSTER_BUTTONS = 30
ALL_CLUSTERS = 100_000


class ReportForm(StatesGroup):
    range = State()
    targets = State()


class TargetPick(CallbackData, prefix="tg"):
    cluster_id: int
    horizon: str  # "" until chosen


def _scope_name(t: Translator, groups: tuple[str, ...] | None) -> str:
    if groups is None:
        return view.group_name(t, service.COUNTRY)
    return view.group_name(t, "+".join(groups))


@router.message(Command("report", magic=F.args.func(lambda a: (a or "").strip() in GROUP_WORDS)))
async def ask_period(message: Message, actor: Actor, t: Translator) -> None:
    scope = service.report_scope(actor)
    if scope == ():
        await message.answer(t("report_errors.not_allowed"))
        return
    await message.answer(
        t("reports.ask_period", scope=_scope_name(t, scope)), reply_markup=view.presets_keyboard(t)
    )


@router.callback_query(view.ReportPick.filter())
async def picked(
    query: CallbackQuery,
    callback_data: view.ReportPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
    bot: Bot,
) -> None:
    scope = service.report_scope(actor)
    if scope == () or callback_data.preset not in Preset._value2member_map_:
        await query.answer(t("report_errors.not_allowed"), show_alert=True)
        return
    await query.answer()
    message = callback_message(query)
    if callback_data.preset == Preset.CUSTOM.value:
        await state.set_state(ReportForm.range)
        await message.answer(t("reports.ask_range"))
        return
    period = rules.preset_period(callback_data.preset, t.today(now))
    await _send_report(message, bot, uow, t, scope, period, now)


@router.message(ReportForm.range, F.text)
async def typed_range(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
    bot: Bot,
) -> None:
    scope = service.report_scope(actor)
    if scope == ():
        await state.clear()
        await message.answer(t("report_errors.not_allowed"))
        return
    try:
        period = rules.parse_range(message.text or "", t.today(now))
    except InvalidInput as refused:
        await message.answer(t(f"report_errors.{refused.reason}"))
        return
    except DateParseError as error:
        await message.answer(date_error(t, error))
        return
    await state.clear()
    await _send_report(message, bot, uow, t, scope, period, now)


async def _send_report(
    message: Message,
    bot: Bot,
    uow: UnitOfWork,
    t: Translator,
    scope: tuple[str, ...] | None,
    period: ReportPeriod,
    now: datetime.datetime,
) -> None:
    await bot.send_chat_action(message.chat.id, ChatAction.TYPING)
    report = await service.status_report(uow, scope, period, now)
    parts = view.status_text(t, report)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        await message.answer(part, reply_markup=view.more_keyboard(t, period) if last else None)


@router.callback_query(view.ReportMore.filter())
async def more(
    query: CallbackQuery,
    callback_data: view.ReportMore,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
    bot: Bot,
) -> None:
    scope = service.report_scope(actor)
    if scope == ():
        await query.answer(t("report_errors.not_allowed"), show_alert=True)
        return
    period = _period(callback_data)
    if period is None:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    chat_id = callback_message(query).chat.id
    scope_name = _scope_name(t, scope)
    if callback_data.what == "kpis":
        await bot.send_chat_action(chat_id, ChatAction.TYPING)
        table = await service.kpi_table(uow, scope, now)
        for part in view.kpi_text(t, table):
            await bot.send_message(chat_id, part)
    elif callback_data.what == "charts":
        await bot.send_message(
            chat_id,
            t("reports.charts_ask", scope=scope_name, period=view.period_line(t, period)),
            reply_markup=view.charts_keyboard(t, period, country=scope is None),
        )
    elif callback_data.what == "workbook":
        await bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
        await _send_workbook(bot, chat_id, uow, t, scope, scope_name, period, now)


def _period(data: view.ReportMore | view.ReportChart) -> ReportPeriod | None:
    """The period a button was made for, or None for a button from an older version."""
    try:
        return ReportPeriod(
            Preset(data.preset),
            datetime.date.fromisoformat(data.start),
            datetime.date.fromisoformat(data.end),
        )
    except ValueError:
        return None


@router.callback_query(view.ReportChart.filter())
async def chart(
    query: CallbackQuery,
    callback_data: view.ReportChart,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
    bot: Bot,
) -> None:
    scope = service.report_scope(actor)
    if scope == ():
        await query.answer(t("report_errors.not_allowed"), show_alert=True)
        return
    period = _period(callback_data)
    chosen = callback_data.chart
    trend = chosen == "trend"
    if (
        period is None
        or chosen not in view.CHARTS
        or (chosen == "provinces" and scope is not None)
        or (trend and callback_data.field not in ("", *KPI_FIELDS))
    ):
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    chat_id = callback_message(query).chat.id
    if trend and not callback_data.field:
        await bot.send_message(
            chat_id,
            t("reports.charts_ask_field"),
            reply_markup=view.trend_fields_keyboard(t, period),
        )
        return
    scope_name = _scope_name(t, scope)
    figure: Figure | None
    if trend:
        field = callback_data.field
        # The table of the asker's own scope: a cluster id from elsewhere is simply not in it.
        followed = view.trend_clusters(await service.kpi_table(uow, scope, now))
        if callback_data.cluster:
            followed = [c for c in followed if c.cluster_id == callback_data.cluster]
        elif len(followed) > 1:
            await bot.send_message(
                chat_id,
                t("reports.charts_ask_cluster", field=t(f"kpi_fields.{field}")),
                reply_markup=view.trend_clusters_keyboard(t, period, field, followed),
            )
            return
        figure = charts.kpi_trend(t, followed[0], field) if followed else None
    else:
        await bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
        report = await service.status_report(uow, scope, period, now)
        figure = charts.of_report(t, chosen, report, scope_name)
    if figure is None:
        await bot.send_message(chat_id, t("reports.no_chart_data"))
        return
    await bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
    title = charts.title(figure)
    # Rasterising takes a moment; a worker thread keeps the bot answering meanwhile.
    image = await asyncio.to_thread(charts.png, figure)
    await bot.send_photo(
        chat_id,
        BufferedInputFile(image, filename=f"report-{chosen}.png"),
        caption=t("reports.chart_caption", title=title, period=view.period_line(t, period)),
    )


async def _send_workbook(
    bot: Bot,
    chat_id: int,
    uow: UnitOfWork,
    t: Translator,
    scope: tuple[str, ...] | None,
    scope_name: str,
    period: ReportPeriod,
    now: datetime.datetime,
) -> None:
    report = await service.status_report(uow, scope, period, now)
    table = await service.kpi_table(uow, scope, now)
    note: Message | None = None

    async def progress(done: int, total: int) -> None:
        nonlocal note
        text = t(
            "reports.workbook_progress", done=view.number(t, done), total=view.number(t, total)
        )
        if note is None:
            note = await bot.send_message(chat_id, text)
        else:
            await bot.edit_message_text(text, chat_id=chat_id, message_id=note.message_id)
        await bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)

    # Imported here: the workbook's writer needs openpyxl and lxml, which most processes
    # never load (see tests/unit/test_lean_start.py).
    from bot.ui import workbook

    data = await workbook.build_workbook(t, uow.reports, report, table, scope, progress)
    period_text = view.period_line(t, period)
    await bot.send_document(
        chat_id,
        BufferedInputFile(
            data, filename=f"report-{period.start.isoformat()}-{period.end.isoformat()}.xlsx"
        ),
        caption=t("reports.workbook_caption", scope=scope_name, period=period_text),
    )


# --- KPI targets: /targets --------------------------------------------------------------------


@router.message(Command("targets"), private)
async def targets(
    message: Message, command: CommandObject, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    groups = managed_groups(actor, WORKING_GROUPS)
    clusters: list[Cluster] = []
    if groups:
        clusters, _ = await uow.clusters.page(groups, None, 0, ALL_CLUSTERS)
    if command.args:
        clusters = [c for c in clusters if name_matches(c.name, command.args)]
    if not clusters:
        await message.answer(t("reports.targets_no_clusters"))
        return
    builder = InlineKeyboardBuilder()
    for cluster in clusters[:MAX_CLUSTER_BUTTONS]:
        builder.button(
            text=t.plain(
                "dialog.cluster_button",
                name=cluster.name,
                province=t(f"working_groups.{cluster.working_group}"),
            ),
            callback_data=TargetPick(cluster_id=cluster.id, horizon=""),
        )
    builder.adjust(1)
    await message.answer(t("reports.targets_ask_cluster"), reply_markup=builder.as_markup())


@router.callback_query(TargetPick.filter())
async def target_pick(
    query: CallbackQuery,
    callback_data: TargetPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    cluster = await uow.clusters.get(callback_data.cluster_id)
    if cluster is None or cluster.working_group not in managed_groups(actor, WORKING_GROUPS):
        await query.answer(t("report_errors.not_allowed"), show_alert=True)
        return
    await query.answer()
    message = callback_message(query)
    if not callback_data.horizon:
        year = jalali_parts(t.today(now))[0]
        builder = InlineKeyboardBuilder()
        builder.button(
            text=t.plain("reports.targets_horizon_end"),
            callback_data=TargetPick(cluster_id=cluster.id, horizon=rules.PROGRAM_END),
        )
        for y in (year, year + 1):
            builder.button(
                text=t.plain("reports.targets_horizon_year", year=y),
                callback_data=TargetPick(cluster_id=cluster.id, horizon=str(y)),
            )
        builder.adjust(1)
        await message.answer(
            t("reports.targets_ask_horizon", cluster=cluster.name), reply_markup=builder.as_markup()
        )
        return
    try:
        rules.check_horizon(callback_data.horizon)
    except ValueError:
        await message.answer(t("errors.stale_button"))
        return
    await state.set_state(ReportForm.targets)
    await state.update_data(cluster_id=cluster.id, horizon=callback_data.horizon)
    await message.answer(t("reports.targets_ask_values", fields=view.fields_prompt(t)))


@router.message(ReportForm.targets, F.text)
async def typed_targets(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    data = await state.get_data()
    try:
        values = rules.parse_targets(message.text or "")
    except rules.TargetsRefused as refused:
        await message.answer(view.targets_refusal(t, refused))
        return
    outcome = await service.set_targets(
        uow, actor, int(data["cluster_id"]), str(data["horizon"]), values, now
    )
    await state.clear()
    if outcome != "done":
        await message.answer(t("report_errors.not_allowed"))
        return
    cluster = await uow.clusters.get(int(data["cluster_id"]))
    horizon = str(data["horizon"])
    horizon_text = (
        t("reports.horizon_end")
        if horizon == rules.PROGRAM_END
        else t("reports.horizon_year", year=int(horizon))
    )
    await message.answer(
        t("reports.targets_saved", cluster=cluster.name if cluster else "", horizon=horizon_text)
    )
