"""The bot as it really starts: `python -m bot` in its own process, configured only through the
environment, talking to the fake Bot API over HTTP. From an empty database to a secretary
approving a member in the working group's chat."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conftest import ADMIN, ALI, SARA, TEHRAN_CHAT, TOKEN
from tests.fakebot import FakeBotAPI, FakeChat, FakeUser, SentMessage

REPO = Path(__file__).resolve().parents[2]


class Conversation:
    """Drives a bot that handles updates concurrently, so it waits for replies, not for drain."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api

    def _newest_id(self, chat_id: int) -> int:
        messages = self.api.messages_to(chat_id)
        return messages[-1].message_id if messages else 0

    async def reply_after(self, chat_id: int, since: int, contains: str) -> SentMessage:
        return await self.api.wait_for_message(
            chat_id,
            lambda m: m.message_id > since and contains in m.plain(),
            timeout=60,  # the first reply waits for the process to start, on a busy machine too
        )

    async def say(
        self, user: FakeUser, text: str, expect: str, chat: FakeChat | None = None
    ) -> SentMessage:
        chat_id = chat.id if chat else user.id
        since = self._newest_id(chat_id)
        self.api.text(user, text, chat=chat)
        return await self.reply_after(chat_id, since, expect)

    async def press(
        self, user: FakeUser, message: SentMessage, label: str, expect: str, chat_id: int
    ) -> SentMessage:
        since = self._newest_id(chat_id)
        self.api.callback(user, message, message.button(label))
        return await self.reply_after(chat_id, since, expect)

    async def register(self, user: FakeUser, name: str) -> None:
        languages = await self.say(user, "/start", "زبان")
        ask_name = await self.press(user, languages, "فارسی", "نام و نام خانوادگی", user.id)
        assert ask_name
        agencies = await self.say(user, name, "کدام دستگاه")
        groups = await self.press(user, agencies, "سازمان توسعه تجارت", "کدام کارگروه", user.id)
        await self.press(user, groups, "تهران", "شماره", user.id)
        preview = await self.say(user, "رد شدن", "درخواست عضویت شما")
        await self.press(user, preview, "ارسال", "فرستاده شد", user.id)


async def test_from_an_empty_database_to_a_member_approved_in_the_group_chat(
    fake_api: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "BOT_API_URL": fake_api.base_url,
        "DATABASE_URL": database_url,
        "ADMIN_IDS": str(ADMIN.id),
        "POLLING_TIMEOUT": "1",
        "PYTHONPATH": str(REPO),
    }
    env.pop("REDIS_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot",
        cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    chat = Conversation(fake_api)
    try:
        # The administrator has opened the bot once, so it may write to him.
        await chat.say(ADMIN, "/help", "/appoint")
        # Sara registers; with no secretary and no linked chat, the superuser gets the card.
        await chat.register(SARA, "سارا تهرانی")
        card = await fake_api.wait_for_message(ADMIN.id, lambda m: "سارا تهرانی" in m.plain())
        fake_api.callback(ADMIN, card, card.button("تأیید"))
        await chat.reply_after(SARA.id, 0, "تأیید شد")

        # The superuser appoints her secretary; she links the Tehran group chat.
        await chat.say(ADMIN, "/appoint @sara_sec secretary", "اکنون دبیر است")
        await chat.say(SARA, "/link", "به کارگروه تهران وصل شد", chat=TEHRAN_CHAT)

        # Ali registers; the card appears in the group chat and Sara approves it there.
        await chat.register(ALI, "علی کریمی")
        group_card = await fake_api.wait_for_message(
            TEHRAN_CHAT.id, lambda m: "علی کریمی" in m.plain() and bool(m.buttons())
        )
        fake_api.callback(SARA, group_card, group_card.button("تأیید"))
        told = await chat.reply_after(ALI.id, 0, "عضویت شما در کارگروه تهران تأیید شد")
        assert told
        await fake_api.wait_for_message(
            TEHRAN_CHAT.id, lambda m: m is group_card and "تأیید شد؛ توسط سارا تهرانی" in m.plain()
        )
        assert group_card.buttons() == []
        assert not fake_api.errors(), fake_api.errors()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)

    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Start polling" in log
    assert TOKEN.split(":")[1] not in log
    # At start the operator reads what happened and where the bot runs, and nothing else.
    assert "database migrated from an empty schema to " in log
    assert "plan templates: 2 shipped, 2 newly stored" in log
    assert f"bot @{fake_api.bot_username} ({fake_api.bot_first_name}) on telegram; " in log
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    assert f"database {backend}; conversation state in the database; polling" in log
    startup = log[: log.index("Start polling")]
    # The libraries' own start-up detail (alembic's plugins and steps) is DEBUG's.
    for detail in ("setup plugin", "Context impl", "Running upgrade", "alembic", "apscheduler"):
        assert detail not in startup, startup
    assert len(startup.splitlines()) <= 4, startup
