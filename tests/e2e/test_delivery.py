"""Delivery at national scale: a reply is never lost to flood control, a blip of the network or
of the database; one person typing too fast cannot slow down anyone else; nonsense numbers get
a clear refusal; what a killed process claimed is sent by the next one within a minute, once.

Time moves only through the Clock fixture; the bot's pauses (`dont_sleep`) return at once."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.config import Settings
from bot.outbox import CLAIM_LEASE, SEND_TIMEOUT
from bot.storage.outbox import OutboxRepository, OutgoingMessage
from tests.conftest import ALI, JOHN, Clock, RunningBot, given_member, start_bot
from tests.e2e.helpers import press, say
from tests.fakebot import FakeBotAPI, FakeUser

HELP_EN = "/help"


def texts_to(bot: RunningBot, user: FakeUser) -> list[str]:
    return [m.plain() for m in bot.api.messages_to(user.id)]


def en(bot: RunningBot, key: str, **values: Any) -> str:
    return bot.app.catalogs.translator("en").plain(key, **values)


def internal_errors(bot: RunningBot, user: FakeUser) -> list[str]:
    """The generic "something went wrong" in any language, as the person saw it."""
    catalogs = bot.app.catalogs
    apologies = {catalogs.translator(lang).plain("errors.internal") for lang in ("fa", "en")}
    return [text for text in texts_to(bot, user) if text in apologies]


@contextmanager
def database_down(bot: RunningBot, statements: int) -> Iterator[list[str]]:
    """The next `statements` queries fail as if the database server were restarting."""
    refused: list[str] = []

    def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if len(refused) < statements:
            refused.append(statement)
            raise OperationalError(statement, {}, ConnectionRefusedError("the server restarts"))

    # The updates' engine and the background one alike: the server is down for both.
    engines = [engine.sync_engine for engine in bot.app.engines]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield refused
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", refuse)


@pytest.fixture
async def flood_bot(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> AsyncIterator[RunningBot]:
    """A bot with flood control: three updates at once, then one a second, per person."""
    running = await start_bot(make_settings(flood_burst=3, flood_rate=1.0), fake_api, clock)
    yield running
    await running.stop()
    await running.app.close()


# --- flood control and network blips on replies ------------------------------------------------


async def test_a_reply_refused_by_flood_control_is_sent_again_after_the_wait_and_arrives_once(
    bot: RunningBot,
) -> None:
    await say(bot, JOHN, HELP_EN)
    before = len(bot.api.messages_to(JOHN.id))
    bot.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)

    reply = await say(bot, JOHN, HELP_EN)

    assert len(bot.api.messages_to(JOHN.id)) == before + 1
    assert reply == texts_to(bot, JOHN)[before - 1]  # the same help, not an apology
    refused = [c for c in bot.api.errors() if c.method.lower() == "sendmessage"]
    assert [c.params["chat_id"] for c in refused] == [JOHN.id]
    assert internal_errors(bot, JOHN) == []


async def test_a_press_whose_answer_meets_flood_control_is_answered_after_the_wait(
    bot: RunningBot,
) -> None:
    await say(bot, JOHN, "/start")
    bot.api.fail_next("answerCallbackQuery", 429, "Too Many Requests: retry after 2", 2)

    await press(bot, JOHN, "English")

    assert bot.api.unanswered_callbacks() == []
    assert texts_to(bot, JOHN)[-1] == en(bot, "registration.ask_name")
    assert [c.method for c in bot.api.errors()] == ["answerCallbackQuery"]


async def test_a_reply_lost_to_a_network_blip_is_sent_again(bot: RunningBot) -> None:
    await say(bot, JOHN, HELP_EN)
    before = len(bot.api.messages_to(JOHN.id))
    bot.api.fail_next("sendMessage", 502, "Bad Gateway")

    await say(bot, JOHN, HELP_EN)

    assert len(bot.api.messages_to(JOHN.id)) == before + 1
    assert texts_to(bot, JOHN)[-1] == texts_to(bot, JOHN)[before - 1]


async def test_a_flood_from_one_person_is_answered_once_while_another_is_answered_as_usual(
    flood_bot: RunningBot, clock: Clock
) -> None:
    bot = flood_bot
    for _ in range(10):
        bot.api.text(ALI, HELP_EN)
    bot.api.text(JOHN, HELP_EN)
    await bot.api.drain()

    help_text = texts_to(bot, JOHN)[-1]
    assert texts_to(bot, JOHN) == [help_text]  # John is not slowed down, nor warned
    too_fast = bot.app.catalogs.translator("fa").plain("errors.too_fast")
    assert texts_to(bot, ALI).count(too_fast) == 1
    assert len(texts_to(bot, ALI)) == 3 + 1  # three answered, then one warning, then silence
    assert bot.api.errors() == []

    # A moment later Ali is answered again, and warned again only in a new flood.
    clock.now += datetime.timedelta(seconds=2)
    await say(bot, ALI, HELP_EN)
    assert texts_to(bot, ALI)[-1] != too_fast
    assert texts_to(bot, ALI).count(too_fast) == 1


async def test_presses_beyond_the_limit_are_answered_quietly_so_no_spinner_is_left(
    flood_bot: RunningBot,
) -> None:
    bot = flood_bot
    await say(bot, JOHN, "/start")
    menu = bot.api.last_message_to(JOHN.id)
    for _ in range(6):
        bot.api.callback(JOHN, menu, menu.buttons()[0][1])
    await bot.api.drain()

    assert bot.api.unanswered_callbacks() == []
    assert bot.api.errors() == []


# --- bad input ------------------------------------------------------------------------------


async def test_a_button_with_a_thirty_digit_id_is_refused_clearly(bot: RunningBot) -> None:
    await say(bot, JOHN, HELP_EN)
    message = bot.api.last_message_to(JOHN.id)

    for forged in ("clo:" + "9" * 30, "rv:approve:" + "1" * 30 + ":1", "tk:-" + "9" * 25):
        bot.api.callback(JOHN, message, forged)
        await bot.api.drain()
        answer = bot.api.callback_answers(JOHN.id)[-1]
        assert answer.get("text") == en(bot, "errors.stale_button")

    assert bot.api.unanswered_callbacks() == []
    assert internal_errors(bot, JOHN) == []


# --- faults ---------------------------------------------------------------------------------


async def test_after_the_server_drops_every_connection_the_next_message_is_still_answered(
    bot: RunningBot,
) -> None:
    # The pool does not ping before each checkout: a dropped connection must cost a retry,
    # never the person's message.
    if bot.app.engine.dialect.name != "postgresql":
        pytest.skip("only a database server can drop the bot's connections")
    await given_member(bot, JOHN, "tehran", locale="en")
    await say(bot, JOHN, HELP_EN)
    answered = len(texts_to(bot, JOHN))

    url = bot.app.engine.url
    killer = create_async_engine(url, poolclass=NullPool)
    async with killer.connect() as connection:
        dropped = await connection.scalar(
            text(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity"
                " where datname = current_database() and pid <> pg_backend_pid()"
            )
        )
    await killer.dispose()
    assert dropped >= 1

    await say(bot, JOHN, HELP_EN)
    assert len(texts_to(bot, JOHN)) == answered + 1
    assert texts_to(bot, JOHN)[-1] == texts_to(bot, JOHN)[answered - 1]
    assert internal_errors(bot, JOHN) == []


async def test_a_press_during_a_short_database_outage_is_retried_and_applied(
    bot: RunningBot,
) -> None:
    await say(bot, JOHN, "/start")
    with database_down(bot, statements=2) as refused:
        await press(bot, JOHN, "English")

    assert len(refused) == 2
    assert bot.api.unanswered_callbacks() == []
    # The press was applied: the dialog moved on to the name, in English.
    assert texts_to(bot, JOHN)[-1] == en(bot, "registration.ask_name")
    assert internal_errors(bot, JOHN) == []


async def test_a_press_during_a_long_database_outage_asks_the_person_to_press_again(
    bot: RunningBot,
) -> None:
    await say(bot, JOHN, "/start")
    with database_down(bot, statements=1000):
        await press(bot, JOHN, "English")

    answer = bot.api.callback_answers(JOHN.id)[-1]
    assert answer.get("text") == en(bot, "errors.database_unavailable")
    assert answer.get("show_alert") is True

    # Back up: the same press now works.
    await press(bot, JOHN, "English")
    assert texts_to(bot, JOHN)[-1] == en(bot, "registration.ask_name")


async def test_a_message_claimed_by_a_killed_process_is_sent_by_the_next_within_a_minute_once(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> None:
    settings = make_settings()
    first = await start_bot(settings, fake_api, clock)
    await say(first, ALI, "/help")
    await first.stop()
    # The first process claimed the message, then was killed (SIGKILL: no release).
    async with first.uow() as uow:
        await uow.outbox.enqueue(
            OutgoingMessage(key="killed:1", chat_id=ALI.id, text="Note killed:1", locale="fa"),
            clock.now,
        )
        claimed = await uow.outbox.claim_due(clock.now, "killed-1-abcd", CLAIM_LEASE, 10)
        assert [m.key for m in claimed] == ["killed:1"]
        await uow.commit()
    await first.app.close()
    killed_at = clock.now

    second = await start_bot(settings, fake_api, clock)
    try:
        assert [m for m in fake_api.messages_to(ALI.id) if m.plain() == "Note killed:1"] == []
        clock.now = killed_at + CLAIM_LEASE
        second.app.outbox.wake()
        await second.api.drain()
        delivered = [m for m in fake_api.messages_to(ALI.id) if m.plain() == "Note killed:1"]
        assert len(delivered) == 1
        assert clock.now - killed_at <= datetime.timedelta(minutes=1)

        # And never again.
        clock.now += datetime.timedelta(minutes=10)
        second.app.outbox.wake()
        await second.api.drain()
        assert [m.plain() for m in fake_api.messages_to(ALI.id)].count("Note killed:1") == 1
    finally:
        await second.stop()
        await second.app.close()
    # A send can never outlast the half of the lease a sender still trusts.
    assert datetime.timedelta(seconds=SEND_TIMEOUT) < CLAIM_LEASE / 2


# --- what an update costs -------------------------------------------------------------------


async def test_an_update_uses_one_database_connection_and_no_outbox_claim(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    await given_member(bot, ALI, "tehran")
    await say(bot, JOHN, "/start")  # a visitor in the middle of a dialog: state to read
    checkouts: list[int] = []
    claims: list[object] = []
    claim_due = OutboxRepository.claim_due

    async def counting_claim_due(self: OutboxRepository, *args: Any, **kwargs: Any) -> Any:
        claims.append(args)
        return await claim_due(self, *args, **kwargs)

    def checkout(*args: Any) -> None:
        checkouts.append(1)

    monkeypatch.setattr(OutboxRepository, "claim_due", counting_claim_due)
    engines = [engine.sync_engine for engine in bot.app.engines]
    for engine in engines:
        event.listen(engine, "checkout", checkout)
    try:
        for user, text in ((ALI, "/help"), (JOHN, "/help"), (ALI, "/tasks")):
            checkouts.clear()
            await say(bot, user, text)
            # The dialog state, the member and the handler's queries share one session.
            assert len(checkouts) == 1, (user.first_name, text)
    finally:
        for engine in engines:
            event.remove(engine, "checkout", checkout)
    assert claims == []
