"""The task file for the secretariat: /tasks_export and /tasks_import.

/tasks_export -> an .xlsx of every task of the groups the secretary manages
/tasks_import -> an .xlsx or .csv file -> every bad line at once, or created/updated counts
"""

from __future__ import annotations

import datetime

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, Message

from bot.config import Settings
from bot.domain.members import Actor, managed_groups
from bot.domain.task_table import TableErrors
from bot.domain.working_groups import WORKING_GROUPS
from bot.i18n import Catalogs, Translator
from bot.services import task_table as service
from bot.storage.uow import UnitOfWork
from bot.ui.task_cards import queue_card_updates
from bot.ui.tasks import file_stamp, import_errors_text, table_headers

router = Router(name="tasks.table_file")
private = F.chat.type == ChatType.PRIVATE


class ImportForm(StatesGroup):
    file = State()


@router.message(Command("tasks_export"), private)
async def export(
    message: Message,
    bot: Bot,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    if not managed_groups(actor, WORKING_GROUPS):
        await uow.audit.record(actor.user_id, "tasks.export", "secretaries_only")
        await message.answer(t("errors.secretaries_only"))
        return
    today = t.today(now)
    rows = await service.secretariat_export(uow, actor)
    data = service.workbook(
        [(str(t("task_reports.sheet_tasks")), [table_headers(t), *rows])], rtl=t.locale == "fa"
    )
    await bot.send_document(
        message.chat.id,
        BufferedInputFile(data, filename=f"tasks-{file_stamp(today)}.xlsx"),
        caption=t("task_reports.export_caption", count=len(rows), date=t.date(today)),
    )


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
    catalogs: Catalogs,
    settings: Settings,
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
        imported = await service.import_table(uow, actor, header, rows, now, t.today(now))
    except TableErrors as failed:
        # Nothing of this file may stay, even what was written before a late failure.
        await uow.rollback()
        await uow.audit.record(
            actor.user_id, "tasks.import", "invalid", details={"errors": len(failed.errors)}
        )
        await message.answer(import_errors_text(t, failed.errors))
        return
    await state.clear()
    await queue_card_updates(uow, catalogs, settings, imported.updated, now)
    await message.answer(
        t("task_reports.imported", created=imported.created, updated=len(imported.updated))
    )


@router.message(ImportForm.file)
async def not_a_file(message: Message, t: Translator) -> None:
    await message.answer(t("task_reports.not_a_file"))
