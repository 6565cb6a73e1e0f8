"""Editing a cluster from its card: Name | Product | Sector | Firms -> type the new value;
CDA -> pick a member or none; Stage -> pick a stage. Only for those who manage the cluster;
the service checks again on every save."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.domain.clusters import ClusterStage, parse_firm_count
from bot.domain.members import Actor
from bot.domain.text import InvalidInput
from bot.handlers.clusters.cards import replace_with_card, send_card, show_cda_page
from bot.i18n import Translator
from bot.services import clusters as cluster_service
from bot.storage.uow import UnitOfWork
from bot.ui import clusters as ui

router = Router(name="clusters.edit")


class ClusterFieldEdit(StatesGroup):
    name = State()
    product = State()
    sector = State()
    firm_count = State()


_TEXT_EDITS = {
    "name": (ClusterFieldEdit.name, "clusters.ask_name"),
    "product": (ClusterFieldEdit.product, "clusters.ask_product"),
    "sector": (ClusterFieldEdit.sector, "clusters.ask_sector"),
    "firms": (ClusterFieldEdit.firm_count, "clusters.ask_new_firm_count"),
}


@router.callback_query(ui.ClusterEdit.filter())
async def edit_pressed(
    query: CallbackQuery,
    callback_data: ui.ClusterEdit,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    field = callback_data.field
    if field not in {f for f, _ in ui.EDIT_BUTTONS}:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    outcome = await cluster_service.check_manage(uow, actor, callback_data.cluster_id)
    cluster = outcome.cluster
    if cluster is None:
        await query.answer(ui.error_text(t, outcome.result), show_alert=True)
        return
    await query.answer()
    message = query.message
    assert isinstance(message, Message)
    if field in _TEXT_EDITS:
        step, question = _TEXT_EDITS[field]
        await state.set_state(step)
        await state.update_data(cluster_id=cluster.id)
        await message.answer(t(question))
    elif field == "cda":
        choices = await cluster_service.cda_candidates(uow, cluster.working_group, 0)
        await message.answer(
            t("clusters.ask_cda", group=t(f"working_groups.{cluster.working_group}")),
            reply_markup=ui.cda_keyboard(t, choices, cluster.id),
        )
    else:
        await message.answer(
            t("clusters.ask_stage", name=cluster.name),
            reply_markup=ui.stage_keyboard(t, actor, cluster),
        )


@router.message(ClusterFieldEdit.name, F.text)
async def new_name_typed(
    message: Message, state: FSMContext, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    await _save_typed(message, state, uow, actor, t, "name", message.text or "")


@router.message(ClusterFieldEdit.product, F.text)
async def new_product_typed(
    message: Message, state: FSMContext, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    await _save_typed(message, state, uow, actor, t, "product", message.text or "")


@router.message(ClusterFieldEdit.sector, F.text)
async def new_sector_typed(
    message: Message, state: FSMContext, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    await _save_typed(message, state, uow, actor, t, "sector", message.text or "")


@router.message(ClusterFieldEdit.firm_count, F.text)
async def new_firm_count_typed(
    message: Message, state: FSMContext, uow: UnitOfWork, actor: Actor, t: Translator
) -> None:
    try:
        count = parse_firm_count(message.text or "")
    except InvalidInput as error:
        await message.answer(ui.error_text(t, error.reason))
        return
    await _save_typed(message, state, uow, actor, t, "firm_count", count)


async def _save_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
    field: str,
    value: str | int,
) -> None:
    cluster_id = int((await state.get_data())["cluster_id"])
    try:
        outcome = await cluster_service.update_cluster(uow, actor, cluster_id, field, value)
    except InvalidInput as error:
        await message.answer(ui.error_text(t, error.reason))
        return
    await state.clear()
    if not outcome.done or outcome.cluster is None:
        await message.answer(ui.error_text(t, outcome.result))
        return
    await message.answer(t("clusters.saved"))
    await send_card(message, t, actor, outcome.cluster)


@router.callback_query(ui.ClusterStagePick.filter())
async def stage_picked(
    query: CallbackQuery,
    callback_data: ui.ClusterStagePick,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    try:
        stage = ClusterStage(callback_data.stage)
    except ValueError:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    outcome = await cluster_service.update_cluster(
        uow, actor, callback_data.cluster_id, "stage", stage
    )
    if not outcome.done or outcome.cluster is None:
        await query.answer(ui.error_text(t, outcome.result), show_alert=True)
        return
    await query.answer(t("clusters.stage_set", stage=ui.stage_name(t, stage)))
    await replace_with_card(query, t, actor, outcome.cluster)


# --- choosing the development agent (CDA) of an existing cluster -------------------------------


@router.callback_query(ui.CdaPageTurn.filter(F.cluster_id > 0))
async def cda_page_of_cluster(
    query: CallbackQuery,
    callback_data: ui.CdaPageTurn,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    outcome = await cluster_service.check_manage(uow, actor, callback_data.cluster_id)
    if outcome.cluster is None:
        await query.answer(ui.error_text(t, outcome.result), show_alert=True)
        return
    await query.answer()
    choices = await cluster_service.cda_candidates(
        uow, outcome.cluster.working_group, callback_data.page
    )
    await show_cda_page(query, t, choices, callback_data.cluster_id)


@router.callback_query(ui.CdaPick.filter(F.cluster_id > 0))
async def cda_picked_for_cluster(
    query: CallbackQuery,
    callback_data: ui.CdaPick,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    outcome = await cluster_service.update_cluster(
        uow, actor, callback_data.cluster_id, "cda_member_id", callback_data.member_id or None
    )
    if not outcome.done or outcome.cluster is None:
        await query.answer(ui.error_text(t, outcome.result), show_alert=True)
        return
    await query.answer(t("clusters.saved"))
    await replace_with_card(query, t, actor, outcome.cluster)
