"""/matrix [name]: a cluster's task matrix as text, and as an .xlsx (matrix + task list).

/matrix [name] -> cluster -> the matrix
"""

from __future__ import annotations

import datetime

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.domain.members import Actor
from bot.handlers.shared import callback_message
from bot.i18n import Translator
from bot.services import task_table as service
from bot.storage.uow import UnitOfWork
from bot.ui.tasks import (
    MatrixPick,
    file_stamp,
    matrix_clusters_keyboard,
    matrix_sheet,
    matrix_text,
    table_headers,
)

router = Router(name="tasks.matrix")


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
    clusters = await service.matrix_clusters(uow, actor, query)
    if not clusters:
        await message.answer(t("task_reports.no_clusters"))
        return
    if query and len(clusters) == 1:
        await _send_matrix(message, bot, uow, actor, t, now, clusters[0].id)
        return
    await message.answer(
        t("task_reports.ask_cluster"), reply_markup=matrix_clusters_keyboard(t, clusters)
    )


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
    counts = (report.counts, report.overdue, report.totals, report.total_overdue)
    await message.answer(matrix_text(t, cluster, *counts))
    data = service.workbook(
        [
            (str(t("task_reports.sheet_matrix")), matrix_sheet(t, *counts)),
            (str(t("task_reports.sheet_tasks")), [table_headers(t), *report.rows]),
        ],
        rtl=t.locale == "fa",
    )
    await bot.send_document(
        message.chat.id,
        BufferedInputFile(data, filename=f"matrix-{cluster.id}-{file_stamp(today)}.xlsx"),
        caption=t("task_reports.matrix_caption", cluster=cluster.name, date=t.date(today)),
    )
