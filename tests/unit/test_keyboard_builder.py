"""The keyboard builder without copies (bot/ui/builder.py) lays out the same rows as
aiogram's, whatever mix of buttons, rows, adds and adjustments a view makes."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton
from aiogram.utils.keyboard import InlineKeyboardBuilder as AiogramBuilder
from hypothesis import given
from hypothesis import strategies as st

from bot.ui.builder import InlineKeyboardBuilder

step = st.one_of(
    st.tuples(st.just("button"), st.integers(1, 3)),
    st.tuples(st.just("add"), st.integers(1, 12)),
    st.tuples(st.just("row"), st.integers(1, 5)),
    st.tuples(st.just("adjust"), st.lists(st.integers(1, 8), min_size=1, max_size=4)),
)


def _apply(builder: AiogramBuilder, steps: list[tuple[str, object]]) -> list[list[str]]:
    label = 0

    def fresh() -> InlineKeyboardButton:
        nonlocal label
        label += 1
        return InlineKeyboardButton(text=f"b{label}", callback_data=f"x:{label}")

    for name, value in steps:
        if name == "button":
            for _ in range(int(value)):  # type: ignore[call-overload]
                label += 1
                builder.button(text=f"b{label}", callback_data=f"x:{label}")
        elif name == "add":
            builder.add(*(fresh() for _ in range(int(value))))  # type: ignore[call-overload]
        elif name == "row":
            builder.row(*(fresh() for _ in range(int(value))))  # type: ignore[call-overload]
        else:
            builder.adjust(*value)  # type: ignore[misc]
    return [[b.text for b in row] for row in builder.as_markup().inline_keyboard]


@given(st.lists(step, max_size=12))
def test_the_same_rows_as_aiograms_builder(steps: list[tuple[str, object]]) -> None:
    assert _apply(InlineKeyboardBuilder(), steps) == _apply(AiogramBuilder(), steps)
