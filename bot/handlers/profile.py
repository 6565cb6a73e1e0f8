"""A member's own profile (/profile) and language (/language).

Editing, top to bottom:
    /profile -> [Name | Agency | Phone | Language]
    Name -> full_name;  Agency -> agency (-> agency_other);  Phone -> phone
Each step saves at once and shows the profile again, except an approved member's change of
agency: the member represents that agency in the group, so the secretariat approves the
change on a card (Approve / Reject, decided once) before it takes effect.
"""

from __future__ import annotations

import datetime

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.config import Settings
from bot.domain.members import (
    Actor,
    Decision,
    InvalidInput,
    Member,
    MemberStatus,
    agency_change_needs_approval,
    agency_needs_name,
    check_agency,
    clean_agency_name,
    clean_full_name,
    clean_phone,
)
from bot.i18n import Catalogs, Translator
from bot.platform import PlatformProfile
from bot.services import members as member_service
from bot.storage.uow import UnitOfWork
from bot.ui.keyboards import AgencyPick, LanguagePick, agency_keyboard, language_keyboard
from bot.ui.members import (
    AgencyChangeDecision,
    ProfileField,
    announce_agency_change,
    post_agency_change_cards,
    profile_keyboard,
    profile_text,
    refresh_agency_change_cards,
    refresh_cards,
    superuser_profile_text,
)
from bot.ui.menus import CommandMenus

router = Router(name="profile")


class ProfileEdit(StatesGroup):
    full_name = State()
    agency = State()
    agency_other = State()
    phone = State()


async def _show(message: Message, uow: UnitOfWork, t: Translator, member: Member) -> None:
    waiting = await uow.agency_changes.pending_for(member.id)
    await message.answer(profile_text(t, member, waiting), reply_markup=profile_keyboard(t))


@router.message(Command("profile"))
async def profile(message: Message, uow: UnitOfWork, actor: Actor, t: Translator) -> None:
    if actor.member is None:
        if actor.is_superuser:
            await message.answer(superuser_profile_text(t, actor.user_id))
            return
        await message.answer(t("errors.register_first"))
        return
    await _show(message, uow, t, actor.member)


@router.callback_query(ProfileField.filter())
async def edit_field(
    query: CallbackQuery,
    callback_data: ProfileField,
    state: FSMContext,
    actor: Actor,
    t: Translator,
) -> None:
    if actor.member is None:
        await query.answer(t("errors.register_first"), show_alert=True)
        return
    await query.answer()
    message = query.message
    assert isinstance(message, Message)
    if callback_data.field == "name":
        await state.set_state(ProfileEdit.full_name)
        await message.answer(t("registration.ask_name"))
    elif callback_data.field == "agency":
        await state.set_state(ProfileEdit.agency)
        await message.answer(t("registration.ask_agency"), reply_markup=agency_keyboard(t))
    elif callback_data.field == "phone":
        await state.set_state(ProfileEdit.phone)
        await message.answer(t("profile.ask_phone"))
    else:
        await message.answer(t("registration.ask_language"), reply_markup=language_keyboard(t))


@router.message(ProfileEdit.full_name, F.text)
async def name_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    catalogs: Catalogs,
    now: datetime.datetime,
) -> None:
    try:
        name = clean_full_name(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"errors.{error.reason}"))
        return
    await _save(message, state, uow, actor, t, catalogs, now, full_name=name)


@router.callback_query(ProfileEdit.agency, AgencyPick.filter())
async def agency_chosen(
    query: CallbackQuery,
    callback_data: AgencyPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    t: Translator,
    catalogs: Catalogs,
    now: datetime.datetime,
) -> None:
    try:
        code = check_agency(callback_data.code)
    except InvalidInput as error:
        await query.answer(t(f"errors.{error.reason}"), show_alert=True)
        return
    await query.answer()
    message = query.message
    assert isinstance(message, Message)
    if agency_needs_name(code):
        await state.set_state(ProfileEdit.agency_other)
        await message.answer(t("registration.ask_agency_name"))
        return
    await _agency(message, state, uow, actor, settings, t, catalogs, now, code, None)


@router.message(ProfileEdit.agency_other, F.text)
async def agency_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    t: Translator,
    catalogs: Catalogs,
    now: datetime.datetime,
) -> None:
    try:
        name = clean_agency_name(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"errors.{error.reason}"))
        return
    await _agency(message, state, uow, actor, settings, t, catalogs, now, "other", name)


async def _agency(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    settings: Settings,
    t: Translator,
    catalogs: Catalogs,
    now: datetime.datetime,
    code: str,
    other: str | None,
) -> None:
    member = actor.member
    assert member is not None
    if not agency_change_needs_approval(member):
        await _save(
            message, state, uow, actor, t, catalogs, now, agency_code=code, agency_other=other
        )
        return
    await state.clear()
    outcome = await member_service.request_agency_change(
        uow,
        member=member,
        agency_code=code,
        agency_other=other,
        superusers=settings.admin_ids,
        now=now,
    )
    assert outcome.change is not None
    for earlier in outcome.superseded:
        await refresh_agency_change_cards(uow, catalogs, member, earlier, now)
    chats = [(chat, locale or settings.default_locale) for chat, locale in outcome.review_chats]
    await post_agency_change_cards(uow, catalogs, member, outcome.change, chats, now)
    await message.answer(t("profile.agency_change_sent"), reply_markup=ReplyKeyboardRemove())
    await _show(message, uow, t, member)


@router.message(ProfileEdit.phone, F.text | F.contact)
async def phone_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    catalogs: Catalogs,
    now: datetime.datetime,
    platform: PlatformProfile,
) -> None:
    contact = message.contact
    if (
        contact is not None
        and message.from_user
        and not platform.accepts_contact(
            contact.user_id,
            message.from_user.id,
            private_chat=message.chat.type == "private",
            forwarded=message.forward_origin is not None,
        )
    ):
        await message.answer(t("errors.phone_not_yours"))
        return
    raw = contact.phone_number if contact else (message.text or "")
    try:
        phone = clean_phone(raw)
    except InvalidInput as error:
        await message.answer(t(f"errors.{error.reason}"))
        return
    await _save(message, state, uow, actor, t, catalogs, now, phone=phone)


async def _save(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    catalogs: Catalogs,
    now: datetime.datetime,
    **fields: str | None,
) -> None:
    assert actor.member is not None
    await state.clear()
    member = await member_service.update_profile(uow, actor.member, **fields)
    if member.status is MemberStatus.PENDING:
        # The secretariat is looking at this application: show them what it says now.
        await refresh_cards(uow, catalogs, member, now)
    await message.answer(t("profile.saved"), reply_markup=ReplyKeyboardRemove())
    await _show(message, uow, t, member)


# --- language ------------------------------------------------------------------------------


@router.message(Command("language"))
async def language(message: Message, t: Translator) -> None:
    await message.answer(t("registration.ask_language"), reply_markup=language_keyboard(t))


@router.callback_query(StateFilter(None, *ProfileEdit.__states__), LanguagePick.filter())
async def language_chosen(
    query: CallbackQuery,
    callback_data: LanguagePick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    menus: CommandMenus,
    now: datetime.datetime,
) -> None:
    t = catalogs.translator(callback_data.code)
    member = actor.member
    if member is not None:
        member = await member_service.update_profile(uow, member, locale=t.locale)
    else:
        # Not registered yet: remember the choice for the dialog that follows.
        await state.update_data(locale=t.locale)
    # The menu speaks the new language too.
    await menus.set_for(actor.user_id, member, t.locale)
    await query.answer(t("profile.language_saved"))
    if query.message is not None:
        await query.message.answer(t("profile.language_saved"))  # type: ignore[union-attr]


# --- the secretariat's decision on a change of agency --------------------------------------


@router.callback_query(AgencyChangeDecision.filter())
async def agency_change_decided(
    query: CallbackQuery,
    callback_data: AgencyChangeDecision,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        decision = Decision(callback_data.action)
    except ValueError:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    outcome = await member_service.decide_agency_change(
        uow, actor=actor, change_id=callback_data.change_id, decision=decision, now=now
    )
    if outcome.result != "decided":
        key = "already_decided_plain" if outcome.result == "already_decided" else outcome.result
        await query.answer(t(f"decisions.{key}"), show_alert=True)
        return
    assert outcome.change is not None and outcome.member is not None
    approved = decision is Decision.APPROVE
    await query.answer(
        t("agency_change.approved_done" if approved else "agency_change.rejected_done")
    )
    await announce_agency_change(uow, catalogs, outcome.member, outcome.change, now)
