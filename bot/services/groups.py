"""Service functions for working groups: binding a Telegram group chat to a working group."""

from __future__ import annotations

import datetime

from bot.domain.members import Actor, can_manage_group
from bot.storage.uow import UnitOfWork


async def link_chat(
    uow: UnitOfWork,
    *,
    actor: Actor,
    working_group: str,
    chat_id: int,
    title: str | None,
    now: datetime.datetime,
) -> bool:
    linked_to = await uow.working_groups.by_chat(chat_id)
    # Taking over a chat that serves another working group is that group's decision too:
    # its cards (with applicants' phone numbers) would go to the new group's members.
    taking_over = linked_to is not None and not can_manage_group(actor, linked_to)
    if not can_manage_group(actor, working_group) or taking_over:
        await uow.audit.record(
            actor.user_id,
            "group.link",
            "chat_taken" if taking_over else "not_allowed",
            details={"working_group": working_group, "chat_id": chat_id},
        )
        return False
    await uow.working_groups.link_chat(working_group, chat_id, title, now)
    await uow.audit.record(
        actor.user_id,
        "group.link",
        "done",
        details={"working_group": working_group, "chat_id": chat_id},
    )
    return True


async def unlink_chat(uow: UnitOfWork, *, actor: Actor, chat_id: int) -> str | None:
    """Returns the group that was unlinked, or None when nothing was (or it was not allowed)."""
    working_group = await uow.working_groups.by_chat(chat_id)
    if working_group is None or not can_manage_group(actor, working_group):
        await uow.audit.record(
            actor.user_id,
            "group.unlink",
            "not_linked" if working_group is None else "not_allowed",
            details={"chat_id": chat_id},
        )
        return None
    await uow.working_groups.unlink_chat(chat_id)
    await uow.audit.record(
        actor.user_id,
        "group.unlink",
        "done",
        details={"working_group": working_group, "chat_id": chat_id},
    )
    return working_group
