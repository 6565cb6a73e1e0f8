"""/tasks: a person's own tasks, filtered and paged, and opening a task's card."""

from __future__ import annotations

import datetime

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.domain.members import Actor
from bot.domain.tasks import TASK_VIEWS
from bot.handlers.shared import callback_message, echo
from bot.handlers.tasks.card import show_card, visible
from bot.i18n import Translator
from bot.services import tasks as service
from bot.storage.uow import UnitOfWork
from bot.ui.dashboard import with_dashboard
from bot.ui.tasks import PAGE, TaskList, TaskOpen, task_list

router = Router(name="tasks.listing")


@router.message(Command("tasks"))
async def my_tasks(
    message: Message,
    command: CommandObject,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
    settings: Settings,
) -> None:
    """`/tasks` for all my open tasks, `/tasks <cluster name>` for one cluster's."""
    if not actor.is_member:
        await message.answer(t("errors.members_only"))
        return
    cluster_id = 0
    if command.args:
        found = await service.my_cluster(uow, actor, t.today(now), command.args)
        if found is None:
            await message.answer(t("tasks.cluster_not_found", query=echo(command.args)))
            return
        cluster_id = found
    shown = TaskList(view="open", page=0, cluster_id=cluster_id)
    await _list(
        message, uow, actor, t, t.today(now), shown, edit=False, webapp_url=settings.webapp_url
    )


@router.callback_query(TaskList.filter())
async def list_page(
    query: CallbackQuery,
    callback_data: TaskList,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
    settings: Settings,
) -> None:
    await query.answer()
    message = callback_message(query)
    today = t.today(now)
    await _list(
        message, uow, actor, t, today, callback_data, edit=True, webapp_url=settings.webapp_url
    )


async def _list(
    message: Message,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    today: datetime.date,
    shown: TaskList,
    *,
    edit: bool,
    webapp_url: str | None,
) -> None:
    if shown.view not in TASK_VIEWS:
        shown = TaskList(view="open", page=shown.page, cluster_id=shown.cluster_id)  # old button
    listed = await service.my_task_page(
        uow, actor, today, shown.view, shown.cluster_id, page=shown.page, size=PAGE
    )
    text, markup = task_list(t, listed, shown, today)
    # The whole board and its matrix are a tap away, in private chats where the button works.
    markup = with_dashboard(markup, t, webapp_url, private=message.chat.type == ChatType.PRIVATE)
    if edit:
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramAPIError:
            pass
    await message.answer(text, reply_markup=markup)


@router.callback_query(TaskOpen.filter())
async def open_task(
    query: CallbackQuery,
    callback_data: TaskOpen,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    task = await visible(query, uow, actor, t, callback_data.task_id)
    if task is not None:
        await show_card(callback_message(query), uow, t, task, actor, t.today(now))
