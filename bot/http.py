"""The Bot API session: aiogram's aiohttp session with a lighter body for calls without files.

aiogram builds every request as an aiohttp FormData, which for a plain call (a message, an
edit, a button answer) still prepares a multipart writer (a random boundary from uuid4) and
then percent-encodes the fields with urllib, one Python-level step per byte: a /tasks list
in Persian is some 2,500 bytes, each quoted by a dictionary look-up in a list comprehension.
Here the same application/x-www-form-urlencoded body (byte for byte what FormData sends) is
written directly, each character quoted by `str.translate` from a table of quoted
characters. A call with a file is left to aiogram's multipart form, as before.

A keyboard goes into the body as pydantic's own JSON of the markup, where aiogram walks it
field by field in Python (a /tasks list's eleven buttons are some 200 steps) before
json.dumps. And an answer that returns the message just sent is read without its
`reply_markup` and its formatting `entities`: Telegram echoes the keyboard and every bold
or linked stretch back, aiogram would build a model of each again (a /help's two dozen
entities cost five times the rest of the message), and nothing the bot does reads the
keyboard or the formatting of a message it sent.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import quote_plus

from aiogram import Bot
from aiogram import __version__ as aiogram_version
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import (
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiohttp import ClientSession, DummyCookieJar, FormData
from aiohttp.hdrs import USER_AGENT
from aiohttp.http import SERVER_SOFTWARE
from aiohttp.payload import BytesPayload
from pydantic import ValidationError

__all__ = ["FormSession", "form_body", "form_quote"]

# Characters below this code point (Latin, Persian and Arabic, the general punctuation with the
# direction marks) are kept once quoted; rarer ones (emoji, CJK) are quoted on each use, so
# what people type cannot grow the table without bound.
_KEPT_BELOW = 0x3000


class _QuotedCharacters(dict[int, str]):
    def __missing__(self, code: int) -> str:
        quoted = quote_plus(chr(code))
        if code < _KEPT_BELOW:
            self[code] = quoted
        return quoted


_QUOTED = _QuotedCharacters()

# Markups hold neither files nor aiogram's Default values: their JSON is pydantic's, as is.
_MARKUPS = (InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, ForceReply)
# What sending and editing return: the message, or True for an inline message's edit.
# What Telegram echoes back of a message just sent that the bot never reads (see above).
_NOT_READ = ("reply_markup", "entities", "caption_entities")
_MESSAGE_RESULTS = (Message, Message | bool)


def form_quote(text: str) -> str:
    """`urllib.parse.quote_plus(text)`: UTF-8 is encoded a character at a time, so quoting
    each character and joining them is the same string."""
    return text.translate(_QUOTED)


def form_body(fields: list[tuple[str, str]]) -> bytes:
    """`urlencode(fields, doseq=True).encode()`, as aiohttp's FormData writes string fields."""
    return "&".join(f"{form_quote(name)}={form_quote(value)}" for name, value in fields).encode()


class FormSession(AiohttpSession):
    async def create_session(self) -> ClientSession:
        # aiogram's own, with no cookie jar: the Bot API sets no cookies, and a jar parses
        # each answer's headers for them and filters its cookies into each call (some 40 us
        # of the 400 a call costs the bot, measured against a local server).
        if self._should_reset_connector:
            await self.close()
        if self._session is None or self._session.closed:
            self._session = ClientSession(
                connector=self._connector_type(**self._connector_init),
                headers={USER_AGENT: f"{SERVER_SOFTWARE} aiogram/{aiogram_version}"},
                cookie_jar=DummyCookieJar(),
            )
            self._should_reset_connector = False
        return self._session

    def build_form_data(  # type: ignore[override]
        self, bot: Bot, method: TelegramMethod[TelegramType]
    ) -> FormData | BytesPayload:
        files: dict[str, Any] = {}
        fields: list[tuple[str, str]] = []
        markup = getattr(method, "reply_markup", None)
        lean_markup = isinstance(markup, _MARKUPS)
        left_out = {"reply_markup"} if lean_markup else None
        # Unset parameters (most of a method's two dozen) are left out by pydantic, in Rust.
        dumped = method.model_dump(warnings=False, exclude=left_out, exclude_none=True)
        for key, value in dumped.items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if not prepared:
                continue
            # A str enum (a default parse mode) counts by its value, as in urlencode.
            fields.append((key, prepared if isinstance(prepared, str) else str(prepared)))
        if files:
            # A document or a photo: aiogram's multipart form (it prepares the values again,
            # with the files' attach:// names).
            return super().build_form_data(bot, method)
        if lean_markup:
            fields.append(("reply_markup", markup.model_dump_json(exclude_none=True)))
        return BytesPayload(form_body(fields), content_type="application/x-www-form-urlencoded")

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        if method.__returning__ not in _MESSAGE_RESULTS or not (
            HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED
        ):
            return super().check_response(bot, method, status_code, content)
        try:
            data = self.json_loads(content)
            result = data["result"]
            if data.get("ok") is not True or not isinstance(result, dict):
                raise ValueError
        except (ValueError, TypeError, KeyError):
            # Not a plain message: aiogram reads it and raises what it should.
            return super().check_response(bot, method, status_code, content)
        for echoed in _NOT_READ:
            result.pop(echoed, None)
        try:
            response_type = Response[method.__returning__]  # type: ignore[name-defined]
            return response_type.model_validate(data, context={"bot": bot})  # type: ignore[no-any-return]
        except ValidationError:
            return super().check_response(bot, method, status_code, content)
