"""/substitute: a secretary or chair names who stands in for an absent officer, and when;
/substitutes: those in force or to come, each with a button to end it early."""

from __future__ import annotations

import datetime

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.domain.members import Actor
from bot.domain.substitutes import check_range
from bot.handlers.shared import callback_message, close_buttons, read_date
from bot.i18n import Catalogs, Translator
from bot.services import substitutes as service
from bot.storage.uow import UnitOfWork
from bot.ui import substitutes as ui
from bot.ui.keyboards import GroupPick, group_keyboard

router = Router(name="substitutes")
private = F.chat.type == ChatType.PRIVATE


class SubstituteForm(StatesGroup):
    group = State()
    absent = State()
    substitute = State()
    first_day = State()
    last_day = State()
    preview = State()


@router.message(Command("substitute"), private)
async def new_substitute(
    message: Message, state: FSMContext, actor: Actor, t: Translator, uow: UnitOfWork
) -> None:
    groups = service.groups_to_manage(actor)
    if not groups:
        await message.answer(t("errors.secretaries_only"))
        return
    await state.clear()
    own = actor.working_group
    if len(groups) == 1 or own in groups:
        # A secretary with wider reach (the central group's) starts from their own group.
        await _ask_absent(message, state, t, uow, actor, own if own in groups else groups[0])
        return
    await state.set_state(SubstituteForm.group)
    await message.answer(t("substitutes.ask_group"), reply_markup=group_keyboard(t, "sub", groups))


@router.callback_query(SubstituteForm.group, GroupPick.filter(F.purpose == "sub"))
async def substitute_group(
    query: CallbackQuery,
    callback_data: GroupPick,
    state: FSMContext,
    actor: Actor,
    t: Translator,
    uow: UnitOfWork,
) -> None:
    await query.answer()
    await close_buttons(query)
    await _ask_absent(callback_message(query), state, t, uow, actor, callback_data.code)


async def _ask_absent(
    message: Message,
    state: FSMContext,
    t: Translator,
    uow: UnitOfWork,
    actor: Actor,
    group: str,
) -> None:
    officers = await service.officers(uow, actor, group)
    if not officers:
        await state.clear()
        await message.answer(t("substitutes.no_officers", group=t(f"working_groups.{group}")))
        return
    await state.set_state(SubstituteForm.absent)
    await message.answer(
        t("substitutes.ask_absent", group=t(f"working_groups.{group}")),
        reply_markup=ui.absent_keyboard(t, officers),
    )


@router.callback_query(SubstituteForm.absent, ui.AbsentPick.filter())
async def substitute_absent(
    query: CallbackQuery,
    callback_data: ui.AbsentPick,
    state: FSMContext,
    t: Translator,
    uow: UnitOfWork,
) -> None:
    absent = await uow.members.get(callback_data.member_id)
    if absent is None:
        await query.answer(t.plain("substitute_refusals.absent_not_officer"), show_alert=True)
        return
    await query.answer()
    await close_buttons(query)
    people = await service.candidates(uow, absent)
    message = callback_message(query)
    if not people:
        await state.clear()
        await message.answer(t("substitutes.no_candidates"))
        return
    await state.update_data(absent=absent.id)
    await state.set_state(SubstituteForm.substitute)
    await message.answer(
        t("substitutes.ask_substitute", absent=absent.full_name),
        reply_markup=ui.candidate_keyboard(t, people),
    )


@router.callback_query(SubstituteForm.substitute, ui.SubstitutePick.filter())
async def substitute_pick(
    query: CallbackQuery, callback_data: ui.SubstitutePick, state: FSMContext, t: Translator
) -> None:
    await query.answer()
    await close_buttons(query)
    await state.update_data(substitute=callback_data.member_id)
    await state.set_state(SubstituteForm.first_day)
    await callback_message(query).answer(t("substitutes.ask_first"))


@router.message(SubstituteForm.first_day, F.text)
async def substitute_first_day(
    message: Message, state: FSMContext, t: Translator, now: datetime.datetime
) -> None:
    day = await read_date(message, t, now)
    if day is None:
        return
    if day < t.today(now):
        await message.answer(t("substitute_refusals.range_in_past"))
        return
    await state.update_data(first_day=day.toordinal())
    await state.set_state(SubstituteForm.last_day)
    await message.answer(t("substitutes.ask_last", first=t.date(day, long=True)))


@router.message(SubstituteForm.last_day, F.text)
async def substitute_last_day(
    message: Message, state: FSMContext, t: Translator, uow: UnitOfWork, now: datetime.datetime
) -> None:
    day = await read_date(message, t, now)
    if day is None:
        return
    data = await state.get_data()
    first = datetime.date.fromordinal(data["first_day"])
    refusal = check_range(first, day, t.today(now))
    if refusal is not None:
        await message.answer(t(f"substitute_refusals.{refusal.value}"))
        return
    absent = await uow.members.get(data["absent"])
    substitute = await uow.members.get(data["substitute"])
    if absent is None or substitute is None:
        await state.clear()
        await message.answer(t("substitute_refusals.substitute_not_eligible"))
        return
    await state.update_data(last_day=day.toordinal())
    await state.set_state(SubstituteForm.preview)
    await message.answer(
        ui.preview_text(t, absent, substitute, first, day), reply_markup=ui.save_keyboard(t)
    )


@router.callback_query(SubstituteForm.preview, ui.SubstituteSave.filter())
async def substitute_save(
    query: CallbackQuery,
    callback_data: ui.SubstituteSave,
    state: FSMContext,
    actor: Actor,
    t: Translator,
    uow: UnitOfWork,
    catalogs: Catalogs,
    now: datetime.datetime,
) -> None:
    await close_buttons(query)
    message = callback_message(query)
    if callback_data.action != "save":
        await query.answer()
        await state.clear()
        await message.answer(t("substitutes.cancelled"))
        return
    data = await state.get_data()
    outcome = await service.name_substitute(
        uow,
        actor,
        absent_member_id=data["absent"],
        substitute_member_id=data["substitute"],
        first_day=datetime.date.fromordinal(data["first_day"]),
        last_day=datetime.date.fromordinal(data["last_day"]),
        now=now,
    )
    await state.clear()
    await query.answer()
    if outcome.substitution is None:
        await message.answer(t(f"substitute_refusals.{outcome.result}"))
        return
    s = outcome.substitution
    await ui.queue_named(uow, catalogs, s, now)
    await message.answer(
        t(
            "substitutes.saved",
            absent=s.absent_name,
            substitute=s.substitute_name,
            first=t.date(s.first_day, long=True),
            last=t.date(s.last_day, long=True),
        )
    )


@router.message(Command("substitutes"))
async def list_substitutes(message: Message, actor: Actor, t: Translator, uow: UnitOfWork) -> None:
    found = await service.listing(uow, actor)
    text, markup = ui.list_view(t, found, uow.today())
    await message.answer(text, reply_markup=markup)


@router.callback_query(ui.SubstituteEnd.filter())
async def end_substitute(
    query: CallbackQuery,
    callback_data: ui.SubstituteEnd,
    actor: Actor,
    t: Translator,
    uow: UnitOfWork,
    catalogs: Catalogs,
    now: datetime.datetime,
) -> None:
    outcome = await service.end_substitution(uow, actor, callback_data.substitution_id, now)
    if outcome.result != "ended" or outcome.substitution is None:
        await query.answer(t.plain(f"substitute_refusals.{outcome.result}"), show_alert=True)
        return
    await query.answer(t.plain("substitutes.ended"))
    await ui.queue_ended(uow, catalogs, outcome.substitution, actor.user_id, now)
    text, markup = ui.list_view(t, await service.listing(uow, actor), uow.today())
    await callback_message(query).edit_text(text, reply_markup=markup)
