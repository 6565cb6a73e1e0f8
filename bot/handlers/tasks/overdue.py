"""/overdue [cluster name] [phase N]: the late tasks of the groups a secretary manages, under
each agency they are late for."""

from __future__ import annotations

import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.domain.members import Actor, managed_groups
from bot.domain.working_groups import WORKING_GROUPS
from bot.handlers.shared import answer_long
from bot.i18n import Translator
from bot.services import tasks as service
from bot.storage.uow import UnitOfWork
from bot.ui.tasks import overdue_text

router = Router(name="tasks.overdue")


def _read_args(args: str | None) -> tuple[str | None, int | None]:
    """(cluster name or None, phase or None) from `/overdue <name> phase <n>` or `فاز <n>`."""
    words = (args or "").split()
    phase = None
    if len(words) >= 2 and words[-2] in ("phase", "فاز") and words[-1].isdigit():
        phase = int(words[-1])
        words = words[:-2]
    return " ".join(words) or None, phase


@router.message(Command("overdue"))
async def overdue(
    message: Message,
    command: CommandObject,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    if not managed_groups(actor, WORKING_GROUPS):
        await message.answer(t("errors.secretaries_only"))
        return
    query, phase = _read_args(command.args)
    today = t.today(now)
    report = await service.overdue_of(uow, actor, today, cluster_query=query, phase=phase)
    if not report.total:
        await message.answer(t("tasks.no_overdue"))
        return
    await answer_long(message, overdue_text(t, report, today))
