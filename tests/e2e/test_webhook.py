"""Webhook mode as the Bot API sees it: the bot registers its URL and secret, the fake posts
updates to the bot's web server over HTTP (tests/fakebot/webhook.py), and only posts that carry
the secret are handled, each update once. /healthz tells a load balancer whether the process can
work. A real `python -m bot` stops on SIGTERM only after the update in hand is answered."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from bot.__main__ import EXIT_CONFIG, main
from bot.app import App, create_app
from bot.config import Settings
from tests.conftest import ADMIN, SARA, TOKEN, Clock, dont_sleep
from tests.e2e.test_entry_point import REPO, Conversation
from tests.fakebot import CallContext, FakeBotAPI
from tests.fakebot.webhook import WebhookDelivery

PUBLIC_URL = "https://bot.example.org/webhook"
SECRET = "webhook-secret-for-the-tests_0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(make_settings: Callable[..., Settings], **overrides: object) -> Settings:
    values: dict[str, object] = {
        "bot_mode": "webhook",
        "webhook_url": PUBLIC_URL,
        "webhook_secret": SECRET,
        "web_host": "127.0.0.1",
        "web_port": free_port(),
    }
    values.update(overrides)
    return make_settings(**values)


def local(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.web_port}"


@asynccontextmanager
async def webhook_bot(settings: Settings, api: FakeBotAPI, clock: Clock) -> AsyncIterator[App]:
    app = create_app(settings, clock=clock, sleep=dont_sleep)
    await app.prepare()
    # The server listens before the bot calls setWebhook, so that call means "ready".
    registered = len(api.calls_to("setWebhook"))
    stop = asyncio.Event()
    task = asyncio.create_task(
        app.run_webhook(with_scheduler=False, handle_signals=False, stop=stop)
    )
    api.drain_hooks.append(app.outbox.idle)
    try:
        while len(api.calls_to("setWebhook")) == registered:
            assert not task.done(), task
            await asyncio.sleep(0.01)
        yield app
    finally:
        api.drain_hooks.remove(app.outbox.idle)
        stop.set()
        await asyncio.wait_for(task, 30)
        await app.close()


async def test_the_bot_registers_its_url_and_secret_and_answers_a_member(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> None:
    settings = webhook_settings(make_settings)
    async with (
        webhook_bot(settings, fake_api, clock),
        WebhookDelivery(fake_api, [local(settings)]) as delivery,
    ):
        (call,) = fake_api.calls_to("setWebhook")
        assert call.params["url"] == PUBLIC_URL
        assert call.params["secret_token"] == SECRET
        # Polling mode's deleteWebhook would undo the registration.
        assert not fake_api.calls_to("deleteWebhook")

        await Conversation(fake_api).say(ADMIN, "/help", "/appoint")
        await fake_api.drain()
        assert [a.status for a in delivery.attempts] == [200]
        assert not fake_api.errors(), fake_api.errors()


async def test_a_post_without_the_right_secret_gets_401_and_nothing_is_handled(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> None:
    settings = webhook_settings(make_settings)
    async with (
        webhook_bot(settings, fake_api, clock),
        WebhookDelivery(fake_api, [], automatic=False) as delivery,
    ):
        fake_api.text(ADMIN, "/help")
        update = delivery.take_pending()

        assert await delivery.post(local(settings), update, secret="") == 401
        assert await delivery.post(local(settings), update, secret="not-the-secret") == 401
        await asyncio.sleep(0.3)
        assert fake_api.messages_to(ADMIN.id) == []

        # The same update with the secret is handled: the refusals remembered nothing.
        assert await delivery.post(local(settings), update) == 200
        await fake_api.wait_for_message(ADMIN.id, lambda m: "/appoint" in m.plain())


async def test_an_update_delivered_twice_at_once_and_again_later_is_handled_once(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> None:
    settings = webhook_settings(make_settings)
    async with (
        webhook_bot(settings, fake_api, clock),
        WebhookDelivery(fake_api, [], automatic=False) as delivery,
    ):
        fake_api.text(ADMIN, "/help")
        update = delivery.take_pending()

        first, second = await asyncio.gather(
            delivery.post(local(settings), update), delivery.post(local(settings), update)
        )
        # One is handled; the other is a repeat (200) or, still in hand, told to come back.
        assert sorted([first, second]) in ([200, 200], [200, 503])
        # The Bot API's retry after a slow answer.
        assert await delivery.post(local(settings), update) == 200
        await fake_api.drain()
        assert len([m for m in fake_api.messages_to(ADMIN.id) if "/appoint" in m.plain()]) == 1


async def test_healthz_is_200_when_the_database_answers_and_503_when_redis_does_not(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> None:
    healthy = webhook_settings(make_settings)
    async with (
        webhook_bot(healthy, fake_api, clock),
        aiohttp.ClientSession() as http,
        http.get(local(healthy) + "/healthz") as response,
    ):
        assert response.status == 200
        assert await response.json() == {"status": "ok", "database": "ok"}

    # Nothing listens on port 1: the bot can still start (Redis is only used per update),
    # but a load balancer must not send it updates.
    no_redis = webhook_settings(make_settings, redis_url="redis://127.0.0.1:1/0")
    async with (
        webhook_bot(no_redis, fake_api, clock),
        aiohttp.ClientSession() as http,
        http.get(local(no_redis) + "/healthz") as response,
    ):
        assert response.status == 503
        assert await response.json() == {"status": "down", "database": "ok", "redis": "down"}


async def test_on_bale_the_secret_is_the_urls_last_segment(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    async with FakeBotAPI(token=TOKEN, platform="bale") as api:
        settings = webhook_settings(make_settings, bot_platform="bale", bot_api_url=api.base_url)
        async with (
            webhook_bot(settings, api, clock),
            WebhookDelivery(api, [], automatic=False) as delivery,
        ):
            (call,) = api.calls_to("setWebhook")
            assert call.params["url"] == f"{PUBLIC_URL}/{SECRET}"
            assert "secret_token" not in call.params
            api.text(SARA, "/start")
            update = delivery.take_pending()

            wrong = "x" * len(SECRET)
            assert await delivery.post(local(settings), update, path=f"/webhook/{wrong}") == 401
            await asyncio.sleep(0.3)
            assert api.messages_to(SARA.id) == []
            assert await delivery.post(local(settings), update, path=f"/webhook/{SECRET}") == 200
            await api.wait_for_message(SARA.id, lambda m: "زبان" in m.plain())


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"WEBHOOK_URL": PUBLIC_URL}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_SECRET": SECRET}, "WEBHOOK_URL"),
        ({"WEBHOOK_URL": "http://bot.example.org/webhook", "WEBHOOK_SECRET": SECRET}, "https"),
    ],
)
def test_webhook_mode_without_its_settings_is_a_configuration_error(
    env: dict[str, str],
    named: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("BOT_MODE", "webhook")
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert main([]) == EXIT_CONFIG
    error = capsys.readouterr().err
    assert error.startswith("configuration error:")
    assert named in error
    assert SECRET not in error


async def test_sigterm_lets_the_update_in_hand_finish_and_exits_0(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "BOT_API_URL": fake_api.base_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "ADMIN_IDS": str(ADMIN.id),
        "BOT_MODE": "webhook",
        "WEBHOOK_URL": PUBLIC_URL,
        "WEBHOOK_SECRET": SECRET,
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "PYTHONPATH": str(REPO),
    }
    env.pop("REDIS_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot",
        cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    # The reply to /help takes a while to send: SIGTERM arrives while the update is in hand.
    send_message = fake_api.handlers["sendmessage"]
    replying = asyncio.Event()

    async def slow_send(call: CallContext) -> object:
        replying.set()
        await asyncio.sleep(1.5)
        return await send_message(call)

    fake_api.register("sendMessage", slow_send)
    try:
        async with WebhookDelivery(fake_api, [f"http://127.0.0.1:{port}"]) as delivery:
            for _ in range(600):  # a cold start on a loaded machine takes a while
                if fake_api.calls_to("setWebhook"):
                    break
                assert process.returncode is None, await process.stderr.read()
                await asyncio.sleep(0.1)
            fake_api.text(ADMIN, "/help")
            await asyncio.wait_for(replying.wait(), 30)
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 30)
            assert [a.status for a in delivery.attempts] == [200]
        assert any("/appoint" in m.plain() for m in fake_api.messages_to(ADMIN.id))
    finally:
        if process.returncode is None:
            process.kill()
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "serving the webhook" in log
    assert TOKEN.split(":")[1] not in log
    assert SECRET not in log
