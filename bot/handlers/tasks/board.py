"""/board: the secretariat's board of its groups' tasks, filtered by status (open, overdue,
each status), agency, cluster and assignee with buttons, paged; a task's button opens its card,
where the secretariat acts (reassign, due date, cancel, ...)."""

from __future__ import annotations

import datetime

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.domain import tasks as rules
from bot.domain.members import Actor
from bot.handlers.shared import callback_message
from bot.i18n import Translator
from bot.services import tasks as service
from bot.storage.uow import UnitOfWork
from bot.ui.tasks import PAGE, TaskBoard, board_view

router = Router(name="tasks.board")
_PICKS = frozenset({"", "status", "agency", "cluster", "member"})


@router.message(Command("board"), F.chat.type == ChatType.PRIVATE)
async def board_command(
    message: Message, uow: UnitOfWork, actor: Actor, t: Translator, now: datetime.datetime
) -> None:
    await _show(message, uow, actor, t, t.today(now), TaskBoard(), edit=False)


@router.callback_query(TaskBoard.filter())
async def board_pressed(
    query: CallbackQuery,
    callback_data: TaskBoard,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    shown = callback_data
    if shown.status not in rules.BOARD_STATUSES or shown.pick not in _PICKS:
        shown = TaskBoard()  # a button from an older bot
    await query.answer()
    await _show(callback_message(query), uow, actor, t, t.today(now), shown, edit=True)


async def _show(
    message: Message,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    today: datetime.date,
    shown: TaskBoard,
    *,
    edit: bool,
) -> None:
    found = await service.board(
        uow, actor, today, shown.board_filter, offset=shown.page * PAGE, limit=PAGE, clamp=True
    )
    if found is None:
        await message.answer(t("errors.secretaries_only"))
        return
    text, markup = board_view(t, found, shown, today)
    if edit:
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramAPIError:
            pass
    await message.answer(text, reply_markup=markup)
