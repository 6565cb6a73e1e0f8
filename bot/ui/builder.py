"""aiogram's InlineKeyboardBuilder without its deep copies.

aiogram's builder deep-copies every button it holds on each `button()`/`add()` (and again on
`as_markup()`), so a keyboard of n buttons costs n² copies of pydantic models: about half a
millisecond for a ten-button list, on every update that shows one. The bot builds a keyboard,
sends it and drops the builder; no button is changed after it is added, so rows are copied
and buttons shared. Same API, so views keep using `button`, `row`, `adjust`, `attach`.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton
from aiogram.utils.keyboard import InlineKeyboardBuilder as _AiogramBuilder


class InlineKeyboardBuilder(_AiogramBuilder):
    def export(self) -> list[list[InlineKeyboardButton]]:
        return [list(row) for row in self._markup]
