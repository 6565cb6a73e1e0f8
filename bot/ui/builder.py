"""aiogram's InlineKeyboardBuilder without its copies and without validating what it made.

aiogram's builder deep-copies every button it holds on each `button()`/`add()` (and again on
`as_markup()`), and copies its rows again on each `add()`: a keyboard of n buttons costs n²
copies of pydantic models, about half a millisecond for a ten-button list on every update
that shows one. The bot builds a keyboard, sends it and drops the builder; no button is
changed after it is added, so buttons are appended in place and shared. Same API and the same
rows, so views keep using `button`, `row`, `adjust`, `attach`.

A button with text and callback data (nearly every one the bot shows) is made as a copy of
a validated one with those two values put in, not validated again field by field: the
text is always a string and the data a packed CallbackData, which checks its own length
and separators. aiogram's way, fourteen keywords through a model validator and the
private-attribute set-up of each TelegramObject, was a tenth of a /tasks update's CPU
(py-spy, bench). Any other kind of button (a URL, a web app) is made by aiogram as before.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.keyboard import InlineKeyboardBuilder as _AiogramBuilder

# Validated once; each press button is this one with its own text and data.
_PRESS = InlineKeyboardButton(text="-", callback_data="-")


def press_button(text: str, data: str) -> InlineKeyboardButton:
    """A button that sends `data` when pressed, as `InlineKeyboardButton(text=, callback_data=)`
    would make it."""
    return _PRESS.model_copy(update={"text": str(text), "callback_data": data})


class InlineKeyboardBuilder(_AiogramBuilder):
    def button(  # type: ignore[override]
        self,
        *,
        text: str,
        callback_data: str | CallbackData | None = None,
        **kwargs: Any,
    ) -> InlineKeyboardBuilder:
        if callback_data is None or any(value is not None for value in kwargs.values()):
            super().button(text=text, callback_data=callback_data, **kwargs)
            return self
        data = callback_data.pack() if isinstance(callback_data, CallbackData) else callback_data
        return self.add(press_button(text, data))

    def export(self) -> list[list[InlineKeyboardButton]]:
        return [list(row) for row in self._markup]

    def add(self, *buttons: InlineKeyboardButton) -> InlineKeyboardBuilder:
        # aiogram's add, on the rows themselves: fill the last row, then new rows of max_width.
        self._validate_buttons(*buttons)
        markup = self._markup
        rest = list(buttons)
        if markup and len(markup[-1]) < self.max_width:
            room = self.max_width - len(markup[-1])
            markup[-1].extend(rest[:room])
            rest = rest[room:]
        while rest:
            markup.append(rest[: self.max_width])
            rest = rest[self.max_width :]
        return self
