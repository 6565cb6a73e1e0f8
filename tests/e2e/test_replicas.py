"""Several processes, one bot: two real `python -m bot` processes in webhook mode on one
PostgreSQL and one Redis, with the fake Bot API posting each update to one of them in turn (as a
reverse proxy would). A member's registration whose steps alternate between the processes
completes; an update posted to both is handled once; killing one mid-journey loses nothing; a
morning's reminders go out once in total when both run the scheduler's pass.

Needs TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL: on SQLite run one process only."""

from __future__ import annotations

import asyncio
import datetime
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text

from bot.app import create_app
from bot.config import Settings, async_database_url
from bot.domain.members import Role
from bot.storage import db
from bot.storage.locks import advisory_key
from bot.storage.outbox import OutgoingMessage
from bot.storage.uow import UnitOfWork
from tests.conftest import ADMIN, ALI, MINA, SARA, TOKEN, Clock, dont_sleep, given_member, start_bot
from tests.e2e.helpers import given_cluster, new_task
from tests.e2e.test_entry_point import REPO, Conversation
from tests.e2e.test_webhook import PUBLIC_URL, SECRET, free_port
from tests.fakebot import FakeBotAPI
from tests.fakebot.webhook import WebhookDelivery

pytestmark = pytest.mark.skipif(
    not (os.environ.get("TEST_DATABASE_URL") and os.environ.get("TEST_REDIS_URL")),
    reason="TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL are needed for several processes",
)


@pytest.fixture
async def shared_stores() -> AsyncIterator[tuple[str, str]]:
    """A fresh PostgreSQL schema, migrated once (as the deploy script does before the replicas
    start), and an empty Redis database."""
    from redis.asyncio import Redis

    url = async_database_url(os.environ["TEST_DATABASE_URL"])
    engine = db.create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await db.upgrade(engine)
    await db.sync_shipped_templates(engine)
    await engine.dispose()
    redis = Redis.from_url(os.environ["TEST_REDIS_URL"])
    await redis.flushdb()
    try:
        yield url, os.environ["TEST_REDIS_URL"]
    finally:
        await redis.flushdb()
        await redis.aclose()


class Replica:
    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    async def healthy(self, http: aiohttp.ClientSession) -> bool:
        try:
            async with http.get(self.url + "/healthz") as response:
                return response.status == 200
        except aiohttp.ClientError:
            return False


async def start_replica(api: FakeBotAPI, stores: tuple[str, str], tmp_path: Path) -> Replica:
    port = free_port()
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "BOT_API_URL": api.base_url,
        "DATABASE_URL": stores[0],
        "REDIS_URL": stores[1],
        "ADMIN_IDS": str(ADMIN.id),
        "BOT_MODE": "webhook",
        "WEBHOOK_URL": PUBLIC_URL,
        "WEBHOOK_SECRET": SECRET,
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "PYTHONPATH": str(REPO),
    }
    workdir = tmp_path / f"replica-{port}"
    workdir.mkdir()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot",
        cwd=workdir, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    return Replica(process, port)


async def wait_healthy(replicas: list[Replica]) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        for _ in range(1200):  # two cold starts on a loaded machine take a while
            for replica in replicas:
                if replica.process.returncode is not None:
                    stderr = await replica.process.stderr.read()  # type: ignore[union-attr]
                    raise AssertionError(f"replica exited: {stderr.decode()}")
            if all([await r.healthy(http) for r in replicas]):
                return
            await asyncio.sleep(0.1)
    raise AssertionError("the replicas did not become healthy")


async def test_two_replicas_share_one_bot_and_losing_one_loses_nothing(
    fake_api: FakeBotAPI, shared_stores: tuple[str, str], tmp_path: Path
) -> None:
    a = await start_replica(fake_api, shared_stores, tmp_path)
    b = await start_replica(fake_api, shared_stores, tmp_path)
    chat = Conversation(fake_api)
    try:
        await wait_healthy([a, b])
        while len(fake_api.calls_to("setWebhook")) < 2:
            await asyncio.sleep(0.05)

        async with WebhookDelivery(fake_api, [], automatic=False) as by_hand:
            # Given the administrator's /help: without the secret neither replica handles it.
            fake_api.text(ADMIN, "/help")
            update = by_hand.take_pending()
            assert await by_hand.post(a.url, update, secret="") == 401
            assert await by_hand.post(b.url, update, secret="wrong") == 401
            await asyncio.sleep(0.5)
            assert fake_api.messages_to(ADMIN.id) == []

            # Posted to both at once, then once more to each: one reply in all.
            statuses = await asyncio.gather(
                by_hand.post(a.url, update), by_hand.post(b.url, update)
            )
            assert 200 in statuses and set(statuses) <= {200, 503}, statuses
            assert await by_hand.post(a.url, update) == 200
            assert await by_hand.post(b.url, update) == 200
            await fake_api.wait_for_message(ADMIN.id, lambda m: "/appoint" in m.plain())
            await asyncio.sleep(0.5)
            assert len([m for m in fake_api.messages_to(ADMIN.id) if "/appoint" in m.plain()]) == 1

        async with WebhookDelivery(fake_api, [a.url, b.url]) as delivery:
            # Sara registers; each step goes to the other replica than the one before.
            await chat.register(SARA, "سارا تهرانی")
            card = await fake_api.wait_for_message(
                ADMIN.id, lambda m: "سارا تهرانی" in m.plain() and bool(m.buttons())
            )
            handled_by = {x.target for x in delivery.attempts if x.status == 200}
            assert handled_by == {a.url, b.url}
            fake_api.callback(ADMIN, card, card.button("تأیید"))
            await chat.reply_after(SARA.id, 0, "تأیید شد")

            # Ali starts registering; replica B dies between two of his steps (every update so
            # far answered: a process killed inside an update holds that chat's lock until the
            # lease runs out, see bot/web.py).
            languages = await chat.say(ALI, "/start", "زبان")
            await chat.press(ALI, languages, "فارسی", "نام و نام خانوادگی", ALI.id)
            await fake_api.drain(timeout=30)
            b.process.kill()
            await b.process.wait()
            agencies = await chat.say(ALI, "علی کریمی", "کدام دستگاه")
            groups = await chat.press(ALI, agencies, "سازمان توسعه تجارت", "کدام کارگروه", ALI.id)
            await chat.press(ALI, groups, "تهران", "شماره", ALI.id)
            preview = await chat.say(ALI, "رد شدن", "درخواست عضویت شما")
            await chat.press(ALI, preview, "ارسال", "فرستاده شد", ALI.id)
            # What B claimed in the outbox and did not send, A sends once the claim runs out.
            ali_card = await fake_api.wait_for_message(
                ADMIN.id, lambda m: "علی کریمی" in m.plain() and bool(m.buttons()), timeout=90
            )
            fake_api.callback(ADMIN, ali_card, ali_card.button("تأیید"))
            await chat.reply_after(ALI.id, 0, "تأیید شد")
            await fake_api.drain(timeout=60)

        # Each card went out once, though two processes were at work.
        cards = [m for m in fake_api.messages_to(ADMIN.id) if "درخواست عضویت" in m.plain()]
        assert len([m for m in cards if "سارا تهرانی" in m.plain()]) == 1
        assert len([m for m in cards if "علی کریمی" in m.plain()]) == 1
        assert not fake_api.errors(), fake_api.errors()

        # The survivor stops on SIGTERM, cleanly.
        a.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(a.process.wait(), 60) == 0
    finally:
        for replica in (a, b):
            if replica.process.returncode is None:
                replica.process.kill()
            _, stderr = await replica.process.communicate()
            assert TOKEN.split(":")[1] not in stderr.decode()
            assert SECRET not in stderr.decode()


async def test_a_mornings_reminders_go_out_once_when_both_processes_run_the_pass(
    shared_stores: tuple[str, str], fake_api: FakeBotAPI, clock: Clock
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,  # type: ignore[arg-type]
        bot_api_url=fake_api.base_url,
        database_url=shared_stores[0],
        redis_url=shared_stores[1],
        admin_ids=frozenset({ADMIN.id}),
        polling_timeout=1,
        flood_burst=0,
    )
    first = await start_bot(settings, fake_api, clock)
    await given_member(first, SARA, "tehran", role=Role.SECRETARY)
    await given_member(first, ALI, "tehran", name="علی کریمی")
    await given_member(first, MINA, "tehran", name="مینا فارسی")
    await given_cluster(first, "خوشه مبلمان تهران")
    await new_task(first, "تهیه گزارش", "۱۴۰۵/۰۹/۰۳", "علی کریمی", "مینا فارسی")
    # The second process only runs the scheduler's pass here (it takes the routers, which are
    # module singletons, so it is built once the first has handled its updates).
    second = create_app(settings, clock=clock, sleep=dont_sleep)
    try:
        # While one process holds the pass's lock, the other's pass does nothing.
        async with db.session_factory(second.engine)() as session, session.begin():
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key("reminders")}
            )
            assert await second.tick() == 0
        assert reminders(fake_api, ALI.id) == []

        # Both processes' schedulers fire the same minute.
        await asyncio.gather(first.app.tick(), second.tick(), first.app.tick(), second.tick())
        await fake_api.drain()
        assert len(reminders(fake_api, ALI.id)) == 1
        assert len(reminders(fake_api, MINA.id)) == 1
    finally:
        await first.stop()
        await first.app.close()
        await second.close()


def reminders(api: FakeBotAPI, user_id: int) -> list[str]:
    return [m.plain() for m in api.messages_to(user_id) if "یادآوری وظایف" in m.plain()]


async def test_two_processes_sending_a_backlog_together_stay_under_telegrams_limits(
    fake_api: FakeBotAPI, shared_stores: tuple[str, str], tmp_path: Path
) -> None:
    from redis.asyncio import Redis

    # The fake answers 429 as Telegram does beyond 30 a second overall and 1 a second to a
    # person: each process alone sends 28 a second, so two that did not share would be refused.
    people = list(range(10_000_001, 10_000_241))
    fake_api.users_started(people)
    fake_api.enforce_rate_limits()
    a = await start_replica(fake_api, shared_stores, tmp_path)
    b = await start_replica(fake_api, shared_stores, tmp_path)
    redis = Redis.from_url(shared_stores[1])
    try:
        await wait_healthy([a, b])
        engine = db.create_engine(shared_stores[0])
        try:
            async with UnitOfWork(db.session_factory(engine), "telegram") as uow:
                now = datetime.datetime.now(datetime.UTC)
                await uow.outbox.enqueue_many(
                    [
                        (OutgoingMessage(f"backlog:{p}", p, f"یادآوری {p}", "fa"), now)
                        for p in people
                    ],
                    now,
                )
                await uow.commit()
        finally:
            await engine.dispose()

        # Both senders claim from the backlog and book from the one account in Redis; the
        # bookings there name the process that made them.
        bookers: set[str] = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            members = await redis.zrange(f"fsm:{fake_api.bot_id}:limit:overall", 0, -1)
            bookers |= {m.decode().split(":")[0] for m in members}
            if all(fake_api.messages_to(p) for p in people):
                break
            await asyncio.sleep(0.2)

        assert [len(fake_api.messages_to(p)) for p in people] == [1] * len(people)
        assert fake_api.rate_limited == 0
        assert len(bookers) == 2
    finally:
        await redis.aclose()
        for replica in (a, b):
            if replica.process.returncode is None:
                replica.process.send_signal(signal.SIGTERM)
        for replica in (a, b):
            try:
                await asyncio.wait_for(replica.process.wait(), 30)
            except TimeoutError:
                replica.process.kill()
                await replica.process.wait()
