"""Small pieces several routers need: the message behind a button, files in and out."""

from __future__ import annotations

import contextlib
import datetime
import zlib
from contextvars import ContextVar

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.domain import jalali
from bot.domain.jalali import DateError, DateParseError
from bot.domain.members import InvalidInput
from bot.domain.tasks import parse_due_date
from bot.i18n import Markup, Translator
from bot.services.submissions import NewAttachment
from bot.ui.calendar import gregorian_keyboard

# Photos have no file name; we name them so, and must resend them as photos: Telegram refuses
# a photo's file id in sendDocument.
PHOTO_PREFIX = "photo-"


# Telegram refuses texts over 4096 characters; a little room for what a client adds.
MESSAGE_LIMIT = 4000


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split a rendered text at line breaks into messages Telegram accepts.

    Our templates open and close their tags on one line, so a split between lines never
    breaks the markup. Only a single line longer than the limit is cut inside.
    """
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        if current and len(current) + 1 + len(line) > limit:
            parts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        parts.append(current)
    return parts


async def answer_long(
    message: Message, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Answer with as many messages as the text needs; the buttons go on the last."""
    parts = split_text(text) or [text]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await message.answer(part, reply_markup=reply_markup if last else None)


# What a person typed, echoed back in an error, is cut to this: a pasted page must not make
# the answer longer than Telegram allows.
ECHO_LIMIT = 60


def echo(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"


def date_error(t: Translator, error: DateParseError) -> Markup:
    """Why a typed date was not understood, quoting (the start of) what was typed."""
    month = ""
    if error.month is not None:
        month = (jalali.FA_MONTHS if t.locale == "fa" else jalali.EN_MONTHS)[error.month - 1]
    meant = t.date(error.suggestion, long=True) if error.suggestion is not None else ""
    return t(f"dates.errors.{error.reason.value}", text=echo(error.text), jalali=meant, month=month)


# The dialog step (FSM state) of the message being handled, set by bot/handlers/dates.py: a
# button confirming a Gregorian date answers that step only.
current_dialog: ContextVar[str | None] = ContextVar("current_dialog", default=None)


def dialog_checksum(state: str) -> int:
    return zlib.crc32(state.encode())


async def answer_date_error(message: Message, t: Translator, error: DateParseError) -> None:
    """Say what is wrong with a typed date; a Gregorian one typed inside a dialog gets its
    Jalali equivalent and a button that answers the dialog with it."""
    dialog = current_dialog.get()
    if error.reason is DateError.GREGORIAN and error.suggestion is not None and dialog:
        meant = t.date(error.suggestion, long=True)
        await message.answer(
            t("dates.gregorian_offer", text=echo(error.text), jalali=meant),
            reply_markup=gregorian_keyboard(t, error.suggestion, dialog_checksum(dialog)),
        )
        return
    await message.answer(date_error(t, error))


async def read_date(
    message: Message, t: Translator, now: datetime.datetime
) -> datetime.date | None:
    """A date typed in Jalali, or None after telling the person what is wrong with it."""
    try:
        return jalali.parse_date(message.text or "", t.today(now))
    except DateParseError as error:
        await answer_date_error(message, t, error)
    return None


async def read_due_date(
    message: Message, t: Translator, now: datetime.datetime
) -> datetime.date | None:
    """A due date typed in Jalali, or None after telling the person what is wrong with it."""
    try:
        return parse_due_date(message.text or "", t.today(now))
    except DateParseError as error:
        await answer_date_error(message, t, error)
    except InvalidInput as error:
        await message.answer(t(f"task_errors.{error.reason}"))
    return None


async def close_buttons(query: CallbackQuery) -> None:
    """Remove the keyboard a choice was made on, so it cannot be pressed twice."""
    if isinstance(query.message, Message):
        # Already edited (a double press) is fine: the keyboard is gone either way.
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)


def callback_message(query: CallbackQuery) -> Message:
    """The message a button was on; our buttons are never on inline-mode messages."""
    assert isinstance(query.message, Message)
    return query.message


def incoming_file(message: Message) -> NewAttachment:
    """A document, or the largest size of a photo, as something we can store and resend."""
    if message.document is not None:
        d = message.document
        return NewAttachment(
            d.file_id, d.file_unique_id, d.file_name or "", d.mime_type or "", d.file_size or 0
        )
    photo = max(message.photo or [], key=lambda p: p.width * p.height)
    name = f"{PHOTO_PREFIX}{photo.file_unique_id}.jpg"
    return NewAttachment(
        photo.file_id, photo.file_unique_id, name, "image/jpeg", photo.file_size or 0
    )


async def send_files(
    bot: Bot, message: Message, t: Translator, files: list[tuple[str, str]]
) -> None:
    """Resend stored files (file id, name) into the chat of `message`, by their Telegram ids."""
    for file_id, name in files:
        try:
            if name.startswith(PHOTO_PREFIX):
                await bot.send_photo(message.chat.id, file_id)
            else:
                await bot.send_document(message.chat.id, file_id)
        except TelegramAPIError:
            await message.answer(t("reviews.file_unavailable", name=name))
