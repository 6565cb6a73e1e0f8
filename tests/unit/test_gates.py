"""The gates in front of aiogram's handler search (bot/gates.py) change which handlers are
asked, never which one answers: for every command, every button of the bot and every dialog
state, the handler reached through the gated routers is the one aiogram's own walk over all
handlers and their filters finds."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User

from bot.app import FEATURE_ROUTERS, _detached, _inline_plain_filters
from bot.gates import Gate, gate_of, install_gates, ungated

TOKEN = "123456789:TEST-token-for-the-fake-api-0000"
MOMENT = datetime.datetime(2026, 11, 23, tzinfo=datetime.UTC)
PERSON = User(id=5, is_bot=False, first_name="Ali", language_code="fa")
CHAT = Chat(id=5, type="private")


def _message(text: str | None = None, caption: str | None = None) -> Message:
    return Message(
        message_id=1, date=MOMENT, chat=CHAT, from_user=PERSON, text=text, caption=caption
    )


def _press(data: str) -> CallbackQuery:
    return CallbackQuery(
        id="1", from_user=PERSON, chat_instance="c", data=data, message=_message("card")
    )


@pytest.fixture
def dispatcher() -> Iterator[Dispatcher]:
    dispatcher = Dispatcher()
    dispatcher.include_routers(*_detached(FEATURE_ROUTERS))
    install_gates(dispatcher)
    _inline_plain_filters(dispatcher)
    # A handler reached says who it is instead of running (the routers are shared: restored).
    handlers: list[HandlerObject] = [
        handler
        for router in dispatcher.chain_tail
        for update_type in ("message", "callback_query")
        for handler in router.observers[update_type].handlers
    ]
    for handler in handlers:
        handler.call = _reached(handler)  # type: ignore[method-assign]
    try:
        yield dispatcher
    finally:
        for handler in handlers:
            del handler.call
        _detached(FEATURE_ROUTERS)


def _reached(handler: HandlerObject) -> Any:
    async def call(*_args: Any, **_kwargs: Any) -> HandlerObject:
        return handler

    return call


async def _first_by_filters(
    dispatcher: Dispatcher, update_type: str, event: TelegramObject, data: dict[str, Any]
) -> HandlerObject | None:
    """aiogram's order without the gates: each router, then its sub-routers; each handler's
    filters in turn."""
    for router in dispatcher.chain_tail:
        for handler in router.observers[update_type].handlers:
            passed, _ = await ungated(handler.check)(event, **data, handler=handler)
            if passed:
                return handler
    return None


def _all_gates(dispatcher: Dispatcher) -> list[Gate]:
    return [
        gate_of(handler.filters or ())
        for router in dispatcher.chain_tail
        for update_type in ("message", "callback_query")
        for handler in router.observers[update_type].handlers
    ]


async def test_every_command_button_and_state_meets_the_same_handler(
    dispatcher: Dispatcher,
) -> None:
    gates = _all_gates(dispatcher)
    states: set[str | None] = {None, "nowhere:step"}
    names: set[str] = set()
    prefixes: set[str] = set()
    for gate in gates:
        states |= gate.states or set()
        names |= gate.names or set()
        names |= gate.folded_names
        prefixes |= {prefix for _, prefix in gate.callbacks or ()}
    # The bot has dialogs, commands and buttons enough for the check to mean something.
    assert len(states) > 40 and len(names) > 30 and len(prefixes) > 50
    # Outside any dialog, every form of every command and button; in a dialog step, one of
    # each (what the gates look at, the command's name and the data's prefix, is the same).
    texts = ["hello", "۱۴۰۵/۰۹/۰۲", "/", "/unknown", " "]
    step_texts = ["hello", "/unknown"]
    for name in sorted(names):
        texts += [
            f"/{name}",
            f"/{name} some words",
            f"/{name.upper()}",
            f"/{name}@other_bot",
            f"/{name}@our_bot",
        ]
        step_texts.append(f"/{name} some words")
    messages = [_message(text) for text in texts] + [_message(caption="/tasks"), _message()]
    step_messages = [_message(text) for text in step_texts]
    datas = ["nothing:1", "to", "0"]
    step_datas = ["nothing:1"]
    for prefix in sorted(prefixes):
        datas += [f"{prefix}:1", f"{prefix}:approve:2", f"{prefix}:open:0:1", prefix]
        step_datas += [f"{prefix}:1", f"{prefix}:approve:2"]
    presses = [_press(data) for data in datas]
    step_presses = [_press(data) for data in step_datas]
    bot = Bot(TOKEN)
    # A command with a mention is checked against the bot's own name, known without a call.
    bot._me = User(id=1, is_bot=True, first_name="Bot", username="our_bot")
    reached = 0
    try:
        for raw_state in sorted(states, key=str):
            outside = raw_state in (None, "nowhere:step")
            for update_type, events in (
                ("message", messages if outside else step_messages),
                ("callback_query", presses if outside else step_presses),
            ):
                for event in events:
                    data = {"bot": bot, "raw_state": raw_state, "event_from_user": PERSON,
                            "event_chat": CHAT}  # fmt: skip
                    expected = await _first_by_filters(dispatcher, update_type, event, data)
                    found = await dispatcher.propagate_event(update_type, event, **data)
                    assert (None if found is UNHANDLED else found) is expected, (
                        raw_state, getattr(event, "text", None) or getattr(event, "data", None)
                    )  # fmt: skip
                    reached += expected is not None
    finally:
        await bot.session.close()
    # Most of these meet a handler: the comparison is not one of misses only.
    assert reached > 500


def test_a_gate_is_read_from_the_filters_and_refuses_only_what_they_refuse() -> None:
    from aiogram.filters import Command
    from aiogram.fsm.state import State, StatesGroup

    from bot.ui.tasks import TaskOpen

    class Form(StatesGroup):
        title = State()

    router_gate = gate_of(HandlerObject(callback=lambda: None, filters=[]).filters or ())
    assert router_gate.is_open
    from aiogram.dispatcher.event.handler import FilterObject

    command = gate_of([FilterObject(Command("tasks"))])
    assert command.admits(_message("/tasks mine"), None)
    assert command.admits(_message("/tasks@some_bot"), "any:state")
    assert not command.admits(_message("/task"), None)
    assert not command.admits(_message("tasks"), None)
    assert not command.admits(_press("to:1"), None)
    in_form = gate_of([FilterObject(Form.title), FilterObject(Command("cancel"))])
    assert in_form.admits(_message("/cancel"), Form.title.state)
    assert not in_form.admits(_message("/cancel"), None)
    button = gate_of([FilterObject(TaskOpen.filter())])
    assert button.admits(_press(TaskOpen(task_id=3).pack()), None)
    assert not button.admits(_press("tx:3"), None)
    assert not button.admits(_message("/tasks"), None)
