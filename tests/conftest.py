"""Shared fixtures: a database per test on every configured backend, the fake Bot API, and the
real bot (the same `create_app` the entry point uses) polling that fake over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import App, create_app
from bot.config import Settings, async_database_url
from bot.domain.members import Member, MemberStatus, Role
from bot.storage import db
from bot.storage.repositories import Application
from bot.storage.uow import UnitOfWork
from tests.fakebot import FakeBotAPI, FakeChat, FakeUser

TOKEN = "123456789:TEST-token-for-the-fake-api-0000"

# The people in the stories. Ids are arbitrary but distinct.
ADMIN = FakeUser(id=1001, first_name="Admin", username="admin", language_code="fa")
SARA = FakeUser(id=2001, first_name="Sara", last_name="Tehrani", username="sara_sec")
REZA = FakeUser(id=2002, first_name="Reza", username="reza_sec")
ALI = FakeUser(id=3001, first_name="Ali", last_name="Karimi", username="ali_k")
JOHN = FakeUser(id=3002, first_name="John", username="john_en", language_code="en")
MINA = FakeUser(id=4001, first_name="Mina", username="mina_fars")
TEHRAN_CHAT = FakeChat(id=-100500, type="supergroup", title="کارگروه تهران")
FARS_CHAT = FakeChat(id=-100600, type="supergroup", title="کارگروه فارس")


def _backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        backends.append("postgresql")
    return backends


@pytest.fixture(params=_backends())
async def database_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        return
    # Tests run one at a time, so a fresh public schema per test keeps them independent.
    url = async_database_url(os.environ["TEST_DATABASE_URL"])
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    yield url


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI(token=TOKEN)
    await api.start()
    yield api
    await api.stop()


class Clock:
    """The bot's notion of now, moved by tests instead of sleeping."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    # 1405/09/02 10:00 Tehran, a Monday.
    return Clock(datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC))


@pytest.fixture
def make_settings(database_url: str, fake_api: FakeBotAPI) -> Callable[..., Settings]:
    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "bot_token": TOKEN,
            "bot_api_url": fake_api.base_url,
            "database_url": database_url,
            "admin_ids": frozenset({ADMIN.id}),
            "redis_url": None,
            "polling_timeout": 1,
            # Stories type as fast as the harness goes, under a clock that stands still:
            # flood control has stories of its own (tests/e2e/test_delivery.py).
            "flood_burst": 0,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]

    return make


@dataclass
class RunningBot:
    app: App
    api: FakeBotAPI
    task: asyncio.Task[None]

    def uow(self) -> UnitOfWork:
        sessions = db.session_factory(self.app.engine)
        return UnitOfWork(sessions, self.app.settings.bot_platform.value, today=self.app.today)

    async def stop(self) -> None:
        if self.app.outbox.idle in self.api.drain_hooks:
            self.api.drain_hooks.remove(self.app.outbox.idle)
        if self.task.done():
            return
        try:
            await self.app.dispatcher.stop_polling()
        except RuntimeError:
            # Stopped before the polling task even began (e.g. a failed assertion right
            # after a start): cancel it instead.
            self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, 10)


async def dont_sleep(seconds: float) -> None:
    """The outbox sender's pause for Telegram's rate limits: time moves only when a test
    moves the clock, so sleeping for real would only make the suite slower."""


async def start_bot(settings: Settings, api: FakeBotAPI, clock: Clock) -> RunningBot:
    app = create_app(settings, clock=clock, sleep=dont_sleep)
    await app.prepare()
    # handle_as_tasks=False: the next getUpdates means the previous update is fully handled,
    # which is what FakeBotAPI.drain waits for.
    task = asyncio.create_task(
        app.run_polling(handle_as_tasks=False, handle_signals=False, with_scheduler=False)
    )
    # The outbox sends from a task of its own: a drained update has its messages out too.
    api.drain_hooks.append(app.outbox.idle)
    return RunningBot(app, api, task)


@pytest.fixture
async def bot(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> AsyncIterator[RunningBot]:
    running = await start_bot(make_settings(), fake_api, clock)
    yield running
    await running.stop()
    await running.app.close()


async def given_member(
    running: RunningBot,
    user: FakeUser,
    working_group: str,
    *,
    role: Role = Role.MEMBER,
    status: MemberStatus = MemberStatus.APPROVED,
    locale: str = "fa",
    name: str | None = None,
    agency: str = "tpo",
) -> Member:
    """Put a member straight into the database: the "given" part of a story."""
    now = datetime.datetime(2026, 11, 1, 8, 0, tzinfo=datetime.UTC)
    async with running.uow() as uow:
        group_id = await uow.working_groups.id_of(working_group)
        member = await uow.members.save_application(
            user.id,
            user.username,
            Application(
                full_name=name or f"{user.first_name} {user.last_name or 'Test'}",
                agency_code=agency,
                agency_other=None,
                working_group=working_group,
                phone=None,
                locale=locale,
            ),
            group_id,
            now,
        )
        if status is not MemberStatus.PENDING:
            await uow.members.update_fields(member.id, status=status.value, decided_at=now)
        await uow.members.set_role(member.id, role)
        await uow.commit()
        fresh = await uow.members.get(member.id)
    assert fresh is not None
    # The fake refuses to message users who never wrote to the bot, as Telegram does.
    running.api.text(user, "/help")
    await running.api.drain()
    return fresh


async def given_linked_chat(running: RunningBot, chat: FakeChat, working_group: str) -> None:
    async with running.uow() as uow:
        await uow.working_groups.link_chat(
            working_group, chat.id, chat.title, datetime.datetime.now(datetime.UTC)
        )
        await uow.commit()
    running.api.text(ADMIN, "hello", chat=chat)
    await running.api.drain()
