"""The chat's way into the dashboard: a Web App button under /help, the /tasks list and the
Saturday digest, when WEBAPP_URL is set.

Telegram opens a `web_app` button only in a private chat (it refuses one in a group), and the
launch data that proves who opened the page comes only with such a button; Bale documents the
same `web_app` button (docs/webapp-api.md). A group chat therefore gets no button: a plain link
would open the page without launch data, and the page could not tell who is asking.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from bot.i18n import Translator


def dashboard_button(
    t: Translator, webapp_url: str | None, *, private: bool
) -> InlineKeyboardButton | None:
    if not webapp_url or not private:
        return None
    return InlineKeyboardButton(
        text=t.plain("dashboard.button"), web_app=WebAppInfo(url=webapp_url)
    )


def dashboard_keyboard(
    t: Translator, webapp_url: str | None, *, private: bool
) -> InlineKeyboardMarkup | None:
    button = dashboard_button(t, webapp_url, private=private)
    return InlineKeyboardMarkup(inline_keyboard=[[button]]) if button is not None else None


def with_dashboard(
    markup: InlineKeyboardMarkup, t: Translator, webapp_url: str | None, *, private: bool
) -> InlineKeyboardMarkup:
    """The keyboard with the dashboard's button as its last row (unchanged without one)."""
    button = dashboard_button(t, webapp_url, private=private)
    if button is None:
        return markup
    return InlineKeyboardMarkup(inline_keyboard=[*markup.inline_keyboard, [button]])


def dashboard_markup(t: Translator, webapp_url: str | None, chat_id: int) -> dict | None:
    """For a message queued in the outbox: the button as JSON, for private chats only (a
    user's chat id is positive, a group's negative)."""
    keyboard = dashboard_keyboard(t, webapp_url, private=chat_id > 0)
    return keyboard.model_dump(exclude_none=True) if keyboard is not None else None
