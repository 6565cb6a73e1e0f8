"""The keyboard builder without copies (bot/ui/builder.py) lays out the same rows as
aiogram's, whatever mix of buttons, rows, adds and adjustments a view makes, and its press
buttons, made without validation, are the buttons aiogram would have sent."""

from __future__ import annotations

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, WebAppInfo
from aiogram.utils.keyboard import InlineKeyboardBuilder as AiogramBuilder
from hypothesis import given
from hypothesis import strategies as st

from bot.ui.builder import InlineKeyboardBuilder, press_button

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


class Open(CallbackData, prefix="op"):
    task_id: int
    view: str


def _keyboard(builder: AiogramBuilder) -> str:
    builder.button(text="باز کن ۱۲", callback_data=Open(task_id=12, view="open"))
    builder.button(text="plain data", callback_data="x:1")
    builder.button(text="سایت", url="https://example.org/a?b=c")
    builder.button(text="Dashboard", web_app=WebAppInfo(url="https://example.org/app"))
    builder.adjust(2, 1)
    return builder.as_markup().model_dump_json(exclude_none=True)


def test_press_buttons_made_without_validation_send_what_aiograms_would() -> None:
    assert _keyboard(InlineKeyboardBuilder()) == _keyboard(AiogramBuilder())


def test_each_press_button_is_its_own_and_the_pattern_stays_blank() -> None:
    first, second = press_button("a", "x:1"), press_button("b", "x:2")
    assert (first.text, first.callback_data, second.text, second.callback_data) == (
        "a", "x:1", "b", "x:2",
    )  # fmt: skip
    assert press_button("c", "x:3").model_dump(exclude_none=True) == {
        "text": "c", "callback_data": "x:3",
    }  # fmt: skip


def test_data_too_long_for_telegram_is_still_refused_when_packed() -> None:
    with pytest.raises(ValueError, match="too long"):
        InlineKeyboardBuilder().button(text="x", callback_data=Open(task_id=1, view="v" * 80))
