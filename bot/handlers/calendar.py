"""/holidays, /closure and /workweek: the coming days off, declaring a closure, Thursdays."""

from __future__ import annotations

import datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.domain import workdays
from bot.domain.members import Actor, can_manage_group
from bot.domain.text import InvalidInput
from bot.domain.workdays import Closure, Thursday
from bot.domain.working_groups import PROVINCES
from bot.handlers.shared import answer_long, callback_message, close_buttons, read_date
from bot.i18n import Catalogs, Translator
from bot.services import calendar as service
from bot.storage.uow import UnitOfWork
from bot.ui import calendar as views
from bot.ui.calendar import NATIONAL, ClosureLift, ClosureScope, ClosureStep, WorkweekSet

router = Router(name="calendar")


class ClosureForm(StatesGroup):
    scope = State()
    first = State()
    last = State()
    reason = State()
    preview = State()


def _province(actor: Actor) -> str | None:
    """The province whose closures a reader sees; the central group sees the country's."""
    group = actor.working_group
    return group if group in PROVINCES else None


# --- /holidays ----------------------------------------------------------------------------


@router.message(Command("holidays"))
async def holidays(
    message: Message, actor: Actor, uow: UnitOfWork, t: Translator, now: datetime.datetime
) -> None:
    province = _province(actor)
    days_off = await service.coming_days_off(
        uow, actor.working_group, t.today(now), views.HOLIDAYS_AHEAD_DAYS
    )
    liftable = {
        d.closure.id: d.closure
        for d in days_off
        if d.closure is not None and service.may_lift(actor, d.closure)
    }
    await answer_long(
        message,
        views.holidays_text(t, days_off, province),
        reply_markup=views.lift_keyboard(t, list(liftable.values())),
    )


@router.callback_query(ClosureLift.filter())
async def lift(
    query: CallbackQuery,
    callback_data: ClosureLift,
    actor: Actor,
    uow: UnitOfWork,
    catalogs: Catalogs,
    t: Translator,
    now: datetime.datetime,
) -> None:
    outcome = await service.lift_closure(
        uow, actor=actor, closure_id=callback_data.closure_id, now=now
    )
    if outcome.result != "lifted":
        await query.answer(t.plain(f"calendar.lift_{outcome.result}"), show_alert=True)
        return
    await close_buttons(query)
    for notice in views.lifted_notices(catalogs, outcome):
        await uow.outbox.enqueue(notice, now)
    await query.answer(t.plain("calendar.lifted"))


# --- /closure -----------------------------------------------------------------------------


@router.message(Command("closure"))
async def closure(message: Message, state: FSMContext, actor: Actor, t: Translator) -> None:
    scopes = workdays.closure_scopes(actor)
    if not scopes:
        await message.answer(t("calendar.not_allowed"))
        return
    await state.clear()
    if len(scopes) == 1:
        await _ask_first(message, state, t, scopes[0])
        return
    await state.set_state(ClosureForm.scope)
    await message.answer(t("calendar.ask_scope"), reply_markup=views.scope_keyboard(t, scopes))


@router.callback_query(ClosureForm.scope, ClosureScope.filter())
async def closure_scope(
    query: CallbackQuery,
    callback_data: ClosureScope,
    state: FSMContext,
    actor: Actor,
    t: Translator,
) -> None:
    scope = None if callback_data.scope == NATIONAL else callback_data.scope
    if scope not in workdays.closure_scopes(actor):
        await query.answer(t.plain("calendar.not_allowed"), show_alert=True)
        return
    await query.answer()
    await close_buttons(query)
    await _ask_first(callback_message(query), state, t, scope)


async def _ask_first(
    message: Message, state: FSMContext, t: Translator, scope: str | None
) -> None:
    await state.set_state(ClosureForm.first)
    await state.update_data(scope=scope or NATIONAL)
    await message.answer(t("calendar.ask_first", where=views.where(t, scope)))


@router.message(ClosureForm.first, F.text)
async def closure_first(
    message: Message, state: FSMContext, t: Translator, now: datetime.datetime
) -> None:
    day = await read_date(message, t, now)
    if day is None:
        return
    try:
        workdays.check_closure_days(day, day, t.today(now))
    except InvalidInput as error:
        await message.answer(t(f"calendar_errors.{error.reason}"))
        return
    await state.update_data(first=day.isoformat())
    await state.set_state(ClosureForm.last)
    await message.answer(
        t("calendar.ask_last", first=t.date(day, long=True)),
        reply_markup=views.same_day_keyboard(t),
    )


@router.message(ClosureForm.last, F.text)
async def closure_last(
    message: Message, state: FSMContext, t: Translator, now: datetime.datetime
) -> None:
    day = await read_date(message, t, now)
    if day is None:
        return
    first = datetime.date.fromisoformat((await state.get_data())["first"])
    try:
        workdays.check_closure_days(first, day, t.today(now))
    except InvalidInput as error:
        await message.answer(t(f"calendar_errors.{error.reason}"))
        return
    await _ask_reason(message, state, t, day)


@router.callback_query(ClosureForm.last, ClosureStep.filter(F.action == "same_day"))
async def closure_same_day(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await close_buttons(query)
    first = datetime.date.fromisoformat((await state.get_data())["first"])
    await _ask_reason(callback_message(query), state, t, first)


async def _ask_reason(
    message: Message, state: FSMContext, t: Translator, last: datetime.date
) -> None:
    await state.update_data(last=last.isoformat())
    await state.set_state(ClosureForm.reason)
    await message.answer(t("calendar.ask_reason"))


def _drafted(data: dict) -> Closure:
    scope = data["scope"]
    return Closure(
        datetime.date.fromisoformat(data["first"]),
        datetime.date.fromisoformat(data["last"]),
        data.get("reason", ""),
        None if scope == NATIONAL else scope,
    )


@router.message(ClosureForm.reason, F.text)
async def closure_reason(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        reason = workdays.clean_closure_reason(message.text or "")
    except InvalidInput as error:
        await message.answer(t(f"calendar_errors.{error.reason}"))
        return
    await state.update_data(reason=reason)
    await state.set_state(ClosureForm.preview)
    draft = _drafted(await state.get_data())
    await message.answer(views.preview(t, draft), reply_markup=views.preview_keyboard(t))


@router.callback_query(ClosureForm.preview, ClosureStep.filter(F.action == "cancel"))
async def closure_cancel(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await close_buttons(query)
    await state.clear()
    await callback_message(query).answer(t("calendar.cancelled"))


@router.callback_query(ClosureForm.preview, ClosureStep.filter(F.action == "declare"))
async def closure_declare(
    query: CallbackQuery,
    state: FSMContext,
    actor: Actor,
    uow: UnitOfWork,
    catalogs: Catalogs,
    settings: Settings,
    t: Translator,
    now: datetime.datetime,
) -> None:
    draft = _drafted(await state.get_data())
    try:
        outcome = await service.declare_closure(
            uow,
            actor=actor,
            province=draft.province,
            first=draft.first,
            last=draft.last,
            reason=draft.reason,
            today=t.today(now),
            now=now,
            zone=settings.zone,
        )
    except service.NotAllowed:
        await query.answer(t.plain("calendar.not_allowed"), show_alert=True)
        return
    except InvalidInput as error:
        await query.answer(t.plain(f"calendar_errors.{error.reason}"), show_alert=True)
        return
    await query.answer()
    await close_buttons(query)
    await state.clear()
    for notice in views.closure_notices(catalogs, outcome):
        await uow.outbox.enqueue(notice, now)
    await callback_message(query).answer(t("calendar.declared", count=len(outcome.readers)))


# --- /workweek ----------------------------------------------------------------------------


@router.message(Command("workweek"))
async def workweek(message: Message, actor: Actor, uow: UnitOfWork, t: Translator) -> None:
    group = actor.working_group
    if group is None or not can_manage_group(actor, group):
        await message.answer(t("calendar.workweek_not_allowed"))
        return
    current = await service.thursday_of(uow, group)
    await message.answer(
        t(
            "calendar.workweek",
            group=t(f"working_groups.{group}"),
            rule=views.thursday_name(t, current),
        ),
        reply_markup=views.workweek_keyboard(t, group, current),
    )


@router.callback_query(WorkweekSet.filter())
async def workweek_set(
    query: CallbackQuery,
    callback_data: WorkweekSet,
    actor: Actor,
    uow: UnitOfWork,
    t: Translator,
    now: datetime.datetime,
) -> None:
    try:
        thursday = Thursday(callback_data.thursday)
        await service.set_thursday(
            uow, actor=actor, working_group=callback_data.group, thursday=thursday, now=now
        )
    except (ValueError, service.NotAllowed):
        await query.answer(t.plain("calendar.workweek_not_allowed"), show_alert=True)
        return
    await query.answer()
    await close_buttons(query)
    await callback_message(query).answer(
        t(
            "calendar.workweek_set",
            group=t(f"working_groups.{callback_data.group}"),
            rule=views.thursday_name(t, thursday),
        )
    )
