"""The Bot API session: aiogram's aiohttp session with a lighter body for calls without files.

aiogram builds every request as an aiohttp FormData, which for a plain call (a message, an
edit, a button answer) still prepares a multipart writer (a random boundary from uuid4) and
then percent-encodes the fields with urllib, one Python-level step per byte: a /tasks list
in Persian is some 2,500 bytes, each quoted by a dictionary look-up in a list comprehension.
Here the same application/x-www-form-urlencoded body (byte for byte what FormData sends) is
written directly, each character quoted by `str.translate` from a table of quoted
characters. A call with a file is left to aiogram's multipart form, as before.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import FormData
from aiohttp.payload import BytesPayload

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


def form_quote(text: str) -> str:
    """`urllib.parse.quote_plus(text)`: UTF-8 is encoded a character at a time, so quoting
    each character and joining them is the same string."""
    return text.translate(_QUOTED)


def form_body(fields: list[tuple[str, str]]) -> bytes:
    """`urlencode(fields, doseq=True).encode()`, as aiohttp's FormData writes string fields."""
    return "&".join(f"{form_quote(name)}={form_quote(value)}" for name, value in fields).encode()


class FormSession(AiohttpSession):
    def build_form_data(  # type: ignore[override]
        self, bot: Bot, method: TelegramMethod[TelegramType]
    ) -> FormData | BytesPayload:
        files: dict[str, Any] = {}
        fields: list[tuple[str, str]] = []
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if not prepared:
                continue
            # A str enum (a default parse mode) counts by its value, as in urlencode.
            fields.append((key, prepared if isinstance(prepared, str) else str(prepared)))
        if files:
            # A document or a photo: aiogram's multipart form (it prepares the values again,
            # with the files' attach:// names).
            return super().build_form_data(bot, method)
        return BytesPayload(form_body(fields), content_type="application/x-www-form-urlencoded")
