"""The outbox: a message committed with the change it reports is sent once, whatever happens
between the commit and the send: a crash, flood control, a blocked recipient, a Bot API outage."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import os
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, TelegramObject, Update
from sqlalchemy import select

import bot.outbox as outbox_module
from bot.app import create_app
from bot.config import Settings
from bot.middlewares import UnitOfWorkMiddleware
from bot.outbox import CLAIM_LEASE, MAX_ATTEMPTS, OutboxSender, backoff, default_worker_id
from bot.storage import db
from bot.storage.models import OutboxRow
from bot.storage.outbox import OutboxRepository, OutgoingMessage
from bot.storage.repositories import CardCopy
from bot.storage.uow import UnitOfWork
from tests.conftest import (
    ADMIN,
    ALI,
    JOHN,
    MINA,
    SARA,
    TEHRAN_CHAT,
    Clock,
    RunningBot,
    dont_sleep,
    start_bot,
)
from tests.fakebot import ApiError, CallContext, FakeBotAPI, FakeUser, SentMessage

CARD = "outbox-test-card"


# --- helpers ---------------------------------------------------------------------------------


def sender_of(running: RunningBot) -> OutboxSender:
    sender = running.app.dispatcher["outbox_sender"]
    assert isinstance(sender, OutboxSender)
    return sender


def keyboard(*labels: str) -> dict[str, Any]:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=f"test:{label}") for label in labels]
        ]
    )
    return markup.model_dump(exclude_none=True)


def note(key: str, user: FakeUser, text: str | None = None, **fields: Any) -> OutgoingMessage:
    return OutgoingMessage(
        key=key, chat_id=user.id, text=text or f"<b>Note</b> {key}", locale="fa", **fields
    )


async def enqueue(
    running: RunningBot, now: datetime.datetime, *messages: OutgoingMessage
) -> list[bool]:
    """Write the messages in one committed transaction, without sending them."""
    async with running.uow() as uow:
        stored = [await uow.outbox.enqueue(message, now) for message in messages]
        await uow.commit()
    return stored


async def outbox_rows(engine_owner: RunningBot) -> dict[str, OutboxRow]:
    async with db.session_factory(engine_owner.app.engine)() as session:
        rows = await session.scalars(select(OutboxRow).order_by(OutboxRow.id))
        return {row.dedupe_key: row for row in rows.all()}


async def card_copies(running: RunningBot, subject_id: int) -> list[CardCopy]:
    async with running.uow() as uow:
        return await uow.cards.copies(CARD, subject_id)


def received(api: FakeBotAPI, user: FakeUser, key: str) -> list[SentMessage]:
    """The messages the user got for the outbox entry `key` (texts name their key)."""
    return [m for m in api.messages_to(user.id) if m.plain().endswith(f" {key}")]


def send_attempts(api: FakeBotAPI, user: FakeUser, key: str) -> int:
    """How often the Bot API was asked to send `key` to the user, failed calls included."""
    return sum(
        1
        for call in api.calls_to("sendMessage")
        if call.params.get("chat_id") == user.id
        and str(call.params.get("text", "")).endswith(f" {key}")
    )


async def have_started(running: RunningBot, *users: FakeUser) -> None:
    """Telegram lets a bot write only to people who wrote to it first."""
    for user in users:
        running.api.text(user, "/help")
    await running.api.drain()


class FakeSleep:
    """The sender's pause for rate limits: moves the test clock instead of sleeping."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.slept: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.now += datetime.timedelta(seconds=seconds)


def own_sender(running: RunningBot, clock: Clock, **options: Any) -> OutboxSender:
    """A sender of our own on the running bot's database and Bot API connection. Stop the bot
    first (`running.stop()`), so that its own sender does not flush in between."""
    options.setdefault("sleep", dont_sleep)
    return OutboxSender(
        running.app.bot,
        db.session_factory(running.app.engine),
        running.app.settings.bot_platform.value,
        clock,
        **options,
    )


@asynccontextmanager
async def another_process(
    running: RunningBot, clock: Clock, worker: str
) -> AsyncIterator[OutboxSender]:
    """A second bot process on the same database and bot token: its own engine and Bot."""
    settings = running.app.settings
    assert settings.bot_token is not None
    engine = db.create_engine(settings.database_url)
    other_bot = Bot(
        settings.bot_token.get_secret_value(),
        session=AiohttpSession(api=TelegramAPIServer.from_base(settings.bot_api_url)),
        default=DefaultBotProperties(parse_mode=running.app.profile.parse_mode),
    )
    try:
        yield OutboxSender(
            other_bot,
            db.session_factory(engine),
            settings.bot_platform.value,
            clock,
            worker=worker,
            sleep=dont_sleep,
        )
    finally:
        await other_bot.session.close()
        await engine.dispose()


# --- stories ---------------------------------------------------------------------------------


async def test_a_committed_card_arrives_once_with_its_keyboard_and_its_copy_is_recorded(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI)
    card = note(
        "card:7:1",
        ALI,
        reply_markup=keyboard("تأیید", "رد"),
        card_subject=CARD,
        card_subject_id=7,
    )
    assert await enqueue(bot, clock.now, card) == [True]

    assert await sender_of(bot).flush() == 1
    assert await sender_of(bot).flush() == 0

    [message] = received(bot.api, ALI, "card:7:1")
    assert message.plain() == "Note card:7:1"
    assert [label for label, _ in message.buttons()] == ["تأیید", "رد"]
    assert await card_copies(bot, 7) == [CardCopy(ALI.id, message.message_id, "fa")]
    async with bot.uow() as uow:
        assert await uow.outbox.unsent_count() == 0
    row = (await outbox_rows(bot))["card:7:1"]
    assert row.sent_at == clock.now
    assert row.claimed_by is None and row.claimed_until is None


async def test_an_update_that_queued_nothing_leaves_the_outbox_alone_and_a_wake_sends_it(
    bot: RunningBot, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await have_started(bot, ALI)
    claims: list[datetime.datetime] = []
    claim_due = OutboxRepository.claim_due

    async def counting_claim_due(
        self: OutboxRepository, now: datetime.datetime, *args: Any, **kwargs: Any
    ) -> Any:
        claims.append(now)
        return await claim_due(self, now, *args, **kwargs)

    monkeypatch.setattr(OutboxRepository, "claim_due", counting_claim_due)
    # Committed by another part of the bot (another process, the scheduler) without a wake.
    await enqueue(bot, clock.now, note("hello:1", ALI))

    # An unrelated update queued nothing: it costs no outbox query, and sends nothing.
    bot.api.text(JOHN, "/help")
    await bot.api.drain()
    assert claims == []
    assert received(bot.api, ALI, "hello:1") == []

    # The scheduler wakes the sender after committing: what is due goes out, once.
    bot.app.outbox.wake()
    await bot.api.drain()
    assert len(received(bot.api, ALI, "hello:1")) == 1


async def test_the_sender_task_sends_what_became_due_without_being_woken(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI)
    await bot.stop()
    await enqueue(bot, clock.now, note("later:1", ALI))
    sender = own_sender(bot, clock)
    task = asyncio.create_task(sender.run(interval=0.01))
    try:
        await bot.api.wait_for_message(ALI.id, lambda m: m.plain().endswith(" later:1"))
        await enqueue(bot, clock.now, note("later:2", ALI))
        await bot.api.wait_for_message(ALI.id, lambda m: m.plain().endswith(" later:2"))
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert len(received(bot.api, ALI, "later:1")) == 1
    assert len(received(bot.api, ALI, "later:2")) == 1


async def test_the_same_key_is_stored_once_and_sent_once(bot: RunningBot, clock: Clock) -> None:
    await have_started(bot, ALI)
    async with bot.uow() as uow:
        assert await uow.outbox.enqueue(note("decision:1", ALI), clock.now) is True
        assert await uow.outbox.enqueue(note("decision:1", ALI, "another"), clock.now) is False
        # The duplicate did not break the transaction: later writes still commit.
        assert await uow.outbox.enqueue(note("decision:2", ALI), clock.now) is True
        await uow.commit()
    assert await enqueue(bot, clock.now, note("decision:1", ALI)) == [False]

    assert await sender_of(bot).flush() == 2
    assert await sender_of(bot).flush() == 0

    assert list(await outbox_rows(bot)) == ["decision:1", "decision:2"]
    assert len(received(bot.api, ALI, "decision:1")) == 1
    assert len(received(bot.api, ALI, "decision:2")) == 1


async def test_a_message_committed_just_before_a_crash_is_sent_once_after_the_restart(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> None:
    settings = make_settings()
    running = await start_bot(settings, fake_api, clock)
    await have_started(running, ALI)
    await running.stop()
    await running.app.close()

    # The decision and its notification were committed; the process died before sending.
    engine = db.create_engine(settings.database_url)
    try:
        async with UnitOfWork(db.session_factory(engine), settings.bot_platform.value) as uow:
            await uow.outbox.enqueue(note("approved:3", ALI), clock.now)
            await uow.commit()
    finally:
        await engine.dispose()
    assert received(fake_api, ALI, "approved:3") == []

    running = await start_bot(settings, fake_api, clock)
    try:
        await have_started(running, JOHN)  # the restarted bot answers, and sends beside it
        assert len(received(fake_api, ALI, "approved:3")) == 1
        assert await sender_of(running).flush() == 0
        assert len(received(fake_api, ALI, "approved:3")) == 1
    finally:
        await running.stop()
        await running.app.close()


async def test_a_restart_does_not_sit_out_the_previous_runs_backlog_before_answering(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> None:
    settings = make_settings()
    running = await start_bot(settings, fake_api, clock)
    await have_started(running, ALI, SARA, MINA)
    await running.stop()
    await running.app.close()
    # A morning's reminders the previous process committed and never sent.
    backlog = [
        note(f"morning:{user.id}:{day}", user) for user in (ALI, SARA, MINA) for day in (1, 2)
    ]
    engine = db.create_engine(settings.database_url)
    try:
        async with UnitOfWork(db.session_factory(engine), settings.bot_platform.value) as uow:
            for message in backlog:
                await uow.outbox.enqueue(message, clock.now)
            await uow.commit()
    finally:
        await engine.dispose()

    app = create_app(settings, clock=clock, sleep=dont_sleep)
    await app.prepare()
    # Ready to poll, and nothing of the backlog sent yet: the start did not wait for it (at
    # 29 messages a second, a morning's 5,000 would keep everyone waiting for three minutes).
    assert [m for m in fake_api.messages_to(ALI.id) if "morning:" in m.plain()] == []
    task = asyncio.create_task(
        app.run_polling(handle_as_tasks=False, handle_signals=False, with_scheduler=False)
    )
    fake_api.drain_hooks.append(app.outbox.idle)
    running = RunningBot(app, fake_api, task)
    try:
        await have_started(running, JOHN)
        assert "/start" in fake_api.last_message_to(JOHN.id).plain()
        # The sender task, started with the updates, sent the backlog, each message once.
        for message in backlog:
            user = next(u for u in (ALI, SARA, MINA) if u.id == message.chat_id)
            assert len(received(fake_api, user, message.key)) == 1
    finally:
        await running.stop()
        await app.close()


async def test_flood_control_holds_every_message_until_the_named_time_and_loses_none(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI, JOHN)
    await enqueue(bot, clock.now, note("n:1", ALI), note("n:2", JOHN))
    bot.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 30", retry_after=30)
    sender = sender_of(bot)

    assert await sender.flush() == 0
    assert received(bot.api, ALI, "n:1") == []
    assert received(bot.api, JOHN, "n:2") == []
    rows = await outbox_rows(bot)
    assert rows["n:1"].not_before == clock.now + datetime.timedelta(seconds=30)
    assert rows["n:1"].attempts == 0  # throttling is not the message's fault
    assert rows["n:2"].not_before == clock.now
    # Neither stays claimed: another process may send them once the time has come.
    assert [(r.claimed_by, r.claimed_until) for r in rows.values()] == [(None, None)] * 2

    # While throttled, nobody gets anything, and the Bot API is not even asked.
    calls = len(bot.api.calls_to("sendMessage"))
    clock.now += datetime.timedelta(seconds=29)
    assert await sender.flush() == 0
    assert len(bot.api.calls_to("sendMessage")) == calls

    clock.now += datetime.timedelta(seconds=2)
    assert await sender.flush() == 2
    assert len(received(bot.api, ALI, "n:1")) == 1
    assert len(received(bot.api, JOHN, "n:2")) == 1


async def test_an_unreachable_recipient_is_given_up_at_once_and_others_still_get_theirs(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI, JOHN)
    bot.api.block_user(ALI.id)
    # Mina never wrote to the bot, so it may not write to her.
    await enqueue(bot, clock.now, note("n:1", ALI), note("n:2", MINA), note("n:3", JOHN))

    assert await sender_of(bot).flush() == 1
    assert len(received(bot.api, JOHN, "n:3")) == 1

    rows = await outbox_rows(bot)
    assert rows["n:1"].failed_at == clock.now
    assert "blocked" in (rows["n:1"].last_error or "")
    assert rows["n:2"].failed_at == clock.now
    assert all(row.claimed_by is None and row.claimed_until is None for row in rows.values())
    async with bot.uow() as uow:
        assert await uow.outbox.unsent_count() == 0

    clock.now += datetime.timedelta(days=1)
    assert await sender_of(bot).flush() == 0
    assert send_attempts(bot.api, ALI, "n:1") == 1
    assert send_attempts(bot.api, MINA, "n:2") == 1


async def test_a_server_error_is_retried_after_a_backoff_without_holding_up_the_others(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI, JOHN)
    await enqueue(bot, clock.now, note("n:1", ALI), note("n:2", JOHN))
    bot.api.fail_next("sendMessage", 500, "Internal Server Error")
    sender = sender_of(bot)

    assert await sender.flush() == 1
    assert len(received(bot.api, JOHN, "n:2")) == 1
    row = (await outbox_rows(bot))["n:1"]
    assert row.attempts == 1
    assert row.not_before == clock.now + datetime.timedelta(seconds=5)
    assert row.failed_at is None
    assert row.claimed_by is None and row.claimed_until is None

    clock.now += datetime.timedelta(seconds=4)
    assert await sender.flush() == 0
    assert send_attempts(bot.api, ALI, "n:1") == 1

    clock.now += datetime.timedelta(seconds=1)
    assert await sender.flush() == 1
    assert len(received(bot.api, ALI, "n:1")) == 1


async def test_a_message_that_keeps_failing_is_retried_for_about_two_days_then_given_up(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI)
    started = clock.now
    await enqueue(bot, clock.now, note("n:1", ALI))
    for _ in range(MAX_ATTEMPTS):
        bot.api.fail_next("sendMessage", 502, "Bad Gateway")
    sender = sender_of(bot)

    delays = []
    for attempt in range(MAX_ATTEMPTS):
        assert await sender.flush() == 0
        row = (await outbox_rows(bot))["n:1"]
        assert row.attempts == attempt + 1
        if row.failed_at is not None:
            break
        delays.append(row.not_before - clock.now)
        clock.now = row.not_before

    # Backing off to ten minutes, then every ten minutes: an outage of a day loses nothing.
    assert [d.total_seconds() for d in delays[:8]] == [5, 10, 20, 40, 80, 160, 320, 600]
    assert all(d.total_seconds() == 600 for d in delays[8:])
    assert clock.now - started > datetime.timedelta(days=2)
    assert row.failed_at == clock.now
    assert "Bad Gateway" in (row.last_error or "")
    assert send_attempts(bot.api, ALI, "n:1") == MAX_ATTEMPTS

    clock.now += datetime.timedelta(days=1)
    assert await sender.flush() == 0
    assert send_attempts(bot.api, ALI, "n:1") == MAX_ATTEMPTS
    assert received(bot.api, ALI, "n:1") == []


async def test_after_a_403_nothing_else_waiting_for_that_person_is_tried(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI)
    bot.api.block_user(ALI.id)
    await enqueue(bot, clock.now, note("n:1", ALI), note("n:2", ALI))
    await sender_of(bot).flush()

    rows = await outbox_rows(bot)
    assert rows["n:1"].failed_at is not None and rows["n:2"].failed_at is not None
    assert send_attempts(bot.api, ALI, "n:1") + send_attempts(bot.api, ALI, "n:2") == 1


def test_the_backoff_doubles_from_five_seconds_up_to_ten_minutes() -> None:
    assert backoff(0) == datetime.timedelta(seconds=5)
    assert backoff(3) == datetime.timedelta(seconds=40)
    assert backoff(7) == datetime.timedelta(minutes=10)
    assert backoff(30) == datetime.timedelta(minutes=10)


async def test_editing_a_card_copy_updates_it_and_an_unchanged_edit_counts_as_sent(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI)
    buttons = keyboard("تأیید")
    await enqueue(
        bot,
        clock.now,
        note("card:9:1", ALI, reply_markup=buttons, card_subject=CARD, card_subject_id=9),
    )
    await sender_of(bot).flush()
    [copy] = await card_copies(bot, 9)

    # A decision changes the card: the copy is edited, and no second copy is recorded.
    edited = note(
        "card:9:2",
        ALI,
        "Decided card:9:2",
        edit_message_id=copy.message_id,
        card_subject=CARD,
        card_subject_id=9,
    )
    await enqueue(bot, clock.now, edited)
    assert await sender_of(bot).flush() == 1
    [message] = bot.api.messages_to(ALI.id)[-1:]
    assert message.message_id == copy.message_id
    assert message.plain() == "Decided card:9:2"
    assert message.buttons() == []
    assert message.edits == 1
    assert await card_copies(bot, 9) == [copy]

    # The same edit again (e.g. a refresh after a restart) is "not modified": done, not failed.
    again = OutgoingMessage(
        key="card:9:2-again",
        chat_id=ALI.id,
        text="Decided card:9:2",
        locale="fa",
        edit_message_id=copy.message_id,
    )
    await enqueue(bot, clock.now, again)
    assert await sender_of(bot).flush() == 1
    row = (await outbox_rows(bot))["card:9:2-again"]
    assert row.sent_at == clock.now
    assert row.failed_at is None
    assert message.edits == 1
    assert any("not modified" in (call.error or "") for call in bot.api.errors())


async def test_an_edit_of_a_message_that_is_gone_is_given_up(bot: RunningBot, clock: Clock) -> None:
    await have_started(bot, ALI)
    await enqueue(bot, clock.now, note("gone:1", ALI, edit_message_id=424242))

    assert await sender_of(bot).flush() == 0

    row = (await outbox_rows(bot))["gone:1"]
    assert row.failed_at == clock.now
    assert "message to edit not found" in (row.last_error or "")


def decided(copy: CardCopy, key: str) -> OutgoingMessage:
    """What a decision queues for one copy of the card, as the card refreshers do."""
    return OutgoingMessage(
        key=f"{key}:{copy.ref}",
        chat_id=copy.chat_id,
        text=f"Decided {key}",
        locale=copy.locale,
        edit_message_id=copy.message_id,
        edit_outbox_id=copy.outbox_id,
    )


async def test_a_card_decided_before_any_sender_took_it_goes_out_once_showing_the_decision(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI)
    card = note(
        "card:3:1", ALI, reply_markup=keyboard("تأیید"), card_subject=CARD, card_subject_id=3
    )
    await enqueue(bot, clock.now, card)

    # The decision comes while the card still waits in the outbox: it is a copy on its way.
    [copy] = await card_copies(bot, 3)
    assert copy.message_id is None and copy.outbox_id is not None
    await enqueue(bot, clock.now, decided(copy, "card:3:2"))

    assert await sender_of(bot).flush() == 1
    [message] = bot.api.messages_to(ALI.id)[-1:]
    assert message.plain() == "Decided card:3:2"
    assert message.buttons() == []
    assert message.edits == 0
    assert await card_copies(bot, 3) == [CardCopy(ALI.id, message.message_id, "fa")]


async def test_a_card_decided_while_it_is_being_sent_is_edited_as_soon_as_it_lands(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI)
    sending = asyncio.Event()
    release = asyncio.Event()
    send_message = bot.api.handlers["sendmessage"]

    async def slow_send(call: CallContext) -> Any:
        sending.set()
        await release.wait()
        return await send_message(call)

    bot.api.register("sendMessage", slow_send)
    card = note(
        "card:4:1", ALI, reply_markup=keyboard("تأیید"), card_subject=CARD, card_subject_id=4
    )
    await enqueue(bot, clock.now, card)
    flushing = asyncio.create_task(sender_of(bot).flush())
    await sending.wait()

    # The card is on the wire: it has no message id yet, so the edit waits for it.
    [copy] = await card_copies(bot, 4)
    assert copy.message_id is None
    await enqueue(bot, clock.now, decided(copy, "card:4:2"))
    async with bot.uow() as uow:
        # Only the card itself (claimed, on the wire) is due; its edit is not, yet.
        assert [m.key for m in await uow.outbox.due(clock.now)] == ["card:4:1"]
    release.set()
    await asyncio.wait_for(flushing, 10)
    await sender_of(bot).idle()

    [message] = bot.api.messages_to(ALI.id)[-1:]
    assert message.plain() == "Decided card:4:2"
    assert message.buttons() == []
    assert message.edits == 1
    assert await card_copies(bot, 4) == [CardCopy(ALI.id, message.message_id, "fa")]
    rows = await outbox_rows(bot)
    assert rows[f"card:4:2:{copy.ref}"].sent_at is not None
    assert rows["card:4:1"].sent_message_id == message.message_id


async def test_edits_waiting_for_a_card_that_cannot_be_delivered_are_given_up_with_it(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI)
    await bot.stop()
    card = note("card:5:1", ALI, card_subject=CARD, card_subject_id=5)
    await enqueue(bot, clock.now, card)
    # Another process has taken the card; a decision's edit waits for it.
    async with bot.uow() as uow:
        [taken] = await uow.outbox.claim_due(clock.now, "other-1-abc", CLAIM_LEASE, 1)
        await uow.commit()
    [copy] = await card_copies(bot, 5)
    await enqueue(bot, clock.now, decided(copy, "card:5:2"))

    async with bot.uow() as uow:
        await uow.outbox.mark_failed(taken.id, clock.now, "Forbidden: bot was blocked by the user")
        await uow.commit()

    rows = await outbox_rows(bot)
    assert rows["card:5:1"].failed_at == clock.now
    assert rows[f"card:5:2:{copy.ref}"].failed_at == clock.now
    assert await card_copies(bot, 5) == []
    async with bot.uow() as uow:
        assert await uow.outbox.unsent_count() == 0


async def test_overlapping_flushes_send_each_message_once_and_miss_nothing_committed_meanwhile(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI, SARA)
    sending = asyncio.Event()
    release = asyncio.Event()
    send_message = bot.api.handlers["sendmessage"]

    async def slow_send(call: CallContext) -> Any:
        sending.set()
        await release.wait()
        return await send_message(call)

    bot.api.register("sendMessage", slow_send)
    sender = sender_of(bot)
    await enqueue(bot, clock.now, note("n:1", ALI))
    first = asyncio.create_task(sender.flush())
    await sending.wait()

    # Committed while the first flush is busy sending: a second flush must not overlap it,
    # and must not return before this message went out.
    await enqueue(bot, clock.now, note("n:2", SARA))
    second = asyncio.create_task(sender.flush())
    third = asyncio.create_task(sender.flush())
    delivered_when_returned: list[int] = []
    for waiter in (second, third):
        waiter.add_done_callback(
            lambda _: delivered_when_returned.append(len(received(bot.api, SARA, "n:2")))
        )
    await asyncio.sleep(0)
    assert not second.done()
    release.set()
    results = await asyncio.wait_for(asyncio.gather(first, second, third), 10)

    assert sum(results) == 2
    assert delivered_when_returned == [1, 1]
    assert len(received(bot.api, ALI, "n:1")) == 1
    assert len(received(bot.api, SARA, "n:2")) == 1


# --- several processes: claims --------------------------------------------------------------


async def test_two_processes_sharing_the_database_send_each_message_exactly_once(
    bot: RunningBot, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = [FakeUser(id=6000 + i, first_name=f"Person{i}") for i in range(8)]
    await have_started(bot, *users)
    await bot.stop()  # only the two processes below send
    # Small claims, so that the two take turns many times while the other one is sending.
    monkeypatch.setattr(outbox_module, "BATCH_SIZE", 4)
    keys = [f"m:{i}" for i in range(48)]
    await enqueue(bot, clock.now, *(note(key, users[i % 8]) for i, key in enumerate(keys)))

    async with (
        another_process(bot, clock, "process-1") as first,
        another_process(bot, clock, "process-2") as second,
    ):
        results = await asyncio.wait_for(asyncio.gather(first.flush(), second.flush()), 60)
        assert await first.flush() == 0
        assert await second.flush() == 0

    assert sum(results) == len(keys)
    assert all(result > 0 for result in results), results  # both did take part
    for i, key in enumerate(keys):
        assert send_attempts(bot.api, users[i % 8], key) == 1, key
        assert len(received(bot.api, users[i % 8], key)) == 1, key
    rows = await outbox_rows(bot)
    assert all(row.sent_at == clock.now for row in rows.values())
    assert all(row.claimed_by is None and row.claimed_until is None for row in rows.values())


async def test_concurrent_claims_never_hand_out_a_message_twice(
    bot: RunningBot, clock: Clock
) -> None:
    await bot.stop()
    keys = {f"c:{i}" for i in range(40)}
    await enqueue(bot, clock.now, *(note(key, ALI) for key in sorted(keys)))
    lease = datetime.timedelta(minutes=5)

    async def claimer(worker: str) -> list[str]:
        got: list[str] = []
        while True:
            async with bot.uow() as uow:
                batch = await uow.outbox.claim_due(clock.now, worker, lease, 3)
                await uow.commit()
            if not batch:
                return got
            assert [m.id for m in batch] == sorted(m.id for m in batch)
            got += [m.key for m in batch]
            await asyncio.sleep(0)

    workers = [f"worker-{i}" for i in range(6)]
    claimed = await asyncio.wait_for(asyncio.gather(*map(claimer, workers)), 60)

    everything = [key for keys_of_one in claimed for key in keys_of_one]
    assert sorted(everything) == sorted(keys)  # all claimed, none twice
    rows = await outbox_rows(bot)
    for worker, keys_of_one in zip(workers, claimed, strict=True):
        for key in keys_of_one:
            assert rows[key].claimed_by == worker
            assert rows[key].claimed_until == clock.now + lease

    # Nobody gets them again while the claims hold; once they have run out, anybody may.
    async with bot.uow() as uow:
        late = clock.now + lease - datetime.timedelta(microseconds=1)
        assert await uow.outbox.claim_due(late, "latecomer", lease, 50) == []
        expired = await uow.outbox.claim_due(clock.now + lease, "latecomer", lease, 50)
        await uow.commit()
    assert sorted(m.key for m in expired) == sorted(keys)


async def test_a_message_another_process_claimed_is_left_alone_until_its_claim_runs_out(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI)
    await bot.stop()
    await enqueue(bot, clock.now, note("n:1", ALI), note("n:2", ALI))
    # A process claimed n:1 and then died.
    async with bot.uow() as uow:
        claimed = await uow.outbox.claim_due(clock.now, "crashed-1-abc", CLAIM_LEASE, 1)
        await uow.commit()
    assert [m.key for m in claimed] == ["n:1"]
    sender = own_sender(bot, clock)

    assert await sender.flush() == 1
    assert received(bot.api, ALI, "n:1") == []
    assert len(received(bot.api, ALI, "n:2")) == 1

    clock.now += CLAIM_LEASE - datetime.timedelta(seconds=1)
    assert await sender.flush() == 0
    clock.now += datetime.timedelta(seconds=1)
    assert await sender.flush() == 1
    assert len(received(bot.api, ALI, "n:1")) == 1
    row = (await outbox_rows(bot))["n:1"]
    assert row.sent_at == clock.now
    assert row.claimed_by is None and row.claimed_until is None


async def test_a_sender_whose_claims_get_old_hands_back_the_rest_and_claims_afresh(
    bot: RunningBot, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await have_started(bot, ALI)
    await bot.stop()
    await enqueue(bot, clock.now, *(note(f"n:{i}", ALI) for i in range(1, 5)))
    claims: list[datetime.datetime] = []
    claim_due = OutboxRepository.claim_due

    async def recording_claim_due(
        self: OutboxRepository, now: datetime.datetime, *args: Any, **kwargs: Any
    ) -> Any:
        claims.append(now)
        return await claim_due(self, now, *args, **kwargs)

    monkeypatch.setattr(OutboxRepository, "claim_due", recording_claim_due)
    start = clock.now
    # One message a second to Ali: the third send starts 2 s in, when a 3 s lease is half gone.
    sender = own_sender(
        bot, clock, lease=datetime.timedelta(seconds=3), sleep=FakeSleep(clock), worker="slow"
    )

    assert await sender.flush() == 4

    assert claims == [start, start + datetime.timedelta(seconds=2)]
    rows = await outbox_rows(bot)
    assert [row.sent_at - start for row in rows.values()] == [
        datetime.timedelta(seconds=s) for s in (0, 1, 2, 3)
    ]
    assert [m.plain() for m in bot.api.messages_to(ALI.id)[-4:]] == [
        f"Note n:{i}" for i in range(1, 5)
    ]


async def test_the_next_batch_is_claimed_while_the_last_of_this_one_go_out(
    bot: RunningBot, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a backlog of 120 reminders to as many people (batches of fifty)
    people = [FakeUser(id=7000 + i, first_name=f"Person{i}") for i in range(120)]
    bot.api.users_started(p.id for p in people)
    await bot.stop()
    await enqueue(bot, clock.now, *(note(f"b:{i}", p) for i, p in enumerate(people)))
    # How many reminders had gone out when each claim began.
    sent_when_claimed: list[int] = []
    claim_due = OutboxRepository.claim_due

    async def recording_claim_due(self: OutboxRepository, *args: Any, **kwargs: Any) -> Any:
        sent_when_claimed.append(len(bot.api.all_messages()))
        return await claim_due(self, *args, **kwargs)

    monkeypatch.setattr(OutboxRepository, "claim_due", recording_claim_due)

    # When a sender works through it
    assert await own_sender(bot, clock).flush() == 120

    # Then each next batch is claimed while the last few of the one before go out, not after
    # them (the sender does not stand still between batches), and nothing is sent twice
    first, second, third = sent_when_claimed
    assert first == 0
    assert 30 < second < 50
    assert 80 < third < 100
    assert sorted(m.plain() for m in bot.api.all_messages()) == sorted(
        f"Note b:{i}" for i in range(120)
    )


async def test_flood_control_in_a_backlog_hands_back_the_batch_claimed_ahead_too(
    bot: RunningBot, clock: Clock
) -> None:
    # Given a backlog of 120 reminders, and Telegram refusing the 46th (the next batch is
    # claimed by then)
    people = [FakeUser(id=7000 + i, first_name=f"Person{i}") for i in range(120)]
    bot.api.users_started(p.id for p in people)
    await bot.stop()
    await enqueue(bot, clock.now, *(note(f"b:{i}", p) for i, p in enumerate(people)))
    send_message = bot.api.handlers["sendmessage"]

    async def refusing_the_46th(call: CallContext) -> Any:
        if str(call.params.get("text", "")).endswith(" b:45"):
            bot.api.register("sendMessage", send_message)
            raise ApiError(429, "Too Many Requests: retry after 30", {"retry_after": 30})
        return await send_message(call)

    bot.api.register("sendMessage", refusing_the_46th)
    sender = own_sender(bot, clock, worker="refused")

    # When the sender meets the refusal, it stops, and nothing it has not sent stays claimed
    assert await sender.flush() == 45
    rows = await outbox_rows(bot)
    assert [key for key, row in rows.items() if row.claimed_by is not None] == []
    assert sum(1 for row in rows.values() if row.sent_at is None) == 75

    # Then, once the pause is over, the other 75 go out, each once
    clock.now += datetime.timedelta(seconds=31)
    assert await sender.flush() == 75
    assert sorted(m.plain() for m in bot.api.all_messages()) == sorted(
        f"Note b:{i}" for i in range(120)
    )


async def test_a_sender_stopped_while_it_waits_gives_its_claims_back(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI)
    await bot.stop()
    await enqueue(bot, clock.now, note("n:1", ALI), note("n:2", ALI), note("n:3", ALI))
    waiting = asyncio.Event()

    async def sleep_until_cancelled(seconds: float) -> None:
        waiting.set()
        await asyncio.Event().wait()

    flush = asyncio.create_task(own_sender(bot, clock, sleep=sleep_until_cancelled).flush())
    await asyncio.wait_for(waiting.wait(), 10)  # n:1 went out; n:2 waits for its second
    flush.cancel()
    with pytest.raises(asyncio.CancelledError):
        await flush

    rows = await outbox_rows(bot)
    assert rows["n:1"].sent_at == clock.now
    assert [(rows[k].sent_at, rows[k].claimed_by) for k in ("n:2", "n:3")] == [(None, None)] * 2
    # So another process (or this one, restarted) sends them at once.
    assert await own_sender(bot, clock).flush() == 2


def test_a_default_worker_id_names_the_host_and_process_and_differs_per_sender() -> None:
    first, second = default_worker_id(), default_worker_id()
    assert first != second
    assert first.startswith(socket.gethostname()[:40])
    assert f"-{os.getpid()}-" in first
    assert len(first) <= 64


# --- Telegram's rate limits ----------------------------------------------------------------


async def test_messages_to_one_person_go_out_a_second_apart_without_holding_up_others(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI, JOHN)
    await bot.stop()
    start = clock.now
    await enqueue(
        bot, clock.now, note("n:1", ALI), note("n:2", ALI), note("n:3", JOHN), note("n:4", ALI)
    )
    sleep = FakeSleep(clock)

    assert await own_sender(bot, clock, sleep=sleep).flush() == 4

    assert sleep.slept == [1.0, 1.0]
    sent_at = {key: row.sent_at for key, row in (await outbox_rows(bot)).items()}
    second = datetime.timedelta(seconds=1)
    assert sent_at == {
        "n:1": start,
        "n:2": start + second,
        "n:3": start + second,
        "n:4": start + 2 * second,
    }


class BusyMachineSleep(FakeSleep):
    """The first pause oversleeps by two seconds, as on a busy machine."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.overslept = False

    async def __call__(self, seconds: float) -> None:
        await super().__call__(seconds)
        if not self.overslept:
            self.overslept = True
            self.clock.now += datetime.timedelta(seconds=2)


async def test_a_message_put_off_during_a_backlog_goes_out_when_due_not_after_the_backlog(
    bot: RunningBot, clock: Clock
) -> None:
    # Given two messages to Ali and a backlog of reminders to 150 other people
    people = [FakeUser(id=7000 + i, first_name=f"Person{i}") for i in range(150)]
    await have_started(bot, ALI)
    bot.api.users_started(p.id for p in people)
    await bot.stop()
    backlog = [note(f"b:{i}", p) for i, p in enumerate(people)]
    await enqueue(bot, clock.now, note("n:1", ALI), note("n:2", ALI), *backlog)

    # When the sender wakes two seconds late for Ali's second slot (so it puts that one off
    # by a second rather than send it late), and then works through the backlog
    sleep = BusyMachineSleep(clock)
    assert await own_sender(bot, clock, sleep=sleep).flush() == 152

    # Then Ali's second message goes out once due, among the backlog, not after all of it
    order = [m.plain().rsplit(" ", 1)[-1] for m in bot.api.all_messages()]
    assert order.index("n:2") < order.index("b:149")
    assert order.count("n:2") == 1


async def test_a_group_gets_twenty_messages_a_minute_and_the_rest_wait_in_order(
    bot: RunningBot, clock: Clock
) -> None:
    await have_started(bot, ALI)
    bot.api.bot_added_to_group(TEHRAN_CHAT, ADMIN)
    await bot.api.drain()
    await bot.stop()
    group = [
        OutgoingMessage(key=f"g:{i}", chat_id=TEHRAN_CHAT.id, text=f"Group g:{i}", locale="fa")
        for i in range(1, 26)
    ]
    await enqueue(bot, clock.now, *group, note("n:1", ALI))
    sleep = FakeSleep(clock)
    sender = own_sender(bot, clock, sleep=sleep)
    start = clock.now

    # The 21st would have to wait a minute: it and the four after it are put off instead,
    # which costs them no attempt; Ali's message is not held up by the group's.
    assert await sender.flush() == 21
    assert sleep.slept == []
    assert len(received(bot.api, ALI, "n:1")) == 1
    rows = await outbox_rows(bot)
    for i in range(21, 26):
        row = rows[f"g:{i}"]
        assert row.sent_at is None
        assert row.not_before == start + datetime.timedelta(minutes=1)
        assert (row.attempts, row.last_error, row.claimed_by) == (0, None, None)

    clock.now += datetime.timedelta(seconds=59)
    assert await sender.flush() == 0
    clock.now += datetime.timedelta(seconds=1)
    assert await sender.flush() == 5
    texts = [m.plain() for m in bot.api.messages_to(TEHRAN_CHAT.id)]
    assert [text for text in texts if text.startswith("Group")] == [
        f"Group g:{i}" for i in range(1, 26)
    ]


# --- the unit-of-work middleware's after-commit hook ---------------------------------------


async def test_the_after_commit_hook_runs_after_a_successful_commit_and_not_after_a_failure(
    bot: RunningBot, clock: Clock
) -> None:
    sessions = db.session_factory(bot.app.engine)
    committed_when_called: list[int] = []

    async def after_commit() -> None:
        async with sessions() as session:
            rows = await session.scalars(
                select(OutboxRow.id).where(OutboxRow.dedupe_key.like("hook:%"))
            )
            committed_when_called.append(len(rows.all()))

    middleware = UnitOfWorkMiddleware(sessions, bot.app.settings, clock, after_commit=after_commit)
    event: TelegramObject = Update(update_id=1)

    async def succeeding(event: TelegramObject, data: dict[str, Any]) -> str:
        await data["uow"].outbox.enqueue(note("hook:1", ALI), data["now"])
        return "handled"

    async def failing(event: TelegramObject, data: dict[str, Any]) -> None:
        await data["uow"].outbox.enqueue(note("hook:2", ALI), data["now"])
        raise RuntimeError("the handler failed")

    assert await middleware(succeeding, event, {}) == "handled"
    assert committed_when_called == [1]

    with pytest.raises(RuntimeError):
        await middleware(failing, event, {})
    assert committed_when_called == [1]
    assert "hook:2" not in await outbox_rows(bot)


def test_an_outbox_key_is_bounded_and_a_card_names_its_subject_fully() -> None:
    with pytest.raises(ValueError):
        note("k" * 201, ALI)
    with pytest.raises(ValueError):
        note("", ALI)
    with pytest.raises(ValueError):
        note("card:1", ALI, card_subject=CARD)
