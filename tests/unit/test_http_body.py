"""A call without files goes out as the same urlencoded body aiohttp's FormData would write,
byte for byte, only built faster (bot/http.py); a call with a file is still a multipart form."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.enums import ParseMode
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import FormData

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


async def test_a_message_with_buttons_has_the_body_formdata_would_send() -> None:
    method = SendMessage(
        chat_id=5,
        text=TEXTS[2],
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="باز کن ۱", callback_data="to:12")]]
        ),
    )
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


async def test_a_document_is_still_sent_as_a_multipart_form() -> None:
    method = SendDocument(chat_id=5, document=BufferedInputFile(b"%PDF", filename="a.pdf"))
    bot = Bot(TOKEN)
    try:
        form = FormSession().build_form_data(bot, method)
        assert isinstance(form, FormData) and form.is_multipart
    finally:
        await bot.session.close()
