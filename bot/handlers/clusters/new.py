"""/cluster_new (secretariat, chair, superusers), top to bottom:
working_group (only for those managing several provinces) -> name -> product -> sector
-> firm_count (or Skip) -> cda (pick or none) -> confirm (Save / Cancel)
"""

from __future__ import annotations

import datetime

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.domain.clusters import (
    ClusterRefusal,
    clean_cluster_name,
    clean_product,
    clean_sector,
    creatable_groups,
    parse_firm_count,
)
from bot.domain.members import Actor
from bot.domain.text import InvalidInput
from bot.handlers.clusters.cards import send_card, show_cda_page
from bot.handlers.shared import close_buttons
from bot.i18n import Translator
from bot.services import clusters as cluster_service
from bot.storage.uow import UnitOfWork
from bot.ui import clusters as ui
from bot.ui.keyboards import GroupPick, group_keyboard

router = Router(name="clusters.new")

private = F.chat.type == ChatType.PRIVATE


class ClusterForm(StatesGroup):
    working_group = State()
    name = State()
    product = State()
    sector = State()
    firm_count = State()
    cda = State()
    confirm = State()


@router.message(Command("cluster_new"), private)
async def cluster_new(message: Message, state: FSMContext, actor: Actor, t: Translator) -> None:
    groups = creatable_groups(actor)
    if not groups:
        await message.answer(t("cluster_errors.create_not_allowed"))
        return
    await state.clear()
    if len(groups) > 1:
        await state.set_state(ClusterForm.working_group)
        await message.answer(t("clusters.ask_group"), reply_markup=group_keyboard(t, "clu", groups))
        return
    await state.update_data(working_group=groups[0])
    await _ask_name(message, state, t)


@router.callback_query(ClusterForm.working_group, GroupPick.filter(F.purpose == "clu"))
async def group_chosen(
    query: CallbackQuery, callback_data: GroupPick, state: FSMContext, actor: Actor, t: Translator
) -> None:
    if callback_data.code not in creatable_groups(actor):
        await query.answer(t("cluster_errors.cluster_group_unknown"), show_alert=True)
        return
    await query.answer()
    await close_buttons(query)
    await state.update_data(working_group=callback_data.code)
    assert isinstance(query.message, Message)
    await _ask_name(query.message, state, t)


async def _ask_name(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(ClusterForm.name)
    await message.answer(t("clusters.ask_name"))


@router.message(ClusterForm.name, F.text)
async def name_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        name = clean_cluster_name(message.text or "")
    except InvalidInput as error:
        await message.answer(ui.error_text(t, error.reason))
        return
    await state.update_data(name=name)
    await state.set_state(ClusterForm.product)
    await message.answer(t("clusters.ask_product"))


@router.message(ClusterForm.product, F.text)
async def product_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        product = clean_product(message.text or "")
    except InvalidInput as error:
        await message.answer(ui.error_text(t, error.reason))
        return
    await state.update_data(product=product)
    await state.set_state(ClusterForm.sector)
    await message.answer(t("clusters.ask_sector"))


@router.message(ClusterForm.sector, F.text)
async def sector_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        sector = clean_sector(message.text or "")
    except InvalidInput as error:
        await message.answer(ui.error_text(t, error.reason))
        return
    await state.update_data(sector=sector)
    await state.set_state(ClusterForm.firm_count)
    await message.answer(t("clusters.ask_firm_count"), reply_markup=ui.skip_keyboard(t))


@router.message(ClusterForm.firm_count, F.text)
async def firm_count_typed(
    message: Message, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    try:
        count = parse_firm_count(message.text or "")
    except InvalidInput as error:
        await message.answer(ui.error_text(t, error.reason))
        return
    await state.update_data(firm_count=count)
    await _ask_cda(message, state, uow, t)


@router.callback_query(ClusterForm.firm_count, ui.ClusterFormAction.filter(F.action == "skip"))
async def firm_count_skipped(
    query: CallbackQuery, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    await query.answer()
    await close_buttons(query)
    await state.update_data(firm_count=None)
    assert isinstance(query.message, Message)
    await _ask_cda(query.message, state, uow, t)


async def _ask_cda(message: Message, state: FSMContext, uow: UnitOfWork, t: Translator) -> None:
    group = (await state.get_data())["working_group"]
    await state.set_state(ClusterForm.cda)
    choices = await cluster_service.cda_candidates(uow, group, 0)
    await message.answer(
        t("clusters.ask_cda", group=t(f"working_groups.{group}")),
        reply_markup=ui.cda_keyboard(t, choices, 0),
    )


@router.callback_query(ClusterForm.cda, ui.CdaPageTurn.filter(F.cluster_id == 0))
async def cda_page_of_form(
    query: CallbackQuery,
    callback_data: ui.CdaPageTurn,
    state: FSMContext,
    uow: UnitOfWork,
    t: Translator,
) -> None:
    await query.answer()
    group = (await state.get_data())["working_group"]
    choices = await cluster_service.cda_candidates(uow, group, callback_data.page)
    await show_cda_page(query, t, choices, 0)


@router.callback_query(ClusterForm.cda, ui.CdaPick.filter(F.cluster_id == 0))
async def cda_picked_for_form(
    query: CallbackQuery,
    callback_data: ui.CdaPick,
    state: FSMContext,
    uow: UnitOfWork,
    t: Translator,
) -> None:
    data = await state.get_data()
    cda_name = None
    if callback_data.member_id:
        member = await cluster_service.eligible_cda(
            uow, data["working_group"], callback_data.member_id
        )
        if member is None:
            await query.answer(ui.error_text(t, ClusterRefusal.CDA_NOT_ELIGIBLE), show_alert=True)
            return
        cda_name = member.full_name
    await query.answer()
    await close_buttons(query)
    data = await state.update_data(cda_member_id=callback_data.member_id or None, cda_name=cda_name)
    await state.set_state(ClusterForm.confirm)
    assert isinstance(query.message, Message)
    await query.message.answer(
        t("clusters.preview", details=ui.cluster_details(t, **data)),
        reply_markup=ui.save_keyboard(t),
    )


@router.callback_query(ClusterForm.confirm, ui.ClusterFormAction.filter(F.action == "cancel"))
async def form_cancelled(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await query.answer()
    await close_buttons(query)
    assert isinstance(query.message, Message)
    await query.message.answer(t("clusters.cancelled"))


@router.callback_query(ClusterForm.confirm, ui.ClusterFormAction.filter(F.action == "save"))
async def form_saved(
    query: CallbackQuery,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    now: datetime.datetime,
) -> None:
    data = await state.get_data()
    try:
        outcome = await cluster_service.create_cluster(
            uow,
            actor=actor,
            working_group=data["working_group"],
            name=data["name"],
            product=data["product"],
            sector=data["sector"],
            firm_count=data.get("firm_count"),
            cda_member_id=data.get("cda_member_id"),
            now=now,
        )
    except InvalidInput as error:
        await state.clear()
        await query.answer(ui.error_text(t, error.reason), show_alert=True)
        return
    if outcome.result == ClusterRefusal.CDA_NOT_ELIGIBLE:
        # The chosen agent left the group meanwhile: choose again.
        await query.answer(ui.error_text(t, outcome.result), show_alert=True)
        await close_buttons(query)
        assert isinstance(query.message, Message)
        await _ask_cda(query.message, state, uow, t)
        return
    await state.clear()
    if outcome.cluster is None:
        await query.answer(ui.error_text(t, outcome.result), show_alert=True)
        return
    await query.answer(t("clusters.created"))
    await close_buttons(query)
    assert isinstance(query.message, Message)
    await query.message.answer(t("clusters.created"))
    await send_card(query.message, t, actor, outcome.cluster)
