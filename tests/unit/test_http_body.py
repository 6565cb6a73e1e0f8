"""A call without files goes out as a JSON body (bot/http.py) holding exactly the parameters
aiohttp's FormData would have carried for aiogram, as their JSON values: the same fields, in
order, the keyboard as an object, Persian as UTF-8. A call with a file is still a multipart
form. An answer that returns the sent message is read without the keyboard Telegram echoes
back; errors read as before."""

from __future__ import annotations

import datetime
import json
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import (
    AnswerCallbackQuery,
    BanChatMember,
    EditMessageText,
    SendDocument,
    SendMessage,
)
from aiogram.methods.base import TelegramMethod
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import DummyCookieJar, FormData

from bot.http import JsonBodySession, json_body

TOKEN = "123456789:TEST-token-for-the-fake-api-0000"
TEXTS = [
    "plain words",
    "وظیفه‌ی ۱۲ — مهلت ۱۴۰۵/۰۹/۰۲ <b>باز</b> & 50% + more = done?",
    '\u2066F3-4\u2069 \u200f #tag ~a_b.c-d*\'()! "quoted" back\\slash',
    "emoji 🎉 and 漢字 and tabs\tand\nnew lines",
    "+ already/encoded%20text",
]

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text="باز کن ۱", callback_data="to:12")],
        [InlineKeyboardButton(text="«بعدی» & 50%", url="https://example.org/a?b=c")],
    ]
)


def _form_fields(form: FormData) -> dict[str, str]:
    return dict(parse_qsl(bytes(form()._value).decode(), keep_blank_values=True))


def _json_fields(session: JsonBodySession, bot: Bot, method: TelegramMethod[Any]) -> Any:
    body = session.build_form_data(bot, method)
    assert body.content_type == "application/json"
    return json.loads(bytes(body._value))


def _as_form_text(value: object) -> str:
    """How aiogram's form writes a value: text as itself, anything else as its JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


async def _same_parameters_as_aiogram(method: TelegramMethod[Any]) -> dict[str, Any]:
    # The parse mode comes from the bot's defaults, as the bot's own messages get it.
    bot = Bot(TOKEN, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    try:
        ours = _json_fields(JsonBodySession(), bot, method)
        expected = AiohttpSession().build_form_data(bot, method)
        assert isinstance(expected, FormData)
        theirs = _form_fields(expected)
    finally:
        await bot.session.close()
    assert list(ours) == list(theirs)  # the same fields, in order
    for key, value in ours.items():
        if isinstance(value, dict | list):
            assert value == json.loads(theirs[key]), key
        else:
            assert _as_form_text(value) == theirs[key], key
    return ours  # type: ignore[no-any-return]


@pytest.mark.parametrize("text", TEXTS)
async def test_a_message_carries_the_parameters_aiogram_would_send(text: str) -> None:
    sent = await _same_parameters_as_aiogram(SendMessage(chat_id=5, text=text))
    assert sent == {"chat_id": 5, "text": text, "parse_mode": "HTML"}


async def test_a_keyboard_goes_as_an_object_not_a_string_within_the_json() -> None:
    sent = await _same_parameters_as_aiogram(
        SendMessage(chat_id=5, text=TEXTS[1], reply_markup=KEYBOARD)
    )
    assert sent["reply_markup"] == KEYBOARD.model_dump(exclude_none=True)


async def test_an_empty_text_and_unset_values_are_left_out_as_the_form_leaves_them() -> None:
    sent = await _same_parameters_as_aiogram(
        AnswerCallbackQuery(callback_query_id="q1", text="", show_alert=False)
    )
    assert sent == {"callback_query_id": "q1", "show_alert": False}


async def test_a_moment_is_sent_as_the_unix_seconds_the_bot_api_documents() -> None:
    until = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)
    bot = Bot(TOKEN)
    try:
        sent = _json_fields(
            JsonBodySession(), bot, BanChatMember(chat_id=-100, user_id=7, until_date=until)
        )
    finally:
        await bot.session.close()
    assert sent["until_date"] == int(until.timestamp())


def test_persian_is_written_as_utf8_in_a_body_less_than_half_the_form() -> None:
    from urllib.parse import urlencode

    fields = {"chat_id": 5, "text": TEXTS[1] * 40}
    body = json_body(fields)
    assert TEXTS[1].encode() in body  # not \u escapes
    assert len(body) * 2 < len(urlencode(fields).encode())
    assert json.loads(body) == fields


def _answer(result: object, ok: bool = True, **extra: object) -> str:
    return json.dumps({"ok": ok, "result": result, **extra}, ensure_ascii=False)


SENT = {
    "message_id": 77,
    "date": 1764000000,
    "chat": {"id": 5, "type": "private", "first_name": "Sara"},
    "text": "وظیفه‌ها",
    "entities": [{"type": "bold", "offset": 0, "length": 8}],
    "reply_markup": KEYBOARD.model_dump(exclude_none=True),
}


async def test_a_sent_message_is_read_without_the_echoed_keyboard_and_formatting() -> None:
    bot = Bot(TOKEN)
    try:
        method = SendMessage(chat_id=5, text="وظیفه‌ها", reply_markup=KEYBOARD)
        answer = JsonBodySession().check_response(bot, method, 200, _answer(SENT))
        message = answer.result
        assert message is not None
        assert (message.message_id, message.chat.id, message.text) == (77, 5, "وظیفه‌ها")
        assert message.reply_markup is None
        assert message.entities is None
        # Still bound to the bot, as aiogram's own reading leaves it (message.answer works).
        assert message.bot is bot
    finally:
        await bot.session.close()


async def test_an_edit_of_an_inline_message_still_reads_as_true() -> None:
    bot = Bot(TOKEN)
    try:
        method = EditMessageText(inline_message_id="abc", text="x")
        assert JsonBodySession().check_response(bot, method, 200, _answer(True)).result is True
    finally:
        await bot.session.close()


async def test_refusals_are_raised_as_aiogram_raises_them() -> None:
    bot = Bot(TOKEN)
    session = JsonBodySession()
    method = SendMessage(chat_id=5, text="x")
    try:
        with pytest.raises(TelegramRetryAfter) as throttled:
            session.check_response(
                bot,
                method,
                429,
                _answer(None, ok=False, error_code=429, description="Too Many Requests",
                        parameters={"retry_after": 3}),
            )  # fmt: skip
        assert throttled.value.retry_after == 3
        with pytest.raises(TelegramBadRequest):
            session.check_response(
                bot, method, 400, _answer(None, ok=False, description="Bad Request: chat not found")
            )
    finally:
        await bot.session.close()


async def test_a_document_is_still_sent_as_a_multipart_form() -> None:
    method = SendDocument(
        chat_id=5, caption=TEXTS[1], document=BufferedInputFile(b"%PDF", filename="a.pdf")
    )
    bot = Bot(TOKEN)
    try:
        form = JsonBodySession().build_form_data(bot, method)
        assert isinstance(form, FormData) and form.is_multipart
        written = form()
        assert "multipart/form-data" in written.content_type
    finally:
        await bot.session.close()


async def test_the_session_keeps_no_cookies_and_still_names_aiogram() -> None:
    session = JsonBodySession()
    try:
        client = await session.create_session()
        assert isinstance(client.cookie_jar, DummyCookieJar)
        assert "aiogram/" in client.headers["User-Agent"]
        # Asked again, the same client (one connection pool for every call).
        assert await session.create_session() is client
    finally:
        await session.close()
