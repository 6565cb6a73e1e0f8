"""aiogram's Telegram types are built when first used, not all at import (bot/lazy_types.py):
a started bot has built none of the ~400, and any of them still builds and validates as
aiogram means it to."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(script: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_started_bot_has_built_no_telegram_type_yet() -> None:
    result = _run(
        """
        import json
        from bot.app import create_app
        from bot.config import Settings
        import aiogram.types as types

        create_app(Settings(
            _env_file=None, bot_token="123456789:TEST-token-for-the-fake-api-0000",
            bot_api_url="http://127.0.0.1:9", database_url="sqlite+aiosqlite:///:memory:",
        ))
        models = [getattr(types, n) for n in types.__all__]
        models = [m for m in models if hasattr(m, "model_rebuild")]
        print(json.dumps({"models": len(models),
                          "built": sum(m.__pydantic_complete__ for m in models)}))
        """
    )
    assert result["models"] > 300
    assert result["built"] < 10


def test_an_update_with_a_pressed_button_reads_as_before() -> None:
    result = _run(
        """
        import json
        import bot
        from aiogram.methods import SendMessage
        from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Update

        update = Update.model_validate({"update_id": 7, "callback_query": {
            "id": "q1", "chat_instance": "c", "data": "task:open:42",
            "from": {"id": 5, "is_bot": False, "first_name": "Sara", "language_code": "fa"},
            "message": {"message_id": 9, "date": 1764650000,
                        "chat": {"id": 5, "type": "private"}, "text": "کار",
                        "reply_markup": {"inline_keyboard": [[
                            {"text": "باز کن", "callback_data": "task:open:42"}]]}}}})
        query = update.callback_query
        reply = SendMessage(chat_id=5, text="ok", reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="b")]]))
        print(json.dumps({
            "data": query.data, "user": query.from_user.first_name,
            "button": query.message.reply_markup.inline_keyboard[0][0].callback_data,
            "sent": reply.model_dump(exclude_none=True)["reply_markup"]["inline_keyboard"],
        }))
        """
    )
    assert result == {
        "data": "task:open:42",
        "user": "Sara",
        "button": "task:open:42",
        "sent": [[{"text": "a", "callback_data": "b"}]],
    }


def test_every_telegram_type_still_builds() -> None:
    # What the import used to guarantee by building all of them: no type is left unbuildable.
    result = _run(
        """
        import json
        import bot
        import aiogram.types as types

        failed = [n for n in types.__all__
                  if hasattr(getattr(types, n), "model_rebuild")
                  and getattr(types, n).model_rebuild() is False]
        print(json.dumps({"failed": failed}))
        """
    )
    assert result == {"failed": []}
