"""The secretariat's and superusers' tools.

- /link in a group chat binds it to the secretary's working group (superusers pick one);
- /unlink undoes that;
- /members lists a working group's members; superusers get role buttons on each;
- /appoint @username|id secretary|chair|member does the same by command;
- /invite makes an invitation link into the secretary's working group; /invites lists the
  links still valid, with a button to revoke each.
"""

from __future__ import annotations

import datetime
import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import JOIN_TRANSITION, ChatMemberUpdatedFilter, Command, CommandObject
from aiogram.types import CallbackQuery, ChatMemberUpdated, InlineKeyboardMarkup, Message

from bot.config import Settings
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
from bot.i18n import Catalogs, Markup, Translator
from bot.platform import PlatformProfile
from bot.services import groups as group_service
from bot.services import members as member_service
from bot.storage.repositories import Invitation
from bot.storage.uow import UnitOfWork
from bot.ui.keyboards import GroupPick, group_keyboard
from bot.ui.members import (
    AppointRole,
    RevokeInvitation,
    confirm_appointment,
    deliver_waiting,
    invitation_created,
    invitation_link,
    invitation_list,
    member_list,
    revoke_keyboard,
    role_keyboard,
    tell_appointed,
)
from bot.ui.menus import CommandMenus

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
    message: Message,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    groups = managed_groups(actor, WORKING_GROUPS)
    if not groups:
        await message.answer(t("errors.secretaries_only"))
        return
    if len(groups) > 1:
        await message.answer(t("link.choose"), reply_markup=group_keyboard(t, "link", groups))
        return
    await _link(message, uow, actor, catalogs, settings, t, groups[0], now)


@router.callback_query(GroupPick.filter(F.purpose == "link"))
async def link_chosen(
    query: CallbackQuery,
    callback_data: GroupPick,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
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
    await _link(message, uow, actor, catalogs, settings, t, callback_data.code, now)


async def _link(
    message: Message,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
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
    # The group's applications that reached nobody so far go to its chat now.
    await deliver_waiting(
        uow, catalogs, actor, message.chat.id, settings.default_locale, now, working_group=code
    )


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
    menus: CommandMenus,
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
    # Before the answer: whoever reads it may act at once, and this update commits right after.
    await menus.set_for(outcome.applicant.user_id, outcome.applicant)
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
    menus: CommandMenus,
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
    await menus.set_for(outcome.applicant.user_id, outcome.applicant)
    await confirm_appointment(uow, t, message.chat.id, outcome.applicant, now)
    await tell_appointed(uow, catalogs, outcome.applicant, now)


# --- invitation links ----------------------------------------------------------------------


@router.message(Command("invite"))
async def invite(
    message: Message,
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    bot: Bot,
    t: Translator,
    now: datetime.datetime,
) -> None:
    groups = managed_groups(actor, WORKING_GROUPS)
    if not groups:
        await uow.audit.record(actor.user_id, "invitation.create", "secretaries_only", at=now)
        await message.answer(t("errors.secretaries_only"))
        return
    if len(groups) > 1:
        await message.answer(t("invitations.choose"), reply_markup=group_keyboard(t, "inv", groups))
        return
    await _invite(message, uow, actor, settings, bot, t, groups[0], now)


@router.callback_query(GroupPick.filter(F.purpose == "inv"))
async def invite_group_chosen(
    query: CallbackQuery,
    callback_data: GroupPick,
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    bot: Bot,
    t: Translator,
    now: datetime.datetime,
) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await _invite(query.message, uow, actor, settings, bot, t, callback_data.code, now)


async def _invite(
    message: Message,
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    bot: Bot,
    t: Translator,
    code: str,
    now: datetime.datetime,
) -> None:
    outcome = await member_service.create_invitation(uow, actor=actor, working_group=code, now=now)
    if outcome.invitation is None:
        await message.answer(t(f"errors.{outcome.result}"))
        return
    link = await _link_of(bot, settings, outcome.invitation)
    await message.answer(invitation_created(t, outcome.invitation, link))


async def _link_of(bot: Bot, settings: Settings, invitation: Invitation) -> str:
    me = await bot.me()  # aiogram keeps it after the first call
    return invitation_link(settings.bot_platform, me.username or "", invitation.code)


@router.message(Command("invites"))
async def invites(
    message: Message, uow: UnitOfWork, actor: Actor, settings: Settings, bot: Bot, t: Translator
) -> None:
    groups = managed_groups(actor, WORKING_GROUPS)
    if not groups:
        await message.answer(t("errors.secretaries_only"))
        return
    text, markup = await _invitation_list(uow, settings, bot, t, groups)
    await message.answer(text, reply_markup=markup)


async def _invitation_list(
    uow: UnitOfWork, settings: Settings, bot: Bot, t: Translator, groups: tuple[str, ...]
) -> tuple[Markup, InlineKeyboardMarkup | None]:
    active = await uow.invitations.active_in(groups)
    links = {inv.id: await _link_of(bot, settings, inv) for inv in active}
    return invitation_list(t, active, links), revoke_keyboard(t, active)


@router.callback_query(RevokeInvitation.filter())
async def revoke_pressed(
    query: CallbackQuery,
    callback_data: RevokeInvitation,
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    bot: Bot,
    t: Translator,
    now: datetime.datetime,
) -> None:
    outcome = await member_service.revoke_invitation(
        uow, actor=actor, invitation_id=callback_data.invitation_id, now=now
    )
    if outcome.result != "done":
        await query.answer(t(f"invitations.revoke_{outcome.result}"), show_alert=True)
        return
    await query.answer(t.plain("invitations.revoked"))
    message = query.message
    if isinstance(message, Message):
        groups = managed_groups(actor, WORKING_GROUPS)
        text, markup = await _invitation_list(uow, settings, bot, t, groups)
        await message.edit_text(text, reply_markup=markup)
