"""What nobody else handled: unknown commands, text in the wrong step, stale buttons.

Included last, so every other router has had its chance first.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain.members import Actor
from bot.i18n import Translator

router = Router(name="fallback")


@router.message(F.text.startswith("/"))
async def unknown_command(message: Message, t: Translator) -> None:
    if message.chat.type != ChatType.PRIVATE:
        # In a shared group, commands meant for other bots are none of our business.
        return
    await message.answer(t("errors.unknown_command"))


@router.message(~StateFilter(None), F.chat.type == ChatType.PRIVATE)
async def wrong_input_for_step(message: Message, state: FSMContext, t: Translator) -> None:
    # Every dialog state handles the input it expects; reaching here means the person sent
    # something else (text where a button was expected, a sticker where text was, ...).
    await message.answer(t("errors.wrong_step"))


@router.message(F.chat.type == ChatType.PRIVATE)
async def not_understood(message: Message, actor: Actor, t: Translator) -> None:
    key = "errors.not_understood" if actor.is_member else "errors.register_first"
    await message.answer(t(key))


@router.callback_query()
async def stale_button(query: CallbackQuery, t: Translator) -> None:
    # Buttons from an earlier step, or data no router accepts (forged or from an old version).
    await query.answer(t("errors.stale_button"), show_alert=True)
