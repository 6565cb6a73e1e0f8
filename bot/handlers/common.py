"""/help, /cancel and /date, which work everywhere and in every dialog state."""

from __future__ import annotations

import datetime

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, ReplyKeyboardRemove

from bot.config import Settings
from bot.domain import jalali
from bot.domain.members import Actor
from bot.domain.workdays import HolidayCalendar
from bot.handlers.shared import date_error
from bot.i18n import Markup, Translator
from bot.services import calendar as calendar_service
from bot.storage.uow import UnitOfWork
from bot.ui import calendar as calendar_views
from bot.ui.dashboard import dashboard_keyboard
from bot.ui.members import help_text

router = Router(name="common")


@router.message(Command("help"))
async def help_(message: Message, actor: Actor, t: Translator, settings: Settings) -> None:
    # The dashboard answers members (and superusers) only: a visitor gets no button to it.
    offered = actor.is_member or actor.is_superuser
    markup = dashboard_keyboard(
        t, settings.webapp_url if offered else None, private=message.chat.type == ChatType.PRIVATE
    )
    await message.answer(help_text(t, actor), reply_markup=markup)


@router.message(Command("cancel"), ~StateFilter(None))
async def cancel(message: Message, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await message.answer(t("common.cancelled"), reply_markup=ReplyKeyboardRemove())


@router.message(Command("cancel"))
async def nothing_to_cancel(message: Message, t: Translator) -> None:
    await message.answer(t("common.nothing_to_cancel"))


@router.message(Command("date"))
async def date(
    message: Message,
    command: CommandObject,
    actor: Actor,
    uow: UnitOfWork,
    t: Translator,
    now: datetime.datetime,
) -> None:
    """Read a Jalali date the way people type it, and say what day it is."""
    if not command.args:
        await message.answer(t("dates.usage"))
        return
    today = t.today(now)
    try:
        day = jalali.parse_date(command.args, today)
    except jalali.DateParseError as error:
        if error.suggestion is None:
            await message.answer(date_error(t, error))
            return
        # A Gregorian date: /date is where people convert, so say which Jalali day it is.
        day = error.suggestion
    calendar = await calendar_service.calendar_of(uow, actor.working_group, today)
    await message.answer(describe_date(t, day, today, calendar))


def describe_date(
    t: Translator, day: datetime.date, today: datetime.date, calendar: HolidayCalendar
) -> str:
    offset = (day - today).days
    if offset == 0:
        relation = t("dates.today")
    elif offset > 0:
        relation = t("dates.future", count=offset)
    else:
        relation = t("dates.past", count=-offset)
    closure = calendar.closure_on(day)
    named = calendar.holidays_on(day)
    if closure is not None:
        working = t("dates.closed", reason=closure.reason)
    elif named:
        separator = "؛ " if t.locale == "fa" else "; "
        working = t("dates.holiday_named", name=Markup(separator.join(
            calendar_views.holiday_name(t, h) for h in named
        )))  # fmt: skip
    elif calendar.is_holiday(day):
        working = t("dates.holiday")
    elif not calendar.is_working_day(day):
        # Friday, or a Thursday the reader's group does not work.
        working = t("dates.weekend") if day.weekday() == 4 else t("dates.thursday_off")
    elif calendar.working_until(day) is not None:
        working = t("dates.half_day")
    else:
        working = t("dates.working_day")
    return t(
        "dates.answer",
        long=jalali.format_date(day, t.locale, long=True, weekday=True),
        numeric=t.date(day),
        gregorian=t.digits(day.isoformat()),
        relation=relation,
        working=working,
    )
