"""The button under a Gregorian date typed by mistake: pressing it answers the dialog that
asked with the Jalali day, as if the person had typed it, so every dialog that reads a date
through bot/handlers/shared.py gets the confirmation without code of its own."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, TelegramObject, Update

from bot.domain import jalali
from bot.handlers.shared import callback_message, close_buttons, current_dialog, dialog_checksum
from bot.i18n import Translator
from bot.ui.calendar import DateConfirm

router = Router(name="dates")

# The answer is fed as an update of its own once the press's update is done: until then the
# chat's event lock is held, and the answer would wait for it forever if awaited here.
_feeding: set[asyncio.Task[Any]] = set()


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


@router.callback_query(DateConfirm.filter())
async def confirm_date(
    query: CallbackQuery,
    callback_data: DateConfirm,
    state: FSMContext,
    t: Translator,
    bot: Bot,
    dispatcher: Dispatcher,
    event_update: Update,
) -> None:
    await close_buttons(query)
    step = await state.get_state()
    if step is None or dialog_checksum(step) != callback_data.dialog:
        await query.answer(t.plain("dates.offer_expired"), show_alert=True)
        return
    await query.answer()
    day = datetime.date.fromordinal(callback_data.day)
    asked = callback_message(query)
    # The person's answer, as they would have typed it in Jalali.
    typed = asked.model_copy(
        update={
            "text": jalali.format_date(day, t.locale),
            "from_user": query.from_user,
            "entities": None,
            "reply_markup": None,
        }
    )
    task = asyncio.create_task(
        dispatcher.feed_update(bot, Update(update_id=event_update.update_id, message=typed))
    )
    _feeding.add(task)
    task.add_done_callback(_feeding.discard)
