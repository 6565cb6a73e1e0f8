"""The button under a Gregorian date typed by mistake: pressing it answers the dialog that
asked with the Jalali day, as if the person had typed it, so every dialog that reads a date
through bot/handlers/shared.py gets the confirmation without code of its own."""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Dispatcher, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, TelegramObject

from bot.domain import jalali
from bot.handlers.shared import callback_message, close_buttons, current_dialog, dialog_checksum
from bot.i18n import Translator
from bot.ui.calendar import DateConfirm

router = Router(name="dates")

class DialogStepMiddleware(BaseMiddleware):
    """Remembers, while a message is handled, which dialog step it answers."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext | None = data.get("state")
        token = current_dialog.set(await state.get_state() if state is not None else None)
        try:
            return await handler(event, data)
        finally:
            current_dialog.reset(token)


# What aiogram adds for the handler it calls; the message observer sets its own.
_HANDLER_KEYS = frozenset({"handler", "event_router", "callback_data"})


@router.callback_query(DateConfirm.filter())
async def confirm_date(query: CallbackQuery, **data: Any) -> None:
    """Answer the dialog as if the person had typed the Jalali day, in this same update: the
    same unit of work, conversation state and reader."""
    callback_data: DateConfirm = data["callback_data"]
    state: FSMContext = data["state"]
    t: Translator = data["t"]
    dispatcher: Dispatcher = data["dispatcher"]
    await close_buttons(query)
    step = await state.get_state()
    if step is None or dialog_checksum(step) != callback_data.dialog:
        await query.answer(t.plain("dates.offer_expired"), show_alert=True)
        return
    await query.answer()
    day = datetime.date.fromordinal(callback_data.day)
    typed = callback_message(query).model_copy(
        update={
            "text": jalali.format_date(day, t.locale),
            "from_user": query.from_user,
            "entities": None,
            "reply_markup": None,
        }
    )
    context = {key: value for key, value in data.items() if key not in _HANDLER_KEYS}
    await dispatcher.propagate_event(update_type="message", event=typed, **context)
