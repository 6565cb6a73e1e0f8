"""Registration: the applicant's dialog, then the secretariat's decision on the card.

The dialog, top to bottom:
    /start -> language -> full_name -> agency (-> agency_other) -> working_group -> phone
    -> confirm (Send / Edit / Cancel) -> a card goes to the working group's secretariat.
An invitation link (/start inv_...) chooses the working group, so that question is skipped.
The secretariat presses Approve, or Reject and types a reason; every copy of the card then
shows the outcome and the applicant is told. An application nobody can review yet is kept
and delivered when a reviewer starts the bot or a group is linked (bot.ui.members).
"""

from __future__ import annotations

import datetime
import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ForceReply, Message, ReplyKeyboardRemove

from bot.config import Settings
from bot.domain.members import (
    Actor,
    Decision,
    InvalidInput,
    MemberStatus,
    agency_needs_name,
    check_agency,
    check_working_group,
    clean_agency_name,
    clean_full_name,
    clean_phone,
    clean_reason,
    managed_groups,
)
from bot.domain.working_groups import WORKING_GROUPS
from bot.handlers.shared import close_buttons
from bot.i18n import Catalogs, Translator
from bot.platform import PlatformProfile
from bot.services import members as member_service
from bot.storage.repositories import Application, Invitation
from bot.storage.uow import UnitOfWork
from bot.ui.keyboards import (
    AgencyPick,
    GroupPick,
    LanguagePick,
    agency_keyboard,
    group_keyboard,
    language_keyboard,
)
from bot.ui.members import (
    ApplicationDecision,
    ConfirmApplication,
    JoinAsMember,
    announce_decision,
    application_preview,
    confirm_keyboard,
    deliver_waiting,
    join_keyboard,
    phone_keyboard,
    post_cards,
    reachable,
    refresh_cards,
    refusal_text,
)
from bot.ui.menus import CommandMenus

router = Router(name="registration")
log = logging.getLogger(__name__)


class Registration(StatesGroup):
    language = State()
    full_name = State()
    agency = State()
    agency_other = State()
    working_group = State()
    phone = State()
    confirm = State()


class RejectionReason(StatesGroup):
    reason = State()


private = F.chat.type == ChatType.PRIVATE


# --- the applicant's dialog ---------------------------------------------------------------


@router.message(CommandStart(), private)
async def start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    menus: CommandMenus,
    t: Translator,
    now: datetime.datetime,
) -> None:
    member = actor.member
    if actor.is_member or actor.is_superuser:
        # Also heals a menu that could not be set before (a superuser new to the bot).
        await menus.set_for(actor.user_id, member, t.locale)
        # Someone who can review is here: what nobody could see until now is theirs.
        await deliver_waiting(uow, catalogs, actor, actor.user_id, t.locale, now)
    if actor.is_superuser and not actor.is_member:
        await state.clear()
        await message.answer(
            t("start.superuser", user_id=t.digits(str(actor.user_id))),
            reply_markup=join_keyboard(t),
        )
        return
    if member is not None and member.status is MemberStatus.APPROVED:
        await state.clear()
        await message.answer(t("start.welcome_back", name=member.full_name))
        return
    if member is not None and member.status is MemberStatus.PENDING:
        await message.answer(
            t("start.still_pending", group=t(f"working_groups.{member.working_group}"))
        )
        return
    invitation = None
    if command.args:
        opened = await member_service.open_invitation(uow, command.args)
        if opened.result != "done":
            await state.clear()
            await message.answer(t(f"invitations.refused_{opened.result}"))
            return
        invitation = opened.invitation
    await _begin(message, state, t, invitation)


@router.callback_query(JoinAsMember.filter())
async def join_as_member(
    query: CallbackQuery, state: FSMContext, actor: Actor, t: Translator
) -> None:
    await query.answer()
    await close_buttons(query)
    if actor.is_member:
        return
    await _begin(query.message, state, t, None)  # type: ignore[arg-type]


async def _begin(
    message: Message, state: FSMContext, t: Translator, invitation: Invitation | None
) -> None:
    await state.clear()
    await state.set_state(Registration.language)
    # The language the middleware chose (the client's, when we speak it) until one is picked.
    await state.update_data(locale=t.locale)
    if invitation is not None:
        await state.update_data(invitation_id=invitation.id, invited_group=invitation.working_group)
        await message.answer(
            t(
                "registration.welcome_invited",
                group=t(f"working_groups.{invitation.working_group}"),
            )
        )
    else:
        await message.answer(t("registration.welcome"))
    await message.answer(t("registration.ask_language"), reply_markup=language_keyboard(t))


@router.callback_query(Registration.language, LanguagePick.filter())
async def language_chosen(
    query: CallbackQuery,
    callback_data: LanguagePick,
    state: FSMContext,
    catalogs: Catalogs,
) -> None:
    t = catalogs.translator(callback_data.code)
    await state.update_data(locale=t.locale)
    await state.set_state(Registration.full_name)
    await query.answer()
    await close_buttons(query)
    await query.message.answer(t("registration.ask_name"))  # type: ignore[union-attr]


@router.message(Registration.full_name, F.text)
async def name_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        name = clean_full_name(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"errors.{error.reason}"))
        return
    await state.update_data(full_name=name)
    await _ask_agency(message, state, t)


async def _ask_agency(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(Registration.agency)
    await message.answer(t("registration.ask_agency"), reply_markup=agency_keyboard(t))


@router.callback_query(Registration.agency, AgencyPick.filter())
async def agency_chosen(
    query: CallbackQuery, callback_data: AgencyPick, state: FSMContext, t: Translator
) -> None:
    try:
        code = check_agency(callback_data.code)
    except InvalidInput as error:
        await query.answer(t(f"errors.{error.reason}"), show_alert=True)
        return
    await query.answer()
    await close_buttons(query)
    await state.update_data(agency_code=code, agency_other=None)
    if agency_needs_name(code):
        await state.set_state(Registration.agency_other)
        await query.message.answer(t("registration.ask_agency_name"))  # type: ignore[union-attr]
        return
    await _ask_group(query.message, state, t)  # type: ignore[arg-type]


@router.message(Registration.agency_other, F.text)
async def agency_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        name = clean_agency_name(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"errors.{error.reason}"))
        return
    await state.update_data(agency_other=name)
    await _ask_group(message, state, t)


async def _ask_group(message: Message, state: FSMContext, t: Translator) -> None:
    invited = (await state.get_data()).get("invited_group")
    if invited:
        # The invitation link chose the group: no question, straight on to the phone.
        await state.update_data(working_group=invited)
        await state.set_state(Registration.phone)
        await message.answer(t("registration.ask_phone"), reply_markup=phone_keyboard(t))
        return
    await state.set_state(Registration.working_group)
    await message.answer(t("registration.ask_group"), reply_markup=group_keyboard(t, "reg"))


@router.callback_query(Registration.working_group, GroupPick.filter(F.purpose == "reg"))
async def group_chosen(
    query: CallbackQuery, callback_data: GroupPick, state: FSMContext, t: Translator
) -> None:
    try:
        code = check_working_group(callback_data.code)
    except InvalidInput as error:
        await query.answer(t(f"errors.{error.reason}"), show_alert=True)
        return
    await query.answer()
    await close_buttons(query)
    await state.update_data(working_group=code)
    await state.set_state(Registration.phone)
    await query.message.answer(t("registration.ask_phone"), reply_markup=phone_keyboard(t))  # type: ignore[union-attr]


@router.message(Registration.phone, F.contact)
async def phone_shared(
    message: Message, state: FSMContext, t: Translator, platform: PlatformProfile
) -> None:
    contact = message.contact
    assert contact is not None and message.from_user is not None
    if not platform.accepts_contact(
        contact.user_id,
        message.from_user.id,
        private_chat=message.chat.type == "private",
        forwarded=message.forward_origin is not None,
    ):
        await message.answer(t("errors.phone_not_yours"))
        return
    try:
        phone = clean_phone(contact.phone_number)
    except InvalidInput as error:
        await message.answer(t(f"errors.{error.reason}"))
        return
    await _confirm(message, state, t, phone)


@router.message(Registration.phone, F.text)
async def phone_typed(message: Message, state: FSMContext, t: Translator) -> None:
    if message.text == t("registration.skip_phone"):
        await _confirm(message, state, t, None)
        return
    try:
        phone = clean_phone(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"errors.{error.reason}"))
        return
    await _confirm(message, state, t, phone)


async def _confirm(message: Message, state: FSMContext, t: Translator, phone: str | None) -> None:
    data = await state.update_data(phone=phone)
    await state.set_state(Registration.confirm)
    await message.answer(t("registration.got_it"), reply_markup=ReplyKeyboardRemove())
    await message.answer(
        application_preview(t, _application(data)), reply_markup=confirm_keyboard(t)
    )


@router.callback_query(Registration.confirm, ConfirmApplication.filter(F.action == "edit"))
async def edit_application(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await close_buttons(query)
    await state.set_state(Registration.full_name)
    await query.message.answer(t("registration.ask_name"))  # type: ignore[union-attr]


@router.callback_query(Registration.confirm, ConfirmApplication.filter(F.action == "cancel"))
async def cancel_application(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await query.answer()
    await close_buttons(query)
    await query.message.answer(t("registration.cancelled"))  # type: ignore[union-attr]


@router.callback_query(Registration.confirm, ConfirmApplication.filter(F.action == "send"))
async def send_application(
    query: CallbackQuery,
    state: FSMContext,
    uow: UnitOfWork,
    settings: Settings,
    catalogs: Catalogs,
    t: Translator,
    bot: Bot,
    now: datetime.datetime,
) -> None:
    data = await state.get_data()
    application = _application(data)
    try:
        submitted = await member_service.submit_application(
            uow,
            user_id=query.from_user.id,
            username=query.from_user.username,
            application=application,
            superusers=settings.admin_ids,
            now=now,
            invitation_id=data.get("invitation_id"),
        )
    except member_service.AlreadyMember:
        await state.clear()
        await query.answer(t("start.already_member"), show_alert=True)
        return
    await state.clear()
    await query.answer()
    await close_buttons(query)
    chats = [(chat, locale or settings.default_locale) for chat, locale in submitted.review_chats]
    # Superusers stand in only when the group has nobody else; one who never started the bot
    # cannot be written to, and the card would be lost there.
    standing_in = [chat for chat, _ in chats if chat in settings.admin_ids]
    unreachable = set(standing_in) - set(await reachable(bot, standing_in))
    chats = [(chat, locale) for chat, locale in chats if chat not in unreachable]
    group = t(f"working_groups.{application.working_group}")
    if not chats:
        log.warning(
            "application %s (%s) kept: nobody who can review it can be reached yet",
            submitted.member.id,
            application.working_group,
        )
        await query.message.answer(t("registration.kept", group=group))  # type: ignore[union-attr]
        return
    await query.message.answer(t("registration.sent", group=group))  # type: ignore[union-attr]
    await post_cards(uow, catalogs, submitted.member, chats, now)


def _application(data: dict) -> Application:
    return Application(
        full_name=data["full_name"],
        agency_code=data["agency_code"],
        agency_other=data.get("agency_other"),
        working_group=data["working_group"],
        phone=data.get("phone"),
        locale=data.get("locale", "fa"),
    )


# --- the secretariat's decision ------------------------------------------------------------


@router.callback_query(ApplicationDecision.filter(F.action == "approve"))
async def approve(
    query: CallbackQuery,
    callback_data: ApplicationDecision,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    menus: CommandMenus,
    t: Translator,
    now: datetime.datetime,
) -> None:
    outcome = await member_service.decide_application(
        uow,
        actor=actor,
        member_id=callback_data.member_id,
        decision=Decision.APPROVE,
        reason=None,
        now=now,
    )
    if outcome.result == "decided" and outcome.applicant is not None:
        # The new member's menu now offers what members can do (before the answer, after
        # which this update commits at once).
        await menus.set_for(outcome.applicant.user_id, outcome.applicant)
    await _after_decision(query, uow, catalogs, t, outcome, now)


@router.callback_query(ApplicationDecision.filter(F.action == "reject"))
async def reject_pressed(
    query: CallbackQuery,
    callback_data: ApplicationDecision,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    t: Translator,
    now: datetime.datetime,
) -> None:
    check = await member_service.check_decision(uow, actor, callback_data.member_id)
    if check.result != "allowed":
        await _answer_refusal(query, uow, catalogs, t, check, now)
        return
    assert check.applicant is not None
    await state.set_state(RejectionReason.reason)
    await state.update_data(member_id=callback_data.member_id)
    await query.answer()
    # In a group with privacy mode the bot sees only replies to itself, hence ForceReply.
    await query.message.answer(  # type: ignore[union-attr]
        t("decisions.ask_reason", name=check.applicant.full_name),
        reply_markup=ForceReply(selective=True),
    )


@router.message(RejectionReason.reason, F.text)
async def reason_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        reason = clean_reason(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"errors.{error.reason}"))
        return
    member_id = int((await state.get_data())["member_id"])
    await state.clear()
    outcome = await member_service.decide_application(
        uow, actor=actor, member_id=member_id, decision=Decision.REJECT, reason=reason, now=now
    )
    if outcome.result == "decided":
        await message.answer(t("decisions.rejected_done"))
        await _announce(uow, catalogs, outcome, now)
        return
    await message.answer(refusal_text(t, outcome))


async def _after_decision(
    query: CallbackQuery,
    uow: UnitOfWork,
    catalogs: Catalogs,
    t: Translator,
    outcome: member_service.DecisionOutcome,
    now: datetime.datetime,
) -> None:
    if outcome.result != "decided":
        await _answer_refusal(query, uow, catalogs, t, outcome, now)
        return
    await query.answer(t("decisions.approved_done"))
    await _announce(uow, catalogs, outcome, now)


async def _announce(
    uow: UnitOfWork,
    catalogs: Catalogs,
    outcome: member_service.DecisionOutcome,
    now: datetime.datetime,
) -> None:
    assert outcome.applicant is not None
    await announce_decision(uow, catalogs, outcome.applicant, now)


async def _answer_refusal(
    query: CallbackQuery,
    uow: UnitOfWork,
    catalogs: Catalogs,
    t: Translator,
    outcome: member_service.DecisionOutcome,
    now: datetime.datetime,
) -> None:
    await query.answer(refusal_text(t, outcome), show_alert=True)
    if outcome.result == "already_decided" and outcome.applicant is not None:
        # The pressed copy may be stale (e.g. it failed to update earlier): fix it now.
        await refresh_cards(uow, catalogs, outcome.applicant, now)


# --- pending applications on demand ----------------------------------------------------------


@router.message(Command("pending"))
async def pending(
    message: Message,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    t: Translator,
    now: datetime.datetime,
) -> None:
    groups = managed_groups(actor, WORKING_GROUPS)
    if not groups:
        await message.answer(t("errors.secretaries_only"))
        return
    waiting = [m for g in groups for m in await uow.members.in_group(g, MemberStatus.PENDING)]
    if not waiting:
        await message.answer(t("pending.none"))
        return
    await message.answer(t("pending.header", count=len(waiting)))
    for member in waiting:
        await post_cards(uow, catalogs, member, [(message.chat.id, t.locale)], now)
