"""Button factories and keyboards shared by several routers.

Callback data stays well under Telegram's 64-byte limit: short prefixes and codes, ids as ints.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from bot.domain.agencies import AGENCIES, OTHER
from bot.domain.working_groups import WORKING_GROUPS
from bot.i18n import LOCALES, Translator
from bot.ui.builder import InlineKeyboardBuilder


class LanguagePick(CallbackData, prefix="lang"):
    code: str


class AgencyPick(CallbackData, prefix="ag"):
    code: str


class GroupPick(CallbackData, prefix="wg"):
    # Which dialog asked: registration ("reg"), linking a chat ("link"), member lists ("mem").
    purpose: str
    code: str


def language_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in LOCALES:
        builder.button(text=t(f"languages.{code}"), callback_data=LanguagePick(code=code))
    builder.adjust(2)
    return builder.as_markup()


def agency_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in (*AGENCIES, OTHER):
        builder.button(text=t(f"agencies.{code}"), callback_data=AgencyPick(code=code))
    builder.adjust(2)
    return builder.as_markup()


def group_keyboard(
    t: Translator, purpose: str, groups: tuple[str, ...] = WORKING_GROUPS
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in groups:
        builder.button(
            text=t(f"working_groups.{code}"), callback_data=GroupPick(purpose=purpose, code=code)
        )
    builder.adjust(1, 3)
    return builder.as_markup()
