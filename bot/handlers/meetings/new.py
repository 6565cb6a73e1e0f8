"""/meeting: a secretary announces a meeting and the group is invited."""

from __future__ import annotations

import datetime

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.domain import jalali
from bot.domain import meetings as rules
from bot.domain.members import Actor, InvalidInput
from bot.handlers.shared import callback_message, date_error
from bot.i18n import Catalogs, Translator
from bot.services import meetings as service
from bot.storage.uow import UnitOfWork
from bot.ui import meetings as ui
from bot.ui.keyboards import GroupPick, group_keyboard
from bot.ui.meetings import MeetingPick

router = Router(name="meetings.new")
private = F.chat.type == ChatType.PRIVATE


class MeetingForm(StatesGroup):
    group = State()
    date = State()
    time = State()
    place = State()
    agenda = State()
    preview = State()


@router.message(Command("meeting"), private)
async def new_meeting(message: Message, state: FSMContext, actor: Actor, t: Translator) -> None:
    groups = service.groups_to_manage(actor)
    if not groups:
        await message.answer(t("errors.secretaries_only"))
        return
    await state.clear()
    if len(groups) == 1:
        await _ask_date(message, state, t, groups[0])
        return
    await state.set_state(MeetingForm.group)
    await message.answer(t("meetings.ask_group"), reply_markup=group_keyboard(t, "mtg", groups))


@router.callback_query(MeetingForm.group, GroupPick.filter(F.purpose == "mtg"))
async def meeting_group(
    query: CallbackQuery, callback_data: GroupPick, state: FSMContext, actor: Actor, t: Translator
) -> None:
    refusal = service.group_refusal(actor, callback_data.code)
    if refusal is not None:
        await query.answer(t(f"meeting_errors.{refusal}"), show_alert=True)
        return
    await query.answer()
    await _ask_date(callback_message(query), state, t, callback_data.code)


async def _ask_date(message: Message, state: FSMContext, t: Translator, group: str) -> None:
    await state.set_state(MeetingForm.date)
    await state.update_data(group=group)
    await message.answer(t("meetings.ask_date", group=t(f"working_groups.{group}")))


@router.message(MeetingForm.date, F.text)
async def meeting_date(
    message: Message, state: FSMContext, t: Translator, now: datetime.datetime
) -> None:
    try:
        day = rules.parse_meeting_day(message.text or "", t.today(now))
    except jalali.DateParseError as error:
        await message.answer(date_error(t, error))
        return
    except InvalidInput as error:
        await message.answer(t(f"meeting_errors.{error.reason}"))
        return
    # Kept as the canonical Jalali text, read back with the time in one go.
    await state.update_data(date=jalali.format_date(day, "en"))
    await state.set_state(MeetingForm.time)
    await message.answer(t("meetings.ask_time", date=t.date(day, long=True)))


@router.message(MeetingForm.time, F.text)
async def meeting_time(
    message: Message,
    state: FSMContext,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    data = await state.get_data()
    try:
        starts_at = rules.parse_meeting_time(
            data["date"], message.text or "", t.today(now), settings.zone, now
        )
    except jalali.DateParseError as error:
        await message.answer(date_error(t, error))
        return
    except InvalidInput as error:
        await message.answer(t(f"meeting_errors.{error.reason}"))
        return
    await state.update_data(starts_at=starts_at.isoformat())
    await state.set_state(MeetingForm.place)
    await message.answer(t("meetings.ask_place"))


@router.message(MeetingForm.place, F.text)
async def meeting_place(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        place = rules.clean_place(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"meeting_errors.{error.reason}"))
        return
    await state.update_data(place=place)
    await state.set_state(MeetingForm.agenda)
    await message.answer(t("meetings.ask_agenda"))


@router.message(MeetingForm.agenda, F.text)
async def meeting_agenda(
    message: Message,
    state: FSMContext,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        agenda = rules.clean_agenda(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"meeting_errors.{error.reason}"))
        return
    data = await state.update_data(agenda=agenda)
    await state.set_state(MeetingForm.preview)
    draft = ui.draft_meeting(
        data["group"],
        datetime.datetime.fromisoformat(data["starts_at"]),
        data["place"],
        agenda,
        now,
    )
    await message.answer(
        t("meetings.preview", card=ui.meeting_card(t, draft, settings.zone)),
        reply_markup=ui.preview_keyboard(t),
    )


@router.callback_query(MeetingForm.preview, MeetingPick.filter(F.field == "confirm"))
async def meeting_confirm(
    query: CallbackQuery,
    callback_data: MeetingPick,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    data = await state.get_data()
    await state.clear()
    if not callback_data.value:
        await query.answer()
        await callback_message(query).answer(t("dialog.cancelled"))
        return
    outcome = await service.create_meeting(
        uow,
        actor,
        working_group=data["group"],
        starts_at=datetime.datetime.fromisoformat(data["starts_at"]),
        place=data["place"],
        agenda=data["agenda"],
        now=now,
    )
    if outcome.refusal is not None or outcome.invitation is None:
        await query.answer(t(f"meeting_errors.{outcome.refusal}"), show_alert=True)
        return
    invited = await ui.queue_invitations(uow, catalogs, settings, outcome.invitation, now)
    await query.answer(t("meetings.saved"))
    await callback_message(query).answer(t("meetings.sent", count=invited))
