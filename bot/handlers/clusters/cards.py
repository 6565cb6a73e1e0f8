"""Showing a cluster's card in the chat, shared by the registry, its edits and /cluster_new."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from bot.domain.clusters import Cluster, can_manage_cluster
from bot.domain.members import Actor
from bot.i18n import Translator
from bot.services.clusters import CdaChoices
from bot.ui import clusters as ui


async def send_card(message: Message, t: Translator, actor: Actor, cluster: Cluster) -> None:
    manageable = can_manage_cluster(actor, cluster.working_group)
    await message.answer(
        ui.card_text(t, cluster), reply_markup=ui.card_keyboard(t, cluster, manageable=manageable)
    )


async def replace_with_card(
    query: CallbackQuery, t: Translator, actor: Actor, cluster: Cluster
) -> None:
    """Turn the picker the person just used into the updated card."""
    if isinstance(query.message, Message):
        manageable = can_manage_cluster(actor, cluster.working_group)
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_text(
                ui.card_text(t, cluster),
                reply_markup=ui.card_keyboard(t, cluster, manageable=manageable),
            )


async def show_cda_page(
    query: CallbackQuery, t: Translator, choices: CdaChoices, cluster_id: int
) -> None:
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(
                reply_markup=ui.cda_keyboard(t, choices, cluster_id)
            )
