"""A meeting that changes: its secretariat cancels it, moves it (date, then time), or edits
its place or link, or its agenda, from the card /meetings shows; everyone invited is told
once. Moving asks everyone again; editing keeps their answers."""

from __future__ import annotations

import datetime

from aiogram import F, Router
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
from bot.ui.meetings import MeetingAct

router = Router(name="meetings.changes")


class MeetingChange(StatesGroup):
    date = State()
    time = State()
    place = State()
    agenda = State()


_ASKED = {
    "move": (MeetingChange.date, "meetings.ask_new_date"),
    "place": (MeetingChange.place, "meetings.ask_place"),
    "agenda": (MeetingChange.agenda, "meetings.ask_agenda"),
}


@router.callback_query(MeetingAct.filter(F.action.in_({*_ASKED, "cancel"})))
async def change_asked(
    query: CallbackQuery,
    callback_data: MeetingAct,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    found = await service.meeting_to_change(uow, actor, callback_data.meeting_id, now)
    if found.refusal is not None:
        await query.answer(t(f"meeting_errors.{found.refusal}"), show_alert=True)
        return
    await query.answer()
    if callback_data.action == "cancel":
        await callback_message(query).answer(
            t("meetings.ask_cancel"),
            reply_markup=ui.cancel_confirm_keyboard(t, callback_data.meeting_id),
        )
        return
    form, text = _ASKED[callback_data.action]
    await state.set_state(form)
    await state.update_data(meeting_id=callback_data.meeting_id)
    await callback_message(query).answer(t(text))


@router.callback_query(MeetingAct.filter(F.action == "cancel_yes"))
async def cancel_confirmed(
    query: CallbackQuery,
    callback_data: MeetingAct,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    outcome = await service.change_meeting(uow, actor, callback_data.meeting_id, now, cancel=True)
    await _told(query, uow, catalogs, settings, t, outcome, now)


@router.message(MeetingChange.date, F.text)
async def new_date(
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
    await state.update_data(date=jalali.format_date(day, "en"))
    await state.set_state(MeetingChange.time)
    await message.answer(t("meetings.ask_time", date=t.date(day, long=True)))


@router.message(MeetingChange.time, F.text)
async def new_time(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
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
    await state.clear()
    outcome = await service.change_meeting(
        uow, actor, int(data["meeting_id"]), now, starts_at=starts_at
    )
    await _told(message, uow, catalogs, settings, t, outcome, now)


@router.message(MeetingChange.place, F.text)
async def new_place(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        place = rules.clean_place(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"meeting_errors.{error.reason}"))
        return
    meeting_id = int((await state.get_data())["meeting_id"])
    await state.clear()
    outcome = await service.change_meeting(uow, actor, meeting_id, now, place=place)
    await _told(message, uow, catalogs, settings, t, outcome, now)


@router.message(MeetingChange.agenda, F.text)
async def new_agenda(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        agenda = rules.clean_agenda(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"meeting_errors.{error.reason}"))
        return
    meeting_id = int((await state.get_data())["meeting_id"])
    await state.clear()
    outcome = await service.change_meeting(uow, actor, meeting_id, now, agenda=agenda)
    await _told(message, uow, catalogs, settings, t, outcome, now)


async def _told(
    event: Message | CallbackQuery,
    uow: UnitOfWork,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    outcome: service.ChangeOutcome,
    now: datetime.datetime,
) -> None:
    """Queue the notices and say what happened (an alert for a press, a message for text)."""
    if outcome.refusal is not None:
        text = t(f"meeting_errors.{outcome.refusal}")
        if isinstance(event, CallbackQuery):
            await event.answer(text, show_alert=True)
        else:
            await event.answer(text)
        return
    told = await ui.queue_change_notices(uow, catalogs, settings, outcome, now)
    text = t(f"meetings.{outcome.change or 'unchanged'}_done", count=told)
    if isinstance(event, CallbackQuery):
        await event.answer()
        await callback_message(event).answer(text)
    else:
        await event.answer(text)
