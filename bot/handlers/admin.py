"""The secretariat's and superusers' tools.

- /link in a group chat binds it to the secretary's working group (superusers pick one);
- /unlink undoes that;
- /members lists a working group's members; superusers get role buttons on each;
- /appoint @username|id secretary|chair|member does the same by command.
"""

from __future__ import annotations

import datetime
import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import JOIN_TRANSITION, ChatMemberUpdatedFilter, Command, CommandObject
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message

from bot.domain.members import (
    Actor,
    Member,
    MemberStatus,
    Role,
    can_appoint,
    can_view_group,
    managed_groups,
)
from bot.domain.working_groups import WORKING_GROUPS
from bot.handlers.shared import echo
from bot.i18n import Catalogs, Translator
from bot.platform import PlatformProfile
from bot.services import groups as group_service
from bot.services import members as member_service
from bot.storage.uow import UnitOfWork
from bot.ui.keyboards import GroupPick, group_keyboard
from bot.ui.members import AppointRole, member_list, role_keyboard, tell_appointed

router = Router(name="admin")
log = logging.getLogger(__name__)

in_group = F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP})


# --- linking a group chat ------------------------------------------------------------------


@router.my_chat_member(ChatMemberUpdatedFilter(JOIN_TRANSITION))
async def added_to_group(event: ChatMemberUpdated, t: Translator) -> None:
    if event.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        await event.answer(t("link.hello"))


async def _announces_the_bot_joining(message: Message, bot: Bot, platform: PlatformProfile) -> bool:
    """Where my_chat_member never comes (Bale), the join service message is the only sign."""
    joined = message.new_chat_members or []
    if not platform.greets_from_join_message or not joined:
        return False
    # Bale does not promise that the bot's user id is the token's prefix; its username is ours.
    me = await bot.me()
    return any(user.id == me.id or user.username == me.username for user in joined)


@router.message(F.new_chat_members, in_group, _announces_the_bot_joining)
async def added_to_group_announced(message: Message, t: Translator) -> None:
    await message.answer(t("link.hello"))


@router.message(Command("link"), ~in_group)
async def link_outside_group(message: Message, t: Translator) -> None:
    await message.answer(t("link.only_in_groups"))


@router.message(Command("link"), in_group)
async def link(
    message: Message, uow: UnitOfWork, actor: Actor, t: Translator, now: datetime.datetime
) -> None:
    groups = managed_groups(actor, WORKING_GROUPS)
    if not groups:
        await message.answer(t("errors.secretaries_only"))
        return
    if len(groups) > 1:
        await message.answer(t("link.choose"), reply_markup=group_keyboard(t, "link", groups))
        return
    await _link(message, uow, actor, t, groups[0], now)


@router.callback_query(GroupPick.filter(F.purpose == "link"))
async def link_chosen(
    query: CallbackQuery,
    callback_data: GroupPick,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    message = query.message
    if not isinstance(message, Message) or message.chat.type == ChatType.PRIVATE:
        await query.answer(t("link.only_in_groups"), show_alert=True)
        return
    if callback_data.code not in WORKING_GROUPS:
        await query.answer(t("errors.working_group_unknown"), show_alert=True)
        return
    await query.answer()
    await _link(message, uow, actor, t, callback_data.code, now)


async def _link(
    message: Message,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    code: str,
    now: datetime.datetime,
) -> None:
    linked = await group_service.link_chat(
        uow,
        actor=actor,
        working_group=code,
        chat_id=message.chat.id,
        title=message.chat.title,
        now=now,
    )
    if not linked:
        await message.answer(t("errors.secretaries_only"))
        return
    await message.answer(t("link.done", group=t(f"working_groups.{code}")))


@router.message(Command("unlink"), in_group)
async def unlink(message: Message, uow: UnitOfWork, actor: Actor, t: Translator) -> None:
    code = await group_service.unlink_chat(uow, actor=actor, chat_id=message.chat.id)
    if code is None:
        await message.answer(t("link.unlink_refused"))
        return
    await message.answer(t("link.unlinked", group=t(f"working_groups.{code}")))


# --- members and roles ---------------------------------------------------------------------


@router.message(Command("members"))
async def members(message: Message, uow: UnitOfWork, actor: Actor, t: Translator) -> None:
    if actor.is_superuser:
        await message.answer(t("members.choose"), reply_markup=group_keyboard(t, "mem"))
        return
    if actor.working_group is None or not can_view_group(actor, actor.working_group):
        await message.answer(t("errors.members_only"))
        return
    await _list_members(message, uow, actor, t, actor.working_group)


@router.callback_query(GroupPick.filter(F.purpose == "mem"))
async def members_of(
    query: CallbackQuery, callback_data: GroupPick, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    if callback_data.code not in WORKING_GROUPS or not can_view_group(actor, callback_data.code):
        await query.answer(t("errors.not_your_group"), show_alert=True)
        return
    await query.answer()
    assert isinstance(query.message, Message)
    await _list_members(query.message, uow, actor, t, callback_data.code)


async def _list_members(
    message: Message, uow: UnitOfWork, actor: Actor, t: Translator, code: str
) -> None:
    people = await uow.members.in_group(code, MemberStatus.APPROVED)
    markup = role_keyboard(t, people) if people and can_appoint(actor) else None
    await message.answer(member_list(t, code, people), reply_markup=markup)


@router.callback_query(AppointRole.filter())
async def appoint_pressed(
    query: CallbackQuery,
    callback_data: AppointRole,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        role = Role(callback_data.role)
    except ValueError:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    outcome = await member_service.appoint(
        uow, actor=actor, member_id=callback_data.member_id, role=role
    )
    if outcome.result != "done":
        await query.answer(t(f"members.{outcome.result}"), show_alert=True)
        return
    assert outcome.applicant is not None
    await query.answer(
        t.plain(
            "members.appointed", name=outcome.applicant.full_name, role=t(f"roles.{role.value}")
        )
    )
    await tell_appointed(uow, catalogs, outcome.applicant, now)


@router.message(Command("appoint"))
async def appoint_command(
    message: Message,
    command: CommandObject,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    t: Translator,
    now: datetime.datetime,
) -> None:
    if not can_appoint(actor):
        await uow.audit.record(actor.user_id, "member.appoint", "not_allowed")
        await message.answer(t("members.not_allowed"))
        return
    parts = (command.args or "").split()
    if len(parts) != 2 or parts[1] not in {r.value for r in Role}:
        await message.answer(t("members.appoint_usage"))
        return
    who, role = parts[0], Role(parts[1])
    target: Member | None
    if who.lstrip("-").isdigit():
        target = await uow.members.by_user(int(who))
    else:
        target = await uow.members.by_username(who)
    if target is None:
        await message.answer(t("members.not_found", who=echo(who)))
        return
    outcome = await member_service.appoint(uow, actor=actor, member_id=target.id, role=role)
    if outcome.result != "done" or outcome.applicant is None:
        await message.answer(t(f"members.{outcome.result}"))
        return
    await message.answer(
        t("members.appointed", name=outcome.applicant.full_name, role=t(f"roles.{role.value}"))
    )
    await tell_appointed(uow, catalogs, outcome.applicant, now)
