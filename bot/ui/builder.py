"""aiogram's InlineKeyboardBuilder without its copies.

aiogram's builder deep-copies every button it holds on each `button()`/`add()` (and again on
`as_markup()`), and copies its rows again on each `add()`: a keyboard of n buttons costs n²
copies of pydantic models, about half a millisecond for a ten-button list on every update
that shows one. The bot builds a keyboard, sends it and drops the builder; no button is
changed after it is added, so buttons are appended in place and shared. Same API and the same
rows, so views keep using `button`, `row`, `adjust`, `attach`.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton
from aiogram.utils.keyboard import InlineKeyboardBuilder as _AiogramBuilder


class InlineKeyboardBuilder(_AiogramBuilder):
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
