"""A task's card in the chats it was opened in, and what follows a change of the task.

Wherever a task changes (its card in a chat, the dashboard's card or board), `announce` is
the one place that turns the service's outcome into the notices of that kind of change and
redraws every recorded copy of the card, through the outbox, like the submission cards.

A copy is recorded when a card is posted in a private chat (`post_card`): the chat is the
viewer, so each copy is redrawn with the buttons that person gets (their role, today's
substitutions). Only the latest card per chat is kept, so a task has at most one copy per
person. A card is never edited in place into another view (its history, the reassign picker
and the prompts are new messages), so a recorded message always shows the card. A group's
card is not recorded: whoever asked for it there is not who reads it.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from aiogram.enums import ChatType
from aiogram.types import Message

from bot.config import Settings
from bot.domain import outbox_keys
from bot.domain import tasks as rules
from bot.domain.members import Actor, MemberStatus
from bot.domain.tasks import Task
from bot.i18n import Catalogs, Translator
from bot.services import tasks as service
from bot.storage.outbox import OutgoingMessage
from bot.storage.uow import UnitOfWork
from bot.ui.tasks import (
    card_keyboard,
    task_card,
    tell_assignees,
    tell_blocked,
    tell_cancelled_or_reopened,
    tell_changes,
    tell_completed,
)

# The card_copies subject of a task's card.
TASK_CARD = "task"

# What changes the card (a comment or a file does not show on it), and whom each change's
# notice is for.
CARD_CHANGES = frozenset(
    {"start", "progress", "done", "blocked", "due", "edit", "reassign", "cancel", "reopen"}
)
FOLDED_CHANGES = frozenset({"comment", "due", "edit"})


async def post_card(
    message: Message,
    uow: UnitOfWork,
    t: Translator,
    task: Task,
    actor: Actor,
    today: datetime.date,
) -> Message:
    """Answer with the task's card, and keep it as the copy in this chat to redraw."""
    sent = await message.answer(
        task_card(t, task, today), reply_markup=card_keyboard(t, task, actor)
    )
    if sent.chat.type == ChatType.PRIVATE:
        await uow.cards.replace_in_chat(TASK_CARD, task.id, sent.chat.id, sent.message_id, t.locale)
    return sent


async def announce(
    uow: UnitOfWork,
    catalogs: Catalogs,
    settings: Settings,
    actor: Actor,
    action: str,
    outcome: service.TaskOutcome,
    now: datetime.datetime,
    *,
    note: str | None = None,
    redraw: bool = True,
) -> None:
    """After `action` on a task (start, progress, done, blocked, comment, due, edit, reassign,
    cancel, reopen): its notices, and, with `redraw`, every copy of its card redrawn. `note` is
    the block or cancel reason. A refused outcome announces nothing."""
    task = outcome.task
    if outcome.result != "done" or task is None:
        return
    if action == "blocked":
        chats = await _secretariat(uow, settings, task.working_group)
        await tell_blocked(uow, catalogs, chats, task, actor.display_name, note or "", now)
    elif action in FOLDED_CHANGES:
        changes = await service.folded_changes(uow, task.id, now)
        await tell_changes(uow, catalogs, task, changes, actor.user_id, now)
    elif action in ("cancel", "reopen"):
        await tell_cancelled_or_reopened(uow, catalogs, task, note, now)
    elif action == "reassign":
        await tell_assignees(uow, catalogs, task, now, only=outcome.newcomers)
    if outcome.completed:
        chats = await _secretariat(uow, settings, task.working_group)
        await tell_completed(uow, catalogs, chats, task, now)
    if redraw and action in CARD_CHANGES:
        await queue_card_updates(uow, catalogs, settings, [task], now)


async def queue_card_updates(
    uow: UnitOfWork,
    catalogs: Catalogs,
    settings: Settings,
    tasks: Sequence[Task],
    now: datetime.datetime,
) -> None:
    """Every recorded copy of these tasks' cards shows their current state, each rendered in
    its copy's language with the buttons of the person whose chat it is. A few queries for
    all of them, whatever their number: the copies, the people, their substitutions."""
    copies = await uow.cards.copies_of(TASK_CARD, [task.id for task in tasks])
    if not copies:
        return
    chats = {copy.chat_id for shown in copies.values() for copy in shown}
    members = await uow.members.by_users(chats)
    approved = [m.id for m in members.values() if m.status is MemberStatus.APPROVED]
    acting = await uow.substitutes.acting_roles_of(approved, uow.today())
    for task in tasks:
        for copy in copies.get(task.id, ()):
            member = members.get(copy.chat_id)
            viewer = Actor(
                user_id=copy.chat_id,
                display_name=member.full_name if member else "",
                member=member,
                is_superuser=copy.chat_id in settings.admin_ids,
                acting=acting.get(member.id, ()) if member else (),
            )
            # Who may no longer see the task (given to others, left the group) is not shown
            # what it became; their copy's buttons are refused when pressed.
            if rules.view_refusal(viewer, task.working_group, task.assignee_ids) is not None:
                continue
            t = catalogs.translator(copy.locale)
            await uow.outbox.enqueue(
                OutgoingMessage(
                    key=outbox_keys.task_card_edit(
                        task.id, task.version, copy.chat_id, copy.message_id
                    ),
                    chat_id=copy.chat_id,
                    text=task_card(t, task, t.today(now)),
                    locale=copy.locale,
                    reply_markup=card_keyboard(t, task, viewer).model_dump(exclude_none=True),
                    edit_message_id=copy.message_id,
                ),
                now,
            )


async def _secretariat(uow: UnitOfWork, settings: Settings, group: str) -> list[tuple[int, str]]:
    return await service.secretariat_chats(uow, group, settings.admin_ids, settings.default_locale)
