"""The yardstick: a bare aiogram bot that echoes every message and answers every press, run
as its own process against the same fake Bot API (`python -m bench.echo`)."""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["BOT_API_URL"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @dispatcher.callback_query()
    async def answer(query: CallbackQuery) -> None:
        await query.answer("ok")

    await dispatcher.start_polling(bot, polling_timeout=1)


if __name__ == "__main__":
    asyncio.run(main())
