"""A call without files goes out as the same urlencoded body aiohttp's FormData would write,
only built faster (bot/http.py): byte for byte, but for the keyboard, which is the same JSON
written by pydantic. A call with a file is still a multipart form. An answer that returns the
sent message is read without the keyboard Telegram echoes back; errors read as before."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import EditMessageText, SendDocument, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import DummyCookieJar, FormData

from bot.http import FormSession, form_body, form_quote

TOKEN = "123456789:TEST-token-for-the-fake-api-0000"
TEXTS = [
    "",
    "plain words",
    "وظیفه‌ی ۱۲ — مهلت ۱۴۰۵/۰۹/۰۲ <b>باز</b> & 50% + more = done?",
    "\u2066F3-4\u2069 \u200f #tag ~a_b.c-d*'()!",
    "emoji 🎉 and 漢字 and tabs\tand\nnew lines",
    "+ already/encoded%20text",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_text_is_quoted_as_urllib_quotes_it(text: str) -> None:
    from urllib.parse import quote_plus

    assert form_quote(text) == quote_plus(text)
    # Twice: the second time from the table of characters already quoted.
    assert form_quote(text) == quote_plus(text)


def test_a_lone_surrogate_is_refused_as_urllib_refuses_it() -> None:
    with pytest.raises(UnicodeEncodeError):
        form_quote("broken \ud800 text")


def test_the_fields_are_joined_as_urlencode_joins_them() -> None:
    fields = [("chat_id", "5"), ("text", TEXTS[2]), ("reply_markup", '{"a": [1, "ب"]}')]
    assert form_body(fields) == urlencode(fields, doseq=True).encode()


def _form_bytes(form: FormData) -> bytes:
    payload = form()
    return bytes(payload._value)


def _fields(body: bytes) -> dict[str, object]:
    fields: dict[str, object] = dict(parse_qsl(body.decode(), keep_blank_values=True))
    if "reply_markup" in fields:
        fields["reply_markup"] = json.loads(str(fields["reply_markup"]))
    return fields


KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text="باز کن ۱", callback_data="to:12")],
        [InlineKeyboardButton(text="«بعدی» & 50%", url="https://example.org/a?b=c")],
    ]
)


async def test_a_message_without_buttons_has_the_body_formdata_would_send() -> None:
    method = SendMessage(chat_id=5, text=TEXTS[2])
    # The parse mode comes from the bot's defaults, as the bot's own messages get it.
    bot = Bot(TOKEN, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    ours, theirs = FormSession(), AiohttpSession()
    try:
        body = ours.build_form_data(bot, method)
        expected = theirs.build_form_data(bot, method)
        assert isinstance(expected, FormData)
        assert body.content_type == "application/x-www-form-urlencoded"
        assert bytes(body._value) == _form_bytes(expected)
    finally:
        await bot.session.close()


async def test_a_message_with_buttons_sends_the_fields_and_the_keyboard_formdata_would() -> None:
    method = SendMessage(chat_id=5, text=TEXTS[2], reply_markup=KEYBOARD)
    bot = Bot(TOKEN, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    ours, theirs = FormSession(), AiohttpSession()
    try:
        body = bytes(ours.build_form_data(bot, method)._value)
        expected = _form_bytes(theirs.build_form_data(bot, method))  # type: ignore[arg-type]
        assert _fields(body) == _fields(expected)
        assert list(_fields(body)) == list(_fields(expected))  # the same fields, in order
        # Persian is sent as UTF-8, not as \u escapes: a shorter body for the same keyboard.
        assert len(body) < len(expected)
    finally:
        await bot.session.close()


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
        answer = FormSession().check_response(bot, method, 200, _answer(SENT))
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
        assert FormSession().check_response(bot, method, 200, _answer(True)).result is True
    finally:
        await bot.session.close()


async def test_refusals_are_raised_as_aiogram_raises_them() -> None:
    bot = Bot(TOKEN)
    session = FormSession()
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
    method = SendDocument(chat_id=5, document=BufferedInputFile(b"%PDF", filename="a.pdf"))
    bot = Bot(TOKEN)
    try:
        form = FormSession().build_form_data(bot, method)
        assert isinstance(form, FormData) and form.is_multipart
    finally:
        await bot.session.close()


async def test_the_session_keeps_no_cookies_and_still_names_aiogram() -> None:
    session = FormSession()
    try:
        client = await session.create_session()
        assert isinstance(client.cookie_jar, DummyCookieJar)
        assert "aiogram/" in client.headers["User-Agent"]
        # Asked again, the same client (one connection pool for every call).
        assert await session.create_session() is client
    finally:
        await session.close()
