"""/clusters [words]: a page of 8 clusters, newest first, with Previous/Next and one button per
cluster that opens its card."""

from __future__ import annotations

import contextlib
import hashlib

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain.clusters import ClusterRefusal, visible_groups
from bot.domain.digits import normalize_persian
from bot.domain.members import Actor
from bot.handlers.clusters.cards import send_card
from bot.i18n import Translator
from bot.services import clusters as cluster_service
from bot.storage.uow import UnitOfWork
from bot.ui import clusters as ui

router = Router(name="clusters.registry")

private = F.chat.type == ChatType.PRIVATE

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
    found = await cluster_service.list_visible(uow, actor, query, 0)
    text, markup = ui.list_view(t, found, query, token)
    await message.answer(text, reply_markup=markup)


@router.callback_query(ui.ClusterPage.filter())
async def page_turned(
    query: CallbackQuery,
    callback_data: ui.ClusterPage,
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
    found = await cluster_service.list_visible(uow, actor, search, callback_data.page)
    text, markup = ui.list_view(t, found, search, token)
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):  # a double press: already showing it
            await query.message.edit_text(text, reply_markup=markup)


@router.callback_query(ui.ClusterOpen.filter())
async def card_opened(
    query: CallbackQuery,
    callback_data: ui.ClusterOpen,
    uow: UnitOfWork,
    actor: Actor,
    t: Translator,
) -> None:
    outcome = await cluster_service.view_cluster(uow, actor, callback_data.cluster_id)
    if outcome.cluster is None:
        key = "cluster_errors.not_allowed_view"
        if outcome.result == ClusterRefusal.NOT_FOUND:
            key = "cluster_errors.not_found"
        await query.answer(t(key), show_alert=True)
        return
    await query.answer()
    assert isinstance(query.message, Message)
    await send_card(query.message, t, actor, outcome.cluster)
