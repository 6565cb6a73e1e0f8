"""A plain filter (a magic filter, a small predicate) is checked in the update's own task:
aiogram would otherwise hand each one to a worker thread, a thread hop per filter per update."""

from __future__ import annotations

import datetime
import threading

from aiogram import Bot, Dispatcher, F, Router
from aiogram.types import Chat, Message, Update, User

from bot.app import _inline_plain_filters

TOKEN = "123456789:TEST-token-for-the-fake-api-0000"


def _text_update(text: str) -> Update:
    return Update(
        update_id=1,
        message=Message(
            message_id=1,
            date=datetime.datetime(2026, 11, 23, tzinfo=datetime.UTC),
            chat=Chat(id=5, type="private"),
            from_user=User(id=5, is_bot=False, first_name="Ali"),
            text=text,
        ),
    )


async def test_plain_filters_run_in_the_update_task_and_still_decide() -> None:
    checked_in: list[str] = []
    handled: list[str] = []

    def is_hello(message: Message) -> bool:
        checked_in.append(threading.current_thread().name)
        return message.text == "hello"

    router = Router()

    @router.message(F.text.startswith("h"), is_hello)
    async def greet(message: Message) -> None:
        handled.append(message.text or "")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    _inline_plain_filters(dispatcher)
    bot = Bot(TOKEN)
    try:
        await dispatcher.feed_update(bot, _text_update("hello"))
        await dispatcher.feed_update(bot, _text_update("help"))
        await dispatcher.feed_update(bot, _text_update("bye"))
    finally:
        await bot.session.close()

    assert handled == ["hello"]
    # "bye" was refused by the magic filter before the predicate was asked.
    assert checked_in == [threading.main_thread().name] * 2
