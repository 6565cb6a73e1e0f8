"""The cluster registry: list and search clusters, open a card, register and edit clusters.

Listing, top to bottom:
    /clusters [words] -> a page of 8 clusters, newest first, with Prev/Next and one button per
    cluster -> its card; people who manage it get Edit buttons on the card:
    Name | Product | Sector | Firms -> type the new value;  CDA -> pick a member or none;
    Stage -> pick a stage.
Registering (secretariat, chair, superusers), top to bottom:
    /cluster_new -> working_group (only for those managing several provinces) -> name
    -> product -> sector -> firm_count (or Skip) -> cda (pick or none) -> confirm (Save / Cancel)
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.clusters import (
    Cluster,
    ClusterStage,
    can_manage_cluster,
    clean_cluster_name,
    clean_product,
    clean_sector,
    creatable_groups,
    parse_firm_count,
    settable_stages,
    visible_groups,
)
from bot.domain.digits import normalize_persian
from bot.domain.members import Actor, InvalidInput
from bot.handlers.keyboards import GroupPick, group_keyboard
from bot.handlers.shared import close_buttons
from bot.i18n import Markup, Translator
from bot.services import clusters as cluster_service
from bot.storage.uow import UnitOfWork

router = Router(name="clusters")

private = F.chat.type == ChatType.PRIVATE


class ClusterForm(StatesGroup):
    working_group = State()
    name = State()
    product = State()
    sector = State()
    firm_count = State()
    cda = State()
    confirm = State()


class ClusterFieldEdit(StatesGroup):
    name = State()
    product = State()
    sector = State()
    firm_count = State()


class ClusterPage(CallbackData, prefix="clp"):
    page: int
    # "" for no search, the search words when short, or "#<hash>" of words kept in FSM data.
    key: str


class ClusterOpen(CallbackData, prefix="clo"):
    cluster_id: int


class ClusterEdit(CallbackData, prefix="cle"):
    cluster_id: int
    field: str  # name | product | sector | firms | cda | stage


class ClusterStagePick(CallbackData, prefix="cls"):
    cluster_id: int
    stage: str


class CdaPick(CallbackData, prefix="cda"):
    cluster_id: int  # 0: the cluster being registered with /cluster_new
    member_id: int  # 0: no development agent


class CdaPageTurn(CallbackData, prefix="cdap"):
    cluster_id: int  # 0: the cluster being registered
    page: int


class ClusterFormAction(CallbackData, prefix="clf"):
    action: str  # skip | save | cancel


# --- texts built from codes -------------------------------------------------------------------

STAGE_KEYS: dict[ClusterStage, str] = {
    ClusterStage.IDENTIFIED: "cluster_stages.identified",
    ClusterStage.FEASIBILITY_STUDIED: "cluster_stages.feasibility_studied",
    ClusterStage.LICENSED: "cluster_stages.licensed",
    ClusterStage.DEVELOPMENT_RUNNING: "cluster_stages.development_running",
    ClusterStage.FINISHED: "cluster_stages.finished",
}

# What the domain and the service say when they refuse, and the text the person reads.
ERROR_KEYS: dict[str, str] = {
    "cluster_name_is_command": "cluster_errors.cluster_name_is_command",
    "cluster_name_too_short": "cluster_errors.cluster_name_too_short",
    "cluster_name_too_long": "cluster_errors.cluster_name_too_long",
    "product_is_command": "cluster_errors.product_is_command",
    "product_too_short": "cluster_errors.product_too_short",
    "product_too_long": "cluster_errors.product_too_long",
    "sector_is_command": "cluster_errors.sector_is_command",
    "sector_too_short": "cluster_errors.sector_too_short",
    "sector_too_long": "cluster_errors.sector_too_long",
    "firm_count_invalid": "cluster_errors.firm_count_invalid",
    "cluster_group_unknown": "cluster_errors.cluster_group_unknown",
    "not_allowed": "cluster_errors.not_allowed_edit",
    "not_found": "cluster_errors.not_found",
    "cda_not_eligible": "cluster_errors.cda_not_eligible",
    "stage_needs_license": "cluster_errors.stage_needs_license",
}

# The card's Edit buttons: (callback field, label).
EDIT_BUTTONS = (
    ("name", "clusters.edit_name"),
    ("product", "clusters.edit_product"),
    ("sector", "clusters.edit_sector"),
    ("firms", "clusters.edit_firms"),
    ("cda", "clusters.edit_cda"),
    ("stage", "clusters.edit_stage"),
)


def stage_name(t: Translator, stage: ClusterStage) -> Markup:
    """A stage as the reader calls it; for other features' cards too."""
    return t(STAGE_KEYS[stage])


def _error(t: Translator, reason: str) -> Markup:
    return t(ERROR_KEYS[reason])


def _firms(t: Translator, count: int | None) -> Markup:
    return t("clusters.firms", count=count) if count is not None else t("clusters.firms_unknown")


def _label(t: Translator, number: int, name: str) -> str:
    """A button's text: not markup, so the name goes in as it is (only shortened)."""
    short = name if len(name) <= 48 else name[:47] + "…"
    return f"{t.digits(str(number))}. {short}"


# --- the list ----------------------------------------------------------------------------------

_INLINE_QUERY_BYTES = 40
_REMEMBERED_SEARCHES = 5


def _query_token(query: str | None) -> str:
    if not query:
        return ""
    if len(query.encode()) <= _INLINE_QUERY_BYTES and ":" not in query and query[0] != "#":
        return query
    return "#" + hashlib.sha256(query.encode()).hexdigest()[:10]


async def _remember_search(state: FSMContext, token: str, query: str) -> None:
    """Search words too long for a button wait in the conversation's data."""
    searches = dict((await state.get_data()).get("cluster_searches") or {})
    searches.pop(token, None)
    searches[token] = query
    kept = dict(list(searches.items())[-_REMEMBERED_SEARCHES:])
    await state.update_data(cluster_searches=kept)


async def _recall_search(state: FSMContext, token: str) -> str | None:
    searches = (await state.get_data()).get("cluster_searches") or {}
    return searches.get(token)


async def _list_view(
    uow: UnitOfWork, actor: Actor, t: Translator, query: str | None, token: str, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    found = await cluster_service.list_visible(uow, actor, query, page)
    if not found.clusters:
        if query:
            return t("clusters.none_found", query=query), None
        return t("clusters.none"), None
    first = found.page * cluster_service.CLUSTERS_PER_PAGE + 1
    lines = [
        t(
            "clusters.line",
            number=number,
            name=cluster.name,
            group=t(f"working_groups.{cluster.working_group}"),
            product=cluster.product,
            stage=stage_name(t, cluster.stage),
            firms=_firms(t, cluster.firm_count),
        )
        for number, cluster in enumerate(found.clusters, start=first)
    ]
    header = (
        t("clusters.header_search", query=query, total=found.total)
        if query
        else t("clusters.header", total=found.total)
    )
    footer = t("clusters.page", page=found.page + 1, pages=found.pages)
    builder = InlineKeyboardBuilder()
    for number, cluster in enumerate(found.clusters, start=first):
        builder.button(
            text=_label(t, number, cluster.name), callback_data=ClusterOpen(cluster_id=cluster.id)
        )
    builder.adjust(1)
    turns = []
    if found.page > 0:
        turns.append((t("clusters.previous"), found.page - 1))
    if found.page + 1 < found.pages:
        turns.append((t("clusters.next"), found.page + 1))
    if turns:
        builder.row(
            *(
                InlineKeyboardButton(
                    text=label, callback_data=ClusterPage(page=target, key=token).pack()
                )
                for label, target in turns
            )
        )
    return t.join([header, *lines, footer], "\n\n"), builder.as_markup()


@router.message(Command("clusters", "cluster_new"), ~private)
async def clusters_outside_private(message: Message, t: Translator) -> None:
    await message.answer(t("clusters.private_only"))


@router.message(Command("clusters"), private)
async def clusters(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    if visible_groups(actor) == ():
        await message.answer(t("cluster_errors.members_only"))
        return
    query = normalize_persian(command.args or "") or None
    token = _query_token(query)
    if token.startswith("#") and query:
        await _remember_search(state, token, query)
    text, markup = await _list_view(uow, actor, t, query, token, 0)
    await message.answer(text, reply_markup=markup)


@router.callback_query(ClusterPage.filter())
async def page_turned(
    query: CallbackQuery,
    callback_data: ClusterPage,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    if visible_groups(actor) == ():
        await query.answer(t("cluster_errors.members_only"), show_alert=True)
        return
    token = callback_data.key
    search: str | None = token or None
    if token.startswith("#"):
        search = await _recall_search(state, token)
        if search is None:
            await query.answer(t("cluster_errors.stale_search"), show_alert=True)
            return
    await query.answer()
    text, markup = await _list_view(uow, actor, t, search, token, callback_data.page)
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):  # a double press: already showing it
            await query.message.edit_text(text, reply_markup=markup)


# --- the card ----------------------------------------------------------------------------------


def cluster_details(t: Translator, cluster: Cluster | None = None, **values: object) -> Markup:
    """The fields of a cluster (or of the one being registered, given as values)."""
    if cluster is not None:
        values = {
            "name": cluster.name,
            "working_group": cluster.working_group,
            "product": cluster.product,
            "sector": cluster.sector,
            "firm_count": cluster.firm_count,
            "cda_name": cluster.cda_name if cluster.cda_member_id is not None else None,
            "stage": cluster.stage,
        }
    firms = values.get("firm_count")
    cda = values.get("cda_name")
    return t(
        "clusters.details",
        name=str(values["name"]),
        group=t(f"working_groups.{values['working_group']}"),
        product=str(values["product"]),
        sector=str(values["sector"]),
        firms=firms if isinstance(firms, int) else t("clusters.unknown"),
        cda=str(cda) if cda else t("clusters.no_cda"),
        stage=stage_name(t, ClusterStage(str(values.get("stage") or ClusterStage.IDENTIFIED))),
    )


def _card_keyboard(t: Translator, actor: Actor, cluster: Cluster) -> InlineKeyboardMarkup | None:
    if not can_manage_cluster(actor, cluster.working_group):
        return None
    builder = InlineKeyboardBuilder()
    for field, key in EDIT_BUTTONS:
        builder.button(text=t(key), callback_data=ClusterEdit(cluster_id=cluster.id, field=field))
    builder.adjust(2)
    return builder.as_markup()


async def _send_card(message: Message, t: Translator, actor: Actor, cluster: Cluster) -> None:
    await message.answer(
        t("clusters.card", details=cluster_details(t, cluster)),
        reply_markup=_card_keyboard(t, actor, cluster),
    )


async def _replace_with_card(
    query: CallbackQuery, t: Translator, actor: Actor, cluster: Cluster
) -> None:
    """Turn the picker the person just used into the updated card."""
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_text(
                t("clusters.card", details=cluster_details(t, cluster)),
                reply_markup=_card_keyboard(t, actor, cluster),
            )


@router.callback_query(ClusterOpen.filter())
async def card_opened(
    query: CallbackQuery,
    callback_data: ClusterOpen,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    outcome = await cluster_service.view_cluster(uow, actor, callback_data.cluster_id)
    if outcome.cluster is None:
        key = "cluster_errors.not_allowed_view"
        if outcome.result == "not_found":
            key = "cluster_errors.not_found"
        await query.answer(t(key), show_alert=True)
        return
    await query.answer()
    assert isinstance(query.message, Message)
    await _send_card(query.message, t, actor, outcome.cluster)


# --- editing from the card -----------------------------------------------------------------

_TEXT_EDITS = {
    "name": (ClusterFieldEdit.name, "clusters.ask_name"),
    "product": (ClusterFieldEdit.product, "clusters.ask_product"),
    "sector": (ClusterFieldEdit.sector, "clusters.ask_sector"),
    "firms": (ClusterFieldEdit.firm_count, "clusters.ask_new_firm_count"),
}


@router.callback_query(ClusterEdit.filter())
async def edit_pressed(
    query: CallbackQuery,
    callback_data: ClusterEdit,
    state: FSMContext,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    field = callback_data.field
    if field not in {f for f, _ in EDIT_BUTTONS}:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    outcome = await cluster_service.check_manage(uow, actor, callback_data.cluster_id)
    cluster = outcome.cluster
    if cluster is None:
        await query.answer(_error(t, outcome.result), show_alert=True)
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
            reply_markup=_cda_keyboard(t, choices, cluster.id),
        )
    else:
        await message.answer(
            t("clusters.ask_stage", name=cluster.name),
            reply_markup=_stage_keyboard(t, actor, cluster),
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
        await message.answer(_error(t, error.reason))
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
        await message.answer(_error(t, error.reason))
        return
    await state.clear()
    if outcome.result != "done" or outcome.cluster is None:
        await message.answer(_error(t, outcome.result))
        return
    await message.answer(t("clusters.saved"))
    await _send_card(message, t, actor, outcome.cluster)


def _stage_keyboard(t: Translator, actor: Actor, cluster: Cluster) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for stage in settable_stages(actor):
        label = stage_name(t, stage)
        builder.button(
            text=f"✓ {label}" if stage is cluster.stage else label,
            callback_data=ClusterStagePick(cluster_id=cluster.id, stage=stage.value),
        )
    builder.adjust(1)
    return builder.as_markup()


@router.callback_query(ClusterStagePick.filter())
async def stage_picked(
    query: CallbackQuery,
    callback_data: ClusterStagePick,
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
    if outcome.result != "done" or outcome.cluster is None:
        await query.answer(_error(t, outcome.result), show_alert=True)
        return
    await query.answer(t("clusters.stage_set", stage=stage_name(t, stage)))
    await _replace_with_card(query, t, actor, outcome.cluster)


# --- choosing the development agent (CDA) ---------------------------------------------------


def _cda_keyboard(
    t: Translator, choices: cluster_service.CdaChoices, cluster_id: int
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for member in choices.members:
        builder.button(
            text=member.full_name, callback_data=CdaPick(cluster_id=cluster_id, member_id=member.id)
        )
    builder.adjust(1)
    turns = []
    if choices.page > 0:
        turns.append((t("clusters.previous"), choices.page - 1))
    if choices.page + 1 < choices.pages:
        turns.append((t("clusters.next"), choices.page + 1))
    if turns:
        builder.row(
            *(
                InlineKeyboardButton(
                    text=label,
                    callback_data=CdaPageTurn(cluster_id=cluster_id, page=target).pack(),
                )
                for label, target in turns
            )
        )
    builder.row(
        InlineKeyboardButton(
            text=t("clusters.cda_none"),
            callback_data=CdaPick(cluster_id=cluster_id, member_id=0).pack(),
        )
    )
    return builder.as_markup()


@router.callback_query(CdaPageTurn.filter(F.cluster_id > 0))
async def cda_page_of_cluster(
    query: CallbackQuery,
    callback_data: CdaPageTurn,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    outcome = await cluster_service.check_manage(uow, actor, callback_data.cluster_id)
    if outcome.cluster is None:
        await query.answer(_error(t, outcome.result), show_alert=True)
        return
    await query.answer()
    choices = await cluster_service.cda_candidates(
        uow, outcome.cluster.working_group, callback_data.page
    )
    await _show_cda_page(query, t, choices, callback_data.cluster_id)


async def _show_cda_page(
    query: CallbackQuery, t: Translator, choices: cluster_service.CdaChoices, cluster_id: int
) -> None:
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(
                reply_markup=_cda_keyboard(t, choices, cluster_id)
            )


@router.callback_query(CdaPick.filter(F.cluster_id > 0))
async def cda_picked_for_cluster(
    query: CallbackQuery,
    callback_data: CdaPick,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    outcome = await cluster_service.update_cluster(
        uow, actor, callback_data.cluster_id, "cda_member_id", callback_data.member_id or None
    )
    if outcome.result != "done" or outcome.cluster is None:
        await query.answer(_error(t, outcome.result), show_alert=True)
        return
    await query.answer(t("clusters.saved"))
    await _replace_with_card(query, t, actor, outcome.cluster)


# --- registering a cluster: /cluster_new -----------------------------------------------------


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
        await message.answer(_error(t, error.reason))
        return
    await state.update_data(name=name)
    await state.set_state(ClusterForm.product)
    await message.answer(t("clusters.ask_product"))


@router.message(ClusterForm.product, F.text)
async def product_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        product = clean_product(message.text or "")
    except InvalidInput as error:
        await message.answer(_error(t, error.reason))
        return
    await state.update_data(product=product)
    await state.set_state(ClusterForm.sector)
    await message.answer(t("clusters.ask_sector"))


@router.message(ClusterForm.sector, F.text)
async def sector_typed(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        sector = clean_sector(message.text or "")
    except InvalidInput as error:
        await message.answer(_error(t, error.reason))
        return
    await state.update_data(sector=sector)
    await state.set_state(ClusterForm.firm_count)
    builder = InlineKeyboardBuilder()
    builder.button(text=t("clusters.skip"), callback_data=ClusterFormAction(action="skip"))
    await message.answer(t("clusters.ask_firm_count"), reply_markup=builder.as_markup())


@router.message(ClusterForm.firm_count, F.text)
async def firm_count_typed(
    message: Message, state: FSMContext, uow: UnitOfWork, t: Translator
) -> None:
    try:
        count = parse_firm_count(message.text or "")
    except InvalidInput as error:
        await message.answer(_error(t, error.reason))
        return
    await state.update_data(firm_count=count)
    await _ask_cda(message, state, uow, t)


@router.callback_query(ClusterForm.firm_count, ClusterFormAction.filter(F.action == "skip"))
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
        reply_markup=_cda_keyboard(t, choices, 0),
    )


@router.callback_query(ClusterForm.cda, CdaPageTurn.filter(F.cluster_id == 0))
async def cda_page_of_form(
    query: CallbackQuery,
    callback_data: CdaPageTurn,
    state: FSMContext,
    uow: UnitOfWork,
    t: Translator,
) -> None:
    await query.answer()
    group = (await state.get_data())["working_group"]
    choices = await cluster_service.cda_candidates(uow, group, callback_data.page)
    await _show_cda_page(query, t, choices, 0)


@router.callback_query(ClusterForm.cda, CdaPick.filter(F.cluster_id == 0))
async def cda_picked_for_form(
    query: CallbackQuery,
    callback_data: CdaPick,
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
            await query.answer(_error(t, "cda_not_eligible"), show_alert=True)
            return
        cda_name = member.full_name
    await query.answer()
    await close_buttons(query)
    data = await state.update_data(cda_member_id=callback_data.member_id or None, cda_name=cda_name)
    await state.set_state(ClusterForm.confirm)
    builder = InlineKeyboardBuilder()
    builder.button(text=t("clusters.save"), callback_data=ClusterFormAction(action="save"))
    builder.button(text=t("buttons.cancel"), callback_data=ClusterFormAction(action="cancel"))
    assert isinstance(query.message, Message)
    await query.message.answer(
        t("clusters.preview", details=cluster_details(t, **data)),
        reply_markup=builder.as_markup(),
    )


@router.callback_query(ClusterForm.confirm, ClusterFormAction.filter(F.action == "cancel"))
async def form_cancelled(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await query.answer()
    await close_buttons(query)
    assert isinstance(query.message, Message)
    await query.message.answer(t("clusters.cancelled"))


@router.callback_query(ClusterForm.confirm, ClusterFormAction.filter(F.action == "save"))
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
        await query.answer(_error(t, error.reason), show_alert=True)
        return
    if outcome.result == "cda_not_eligible":
        # The chosen agent left the group meanwhile: choose again.
        await query.answer(_error(t, outcome.result), show_alert=True)
        await close_buttons(query)
        assert isinstance(query.message, Message)
        await _ask_cda(query.message, state, uow, t)
        return
    await state.clear()
    if outcome.cluster is None:
        await query.answer(_error(t, outcome.result), show_alert=True)
        return
    await query.answer(t("clusters.created"))
    await close_buttons(query)
    assert isinstance(query.message, Message)
    await query.message.answer(t("clusters.created"))
    await _send_card(query.message, t, actor, outcome.cluster)
