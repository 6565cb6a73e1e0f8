"""The task matrix and the task file: /matrix, /tasks_export, /tasks_import.

Dialogs, top to bottom:
    /matrix [name] -> cluster -> the matrix as text, and as an .xlsx (matrix + task list)
    /tasks_export -> an .xlsx of every task of the groups the secretary manages
    /tasks_import -> an .xlsx or .csv file -> every bad line at once, or created/updated counts
"""

from __future__ import annotations

import datetime

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain import jalali
from bot.domain.clusters import visible_groups
from bot.domain.members import Actor, managed_groups
from bot.domain.task_table import COLUMNS, TableError, TableErrors
from bot.domain.tasks import TaskStatus
from bot.domain.working_groups import WORKING_GROUPS
from bot.handlers.shared import callback_message
from bot.i18n import Markup, Translator
from bot.services import task_table as service
from bot.storage.uow import UnitOfWork

router = Router(name="task_reports")
private = F.chat.type == ChatType.PRIVATE

# Enough lines to fix a file in one go, few enough for one message.
SHOWN_ERRORS = 40


class MatrixPick(CallbackData, prefix="mx"):
    cluster_id: int


class ImportForm(StatesGroup):
    file = State()


def _stamp(today: datetime.date) -> str:
    year, month, day = jalali.jalali_parts(today)
    return f"{year:04d}-{month:02d}-{day:02d}"


def _headers(t: Translator) -> list[str]:
    return [str(t(f"task_columns.{c}")) for c in COLUMNS]


# --- the matrix -----------------------------------------------------------------------------------


@router.message(Command("matrix"))
async def matrix(
    message: Message,
    command: CommandObject,
    bot: Bot,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    if not actor.is_member and not actor.is_superuser:
        await message.answer(t("errors.members_only"))
        return
    query = (command.args or "").strip() or None
    clusters, _ = await uow.clusters.page(visible_groups(actor), query, 0, 40)
    if not clusters:
        await message.answer(t("task_reports.no_clusters"))
        return
    if query and len(clusters) == 1:
        await _send_matrix(message, bot, uow, actor, t, now, clusters[0].id)
        return
    builder = InlineKeyboardBuilder()
    for c in clusters:
        builder.button(
            text=t.plain(
                "dialog.cluster_button",
                name=c.name,
                province=t(f"working_groups.{c.working_group}"),
            ),
            callback_data=MatrixPick(cluster_id=c.id),
        )
    builder.adjust(1)
    await message.answer(t("task_reports.ask_cluster"), reply_markup=builder.as_markup())


@router.callback_query(MatrixPick.filter())
async def matrix_picked(
    query: CallbackQuery,
    callback_data: MatrixPick,
    bot: Bot,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    await query.answer()
    await _send_matrix(callback_message(query), bot, uow, actor, t, now, callback_data.cluster_id)


def _counts(t: Translator, key: str, agency: str, row: dict[TaskStatus, int], late: int) -> Markup:
    return t(
        key,
        agency=agency,
        todo=row[TaskStatus.TODO],
        in_progress=row[TaskStatus.IN_PROGRESS],
        blocked=row[TaskStatus.BLOCKED],
        done=row[TaskStatus.DONE],
        cancelled=row[TaskStatus.CANCELLED],
        overdue=late,
        total=sum(row.values()),
    )


def _agency(t: Translator, code: str) -> Markup:
    return t(f"agencies.{code}") if code else t("tasks.no_agency")


async def _send_matrix(
    message: Message,
    bot: Bot,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
    cluster_id: int,
) -> None:
    today = t.today(now)
    result, report = await service.cluster_matrix(uow, actor, cluster_id, today)
    if report is None:
        if result == "cluster_gone":
            await message.answer(t("task_refusals.cluster_gone"))
        else:
            await message.answer(t("task_reports.not_your_cluster"))
        return
    cluster = report.cluster
    if not report.task_count:
        await message.answer(t("task_reports.matrix_empty", cluster=cluster.name))
        return
    lines = [
        t(
            "task_reports.matrix_header",
            cluster=cluster.name,
            province=t(f"working_groups.{cluster.working_group}"),
            count=report.task_count,
        ),
        t("task_reports.matrix_legend"),
        "",
    ]
    for code, row in report.counts.items():
        lines.append(
            _counts(t, "task_reports.matrix_line", _agency(t, code), row, report.overdue[code])
        )
    lines.append(_counts(t, "task_reports.matrix_total", "", report.totals, report.total_overdue))
    lines.append(t("task_reports.matrix_note"))
    await message.answer(t.join(lines))

    statuses = list(TaskStatus)
    sheet: list[list[str | int | None]] = [
        [
            str(t("task_reports.agency_column")),
            *[str(t(f"task_statuses.{s.value}")) for s in statuses],
            str(t("task_reports.overdue_column")),
            str(t("task_reports.total_column")),
        ]
    ]
    for code, row in report.counts.items():
        sheet.append(
            [
                str(_agency(t, code)),
                *[row[s] for s in statuses],
                report.overdue[code],
                sum(row.values()),
            ]
        )
    sheet.append(
        [
            str(t("task_reports.total_row")),
            *[report.totals[s] for s in statuses],
            report.total_overdue,
            report.task_count,
        ]
    )
    data = service.workbook(
        [
            (str(t("task_reports.sheet_matrix")), sheet),
            (str(t("task_reports.sheet_tasks")), [_headers(t), *report.rows]),
        ],
        rtl=t.locale == "fa",
    )
    await bot.send_document(
        message.chat.id,
        BufferedInputFile(data, filename=f"matrix-{cluster.id}-{_stamp(today)}.xlsx"),
        caption=t("task_reports.matrix_caption", cluster=cluster.name, date=t.date(today)),
    )


# --- export ---------------------------------------------------------------------------------------


@router.message(Command("tasks_export"), private)
async def export(
    message: Message,
    bot: Bot,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    groups = managed_groups(actor, WORKING_GROUPS)
    if not groups:
        await uow.audit.record(actor.user_id, "tasks.export", "secretaries_only")
        await message.answer(t("errors.secretaries_only"))
        return
    today = t.today(now)
    rows = await service.export_rows(uow, actor, None if actor.is_superuser else groups, None)
    data = service.workbook(
        [(str(t("task_reports.sheet_tasks")), [_headers(t), *rows])], rtl=t.locale == "fa"
    )
    await bot.send_document(
        message.chat.id,
        BufferedInputFile(data, filename=f"tasks-{_stamp(today)}.xlsx"),
        caption=t("task_reports.export_caption", count=len(rows), date=t.date(today)),
    )


# --- import ---------------------------------------------------------------------------------------


@router.message(Command("tasks_import"), private)
async def ask_file(
    message: Message, state: FSMContext, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    if not managed_groups(actor, WORKING_GROUPS):
        await uow.audit.record(actor.user_id, "tasks.import", "secretaries_only")
        await message.answer(t("errors.secretaries_only"))
        return
    await state.clear()
    await state.set_state(ImportForm.file)
    await message.answer(t("task_reports.ask_file"))


@router.message(ImportForm.file, F.document)
async def file_sent(
    message: Message,
    state: FSMContext,
    bot: Bot,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    document = message.document
    assert document is not None
    name = document.file_name or "-"
    refusal = service.file_refusal(document.file_name, document.file_size)
    if refusal == "too_big":
        await message.answer(t("task_reports.too_big", name=name))
        return
    if refusal is not None:
        await message.answer(t("task_reports.wrong_type", name=name))
        return
    if not managed_groups(actor, WORKING_GROUPS):
        await state.clear()
        await message.answer(t("errors.secretaries_only"))
        return
    kind = service.file_kind(document.file_name)
    assert kind is not None
    downloaded = await bot.download(document)
    assert downloaded is not None
    try:
        header, rows = service.read_table(downloaded.read(), kind)
    except service.UnreadableFile:
        await message.answer(t("task_reports.unreadable", name=name))
        return
    try:
        created, updated = await service.import_table(uow, actor, header, rows, now, t.today(now))
    except TableErrors as failed:
        # Nothing of this file may stay, even what was written before a late failure.
        await uow.rollback()
        await uow.audit.record(
            actor.user_id, "tasks.import", "invalid", details={"errors": len(failed.errors)}
        )
        await message.answer(_errors_text(t, failed.errors))
        return
    await state.clear()
    await message.answer(t("task_reports.imported", created=created, updated=updated))


@router.message(ImportForm.file)
async def not_a_file(message: Message, t: Translator) -> None:
    await message.answer(t("task_reports.not_a_file"))


def _error_line(t: Translator, error: TableError) -> Markup:
    reason = t(f"task_table_errors.{error.reason}", value=t.digits(error.value))
    if error.column is None:
        return t("task_reports.error_at", line=error.line, reason=reason)
    return t(
        "task_reports.error_at_column",
        line=error.line,
        column=t(f"task_columns.{error.column}"),
        reason=reason,
    )


def _errors_text(t: Translator, errors: list[TableError]) -> Markup:
    lines = [_error_line(t, e) for e in errors[:SHOWN_ERRORS]]
    if len(errors) > SHOWN_ERRORS:
        lines.append(t("task_reports.more_errors", count=len(errors) - SHOWN_ERRORS))
    return t("task_reports.import_failed", count=len(errors), lines=t.join(lines))
