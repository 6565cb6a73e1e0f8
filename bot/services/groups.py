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
    if not can_manage_group(actor, working_group):
        await uow.audit.record(
            actor.user_id,
            "group.link",
            "not_allowed",
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
