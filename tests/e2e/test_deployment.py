"""The deployment, run: deploy/run-replicas.sh starts the compose topology as plain processes
(two replicas in webhook mode behind Caddy with the repo's Caddyfile, on this host's PostgreSQL
and Redis), and the fake Bot API's updates go through Caddy, as Telegram's would. Without the
secret Caddy's replicas answer 401; /healthz answers through the proxy; a registration
completes; one replica is killed mid-journey and the other finishes it; SIGTERM to the script
stops everything, with nothing left behind.

Docker cannot run here; docker-compose.yml and the Dockerfile are checked statically (make
lint-deploy). Needs TEST_DATABASE_URL (PostgreSQL), TEST_REDIS_URL and caddy on PATH."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import ADMIN, ALI, SARA, TOKEN
from tests.e2e.test_entry_point import REPO, Conversation
from tests.e2e.test_replicas import shared_stores  # noqa: F401  (a fixture)
from tests.e2e.test_webhook import PUBLIC_URL, SECRET, free_port
from tests.fakebot import FakeBotAPI
from tests.fakebot.webhook import WebhookDelivery

pytestmark = pytest.mark.skipif(
    not (
        os.environ.get("TEST_DATABASE_URL")
        and os.environ.get("TEST_REDIS_URL")
        and shutil.which("caddy")
    ),
    reason="TEST_DATABASE_URL (PostgreSQL), TEST_REDIS_URL and caddy are needed",
)
SCRIPT = REPO / "deploy" / "run-replicas.sh"
# However slow the machine, the test ends: every wait below has a bound, and so does the whole.
WHOLE_TEST_SECONDS = 420


def two_free_ports() -> int:
    """A port whose successor is free too: the script puts replica i on WEB_PORT + i."""
    while True:
        port = free_port()
        try:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue


async def until(check: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    for _ in range(int(seconds * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_the_script_deployment_behind_caddy_survives_a_replica_and_stops_cleanly(
    fake_api: FakeBotAPI,
    shared_stores: tuple[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    base_port, proxy_port, admin_port = two_free_ports(), free_port(), free_port()
    proxy = f"http://127.0.0.1:{proxy_port}"
    log_path = tmp_path / "run-replicas.log"
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "BOT_TOKEN": TOKEN,
        "BOT_API_URL": fake_api.base_url,
        "DATABASE_URL": shared_stores[0],
        "REDIS_URL": shared_stores[1],
        "ADMIN_IDS": str(ADMIN.id),
        "WEBHOOK_URL": PUBLIC_URL,
        "WEBHOOK_SECRET": SECRET,
        "WEB_PORT": str(base_port),
        "DOMAIN": proxy,
        "CADDY_ADMIN": f"127.0.0.1:{admin_port}",
        # Caddy keeps its state (autosaved config, certificates) there, not in $HOME.
        "XDG_CONFIG_HOME": str(tmp_path / "caddy-config"),
        "XDG_DATA_HOME": str(tmp_path / "caddy-data"),
        "STOP_TIMEOUT": "40",
    }
    with log_path.open("wb") as log:
        # A session of its own: the script, its replicas and Caddy share one process group,
        # which the end of the test finds empty (or kills, if a step failed).
        script = await asyncio.create_subprocess_exec(
            "bash", str(SCRIPT), env=env, stdout=log, stderr=log, start_new_session=True
        )
    pgid = script.pid
    chat = Conversation(fake_api)
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def proxied_health() -> bool:
        if script.returncode is not None:
            raise AssertionError("the script exited:\n" + log_path.read_text(errors="replace"))
        try:
            async with http.get(proxy + "/healthz") as response:
                return response.status == 200 and (await response.json())["redis"] == "ok"
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return False

    try:
        async with asyncio.timeout(WHOLE_TEST_SECONDS):
            # /healthz through Caddy once both replicas are up (each set the webhook).
            await until(proxied_health, 180, "/healthz through the proxy")

            async def both_set_the_webhook() -> bool:
                return len(fake_api.calls_to("setWebhook")) >= 2

            await until(both_set_the_webhook, 120, "both replicas called setWebhook")
            replicas = dict(
                re.findall(r"replica (\d) \(pid (\d+)\)", log_path.read_text(errors="replace"))
            )
            assert set(replicas) == {"0", "1"}

            async with WebhookDelivery(fake_api, [], automatic=False) as by_hand:
                # Posted through Caddy without the secret, or with a wrong one: 401, unhandled.
                fake_api.text(ADMIN, "/help")
                update = by_hand.take_pending()
                assert await by_hand.post(proxy, update, secret="") == 401
                assert await by_hand.post(proxy, update, secret="wrong") == 401
                await asyncio.sleep(0.5)
                assert fake_api.messages_to(ADMIN.id) == []
                # With it: handled, once, whichever replica Caddy picked.
                assert await by_hand.post(proxy, update) == 200
                assert await by_hand.post(proxy, update) == 200
                await fake_api.wait_for_message(ADMIN.id, lambda m: "/appoint" in m.plain())
                await asyncio.sleep(0.5)
                helps = [m for m in fake_api.messages_to(ADMIN.id) if "/appoint" in m.plain()]
                assert len(helps) == 1

            async with WebhookDelivery(fake_api, [proxy]) as delivery:
                await chat.register(SARA, "سارا تهرانی")
                card = await fake_api.wait_for_message(
                    ADMIN.id, lambda m: "سارا تهرانی" in m.plain() and bool(m.buttons())
                )
                fake_api.callback(ADMIN, card, card.button("تأیید"))
                await chat.reply_after(SARA.id, 0, "تأیید شد")

                # Ali is half-way through registering when replica 1 is killed.
                languages = await chat.say(ALI, "/start", "زبان")
                await chat.press(ALI, languages, "فارسی", "نام و نام خانوادگی", ALI.id)
                await fake_api.drain(timeout=30)
                os.kill(int(replicas["1"]), signal.SIGKILL)
                agencies = await chat.say(ALI, "علی کریمی", "کدام دستگاه")
                groups = await chat.press(
                    ALI, agencies, "سازمان توسعه تجارت", "کدام کارگروه", ALI.id
                )
                await chat.press(ALI, groups, "تهران", "شماره", ALI.id)
                preview = await chat.say(ALI, "رد شدن", "درخواست عضویت شما")
                await chat.press(ALI, preview, "ارسال", "فرستاده شد", ALI.id)
                # A card the killed replica had claimed goes out from the survivor.
                ali_card = await fake_api.wait_for_message(
                    ADMIN.id, lambda m: "علی کریمی" in m.plain() and bool(m.buttons()), timeout=90
                )
                fake_api.callback(ADMIN, ali_card, ali_card.button("تأیید"))
                await chat.reply_after(ALI.id, 0, "تأیید شد")
                # Every update was answered 2xx in the end: Caddy sent around the dead replica.
                assert not fake_api._pending
                assert {a.status for a in delivery.attempts} <= {200, 502, 503}

            cards = [m for m in fake_api.messages_to(ADMIN.id) if "درخواست عضویت" in m.plain()]
            assert len([m for m in cards if "علی کریمی" in m.plain()]) == 1
            assert not fake_api.errors(), fake_api.errors()
            # The survivor keeps the proxy healthy.
            assert await proxied_health()

            # SIGTERM to the script alone, as a service manager sends it: all of it stops.
            script.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(script.wait(), 90)
            told = log_path.read_text(errors="replace")
            assert f"replica 1 (pid {replicas['1']}) exited with code 137" in told
            assert f"replica 0 (pid {replicas['0']}) exited with code 0" in told
            assert re.search(r"proxy \(pid \d+\) exited with code 0", told), told
            # The killed replica's code is the script's: an operator sees something died.
            assert code == 137

            async def all_gone() -> bool:
                return not group_alive(pgid)

            await until(all_gone, 10, "no process left behind")
            assert TOKEN.split(":")[1] not in told
            assert SECRET not in told
    finally:
        # What the script, the replicas and Caddy said: shown when the test fails.
        print(log_path.read_text(errors="replace")[-20_000:])
        await http.close()
        if group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)
        if script.returncode is None:
            await asyncio.wait_for(script.wait(), 10)
