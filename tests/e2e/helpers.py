"""Small verbs for stories: a user says something, a user presses a button."""

from __future__ import annotations

import datetime

from bot.domain.clusters import Cluster, ClusterStage
from tests.conftest import SARA, Clock, RunningBot
from tests.fakebot import FakeChat, FakeUser, SentMessage

# People the feature stories share, beside those in conftest.
MARYAM = FakeUser(id=5001, first_name="Maryam", username="maryam_central")  # central secretariat
HASSAN = FakeUser(id=6001, first_name="Hassan", username="hassan_tpo")  # TPO representative
LEILA = FakeUser(id=6002, first_name="Leila", username="leila_t")  # a Tehran member


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


# --- givens and journeys several features' stories start from ----------------------------


async def given_cluster(
    bot: RunningBot, name: str, group: str = "tehran", stage: ClusterStage = ClusterStage.IDENTIFIED
) -> Cluster:
    async with bot.uow() as uow:
        cluster = await uow.clusters.create(
            name=name, working_group=group, product="مبلمان", sector="صنایع چوب",
            firm_count=120, cda_member_id=None, stage=stage,
            now=datetime.datetime.now(datetime.UTC),
        )  # fmt: skip
        await uow.commit()
    return cluster


async def submit_feasibility_plan(bot: RunningBot, user: FakeUser, cluster: str) -> None:
    await say(bot, user, "/submit")
    await press(bot, user, "طرح توجیهی")
    await press(bot, user, cluster)
    await say(bot, user, "طرح توجیهی خوشه مبلمان")
    await say(bot, user, "بیش از صد کارگاه مبلمان در جنوب تهران با بازار صادراتی عراق.")
    await press(bot, user, "✅ دارد")
    await say(bot, user, "۱۲۰ کارگاه در شعاع پنج کیلومتر")
    for _ in range(8):
        await press(bot, user, "➖ تا حدی")
        await press(bot, user, "رد شدن")
    assert "بودجه" in bot.api.last_message_to(user.id).plain()
    await say(bot, user, "۲٬۵۰۰")
    bot.api.document(user, "plan.pdf", b"%PDF-1.4 plan", "application/pdf")
    await bot.api.drain()
    await press(bot, user, "تمام")


async def new_task(bot: RunningBot, title: str, due: str, *assignees: str) -> None:
    """Sara creates a task for the Tehran furniture cluster through /task_new."""
    await say(bot, SARA, "/task_new")
    await press(bot, SARA, "خوشه مبلمان تهران")
    await say(bot, SARA, title)
    await say(bot, SARA, "شناسایی بنگاه‌های پیشرو و دعوت به جلسه.")
    await say(bot, SARA, due)
    for name in assignees:
        await press(bot, SARA, name)
    await press(bot, SARA, "ذخیره")


TEHRAN_OFFSET = datetime.timedelta(hours=3, minutes=30)


def tehran(clock: Clock, day: int, hour: int, minute: int = 0) -> None:
    """Set the clock to a day of Azar 1405 (November 2026 + 21) at a Tehran wall-clock time."""
    local = datetime.datetime(2026, 11, day - 1 + 22, hour, minute)
    clock.now = (local - TEHRAN_OFFSET).replace(tzinfo=datetime.UTC)
