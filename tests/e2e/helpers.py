"""Small verbs for stories: a user says something, a user presses a button."""

from __future__ import annotations

from tests.conftest import RunningBot
from tests.fakebot import FakeChat, FakeUser, SentMessage


async def say(bot: RunningBot, user: FakeUser, text: str, chat: FakeChat | None = None) -> str:
    """The user sends `text`; returns the plain text of the bot's newest message in that chat."""
    bot.api.text(user, text, chat=chat)
    await bot.api.drain()
    return bot.api.last_message_to(chat.id if chat else user.id).plain()


def with_button(bot: RunningBot, chat_id: int, label: str) -> SentMessage:
    """The newest message in the chat that carries a button labelled `label`."""
    for message in reversed(bot.api.messages_to(chat_id)):
        if any(label in text for text, _ in message.buttons()):
            return message
    raise AssertionError(f"no button {label!r} in chat {chat_id}")


async def press(bot: RunningBot, user: FakeUser, label: str, chat_id: int | None = None) -> None:
    """Press the button labelled `label` on the newest message in the chat that has one."""
    message = with_button(bot, user.id if chat_id is None else chat_id, label)
    bot.api.callback(user, message, message.button(label))
    await bot.api.drain()


def last_answer(bot: RunningBot, user: FakeUser) -> str:
    """The toast or alert the user saw after their last button press."""
    answers = bot.api.callback_answers(user.id)
    assert answers, f"{user.first_name} pressed nothing that was answered"
    return str(answers[-1].get("text") or "")


async def register(
    bot: RunningBot,
    user: FakeUser,
    *,
    name: str,
    agency: str = "اتاق بازرگانی",
    group: str = "تهران",
    language: str = "فارسی",
) -> None:
    """The whole applicant dialog, in Persian labels unless told otherwise, without a phone."""
    await say(bot, user, "/start")
    await press(bot, user, language)
    await say(bot, user, name)
    await press(bot, user, agency)
    await press(bot, user, group)
    await say(bot, user, "رد شدن" if language == "فارسی" else "Skip")
    await press(bot, user, "ارسال" if language == "فارسی" else "Send")
