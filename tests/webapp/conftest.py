"""Givens for the dashboard's stories: the real bot (polling the fake Bot API, as in tests/e2e)
with its web server on a free port, and launch data signed the way the messenger signs it.

    async def test_x(webapp: WebApp) -> None:
        await given_member(webapp.bot, ALI, "tehran")
        status, body = await webapp.get("/api/me", ALI.id)
        page = webapp.launch_url(ALI.id)          # /app/#tgWebAppData=...&tgWebAppVersion=...

`init_data(user_id, ...)` signs with the tests' token; its auth_date defaults to the moment the
tests' clock starts at, so pass `auth_date=clock.now` (or use `webapp.init_data`, which reads
the bot's clock) once a story moves the clock.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import hmac
import json
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import pytest

from bot.config import Platform, Settings
from bot.domain.clusters import Cluster
from bot.domain.members import Member
from bot.platform import PROFILES
from bot.storage.tasks import NewTask
from tests.conftest import ADMIN, TOKEN, Clock, RunningBot, start_bot
from tests.fakebot import FakeBotAPI, FakeUser

# The tests' clock fixture starts here (tests/conftest.py: 1405/09/02 10:00 Tehran).
CLOCK_START = datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)
WEBAPP_PATH = "/app/"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def init_data(
    user_id: int,
    *,
    first_name: str = "Test",
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "fa",
    auth_date: datetime.datetime | int | None = None,
    platform: str = "telegram",
    token: str = TOKEN,
    extra: dict[str, str] | None = None,
) -> str:
    """Launch data for `user_id` as the messenger of `platform` would sign it for our bot."""
    if auth_date is None:
        auth_date = CLOCK_START
    if isinstance(auth_date, datetime.datetime):
        auth_date = int(auth_date.timestamp())
    user: dict[str, Any] = {"id": user_id, "first_name": first_name}
    if last_name is not None:
        user["last_name"] = last_name
    if username is not None:
        user["username"] = username
    if language_code is not None:
        user["language_code"] = language_code
    fields = {
        "query_id": f"AAH{user_id}",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(auth_date),
        **(extra or {}),
    }
    profile = PROFILES[Platform(platform)]
    check_string = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(profile.webapp_secret_label, token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields, quote_via=quote)


def launch_fragment(data: str, platform: str = "telegram") -> str:
    """The URL fragment the messenger opens the page with (launch data, version, platform)."""
    param = PROFILES[Platform(platform)].webapp_data_param
    return urlencode(
        {param: data, "tgWebAppVersion": "8.0", "tgWebAppPlatform": "android"}, quote_via=quote
    )


@dataclass
class WebApp:
    bot: RunningBot
    base_url: str
    clock: Clock
    platform: str = "telegram"

    def init_data(self, user_id: int, **fields: Any) -> str:
        fields.setdefault("auth_date", self.clock.now)
        fields.setdefault("platform", self.platform)
        return init_data(user_id, **fields)

    def launch_url(self, user_id: int, **fields: Any) -> str:
        """What the messenger opens: /app/ with the signed launch data in the fragment."""
        fragment = launch_fragment(self.init_data(user_id, **fields), self.platform)
        return f"{self.base_url}{WEBAPP_PATH}#{fragment}"

    def headers(self, user_id: int, **fields: Any) -> dict[str, str]:
        return {"Authorization": f"tma {self.init_data(user_id, **fields)}"}

    async def request(
        self,
        method: str,
        path: str,
        user_id: int | None = None,
        *,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """One API call as `user_id` (unsigned when None); returns the status and the JSON
        body (or the raw bytes when it is not JSON)."""
        sent = dict(headers or {})
        if user_id is not None:
            sent.update(self.headers(user_id))
        async with (
            aiohttp.ClientSession() as session,
            session.request(method, self.base_url + path, json=json_body, headers=sent) as reply,
        ):
            if reply.content_type == "application/json":
                return reply.status, await reply.json()
            return reply.status, await reply.read()

    async def get(self, path: str, user_id: int | None = None, **kw: Any) -> tuple[int, Any]:
        return await self.request("GET", path, user_id, **kw)

    async def post(
        self, path: str, user_id: int | None, body: Any = None, **kw: Any
    ) -> tuple[int, Any]:
        return await self.request("POST", path, user_id, json_body=body, **kw)


async def wait_until_serving(base_url: str, task: asyncio.Task[None]) -> None:
    """The web server starts inside the polling task: wait until /healthz answers."""
    async with aiohttp.ClientSession() as session:
        for _ in range(500):
            if task.done():
                task.result()
                raise AssertionError("the bot stopped before its web server answered")
            try:
                async with session.get(base_url + "/healthz") as reply:
                    if reply.status in (200, 503):
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.02)
    raise AssertionError(f"no web server at {base_url}")


async def start_webapp(
    make_settings: Callable[..., Settings],
    fake_api: FakeBotAPI,
    clock: Clock,
    *,
    platform: str = "telegram",
    **overrides: Any,
) -> WebApp:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    if platform == "bale":
        fake_api.as_bale()
        overrides.setdefault("bot_platform", Platform.BALE)
    settings = make_settings(
        web_host="127.0.0.1",
        web_port=port,
        webapp_url=overrides.pop("webapp_url", "https://dashboard.example/app/"),
        **overrides,
    )
    running = await start_bot(settings, fake_api, clock)
    await wait_until_serving(base_url, running.task)
    return WebApp(running, base_url, clock, platform)


@pytest.fixture
async def webapp(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> AsyncIterator[WebApp]:
    """The bot on Telegram with the dashboard on http://127.0.0.1:<free port>."""
    running = await start_webapp(make_settings, fake_api, clock)
    yield running
    await running.bot.stop()
    await running.bot.app.close()


@pytest.fixture
async def bale_webapp(
    make_settings: Callable[..., Settings], fake_api: FakeBotAPI, clock: Clock
) -> AsyncIterator[WebApp]:
    """The same on Bale."""
    running = await start_webapp(make_settings, fake_api, clock, platform="bale")
    yield running
    await running.bot.stop()
    await running.bot.app.close()


async def given_task(
    bot: RunningBot,
    title: str,
    cluster: Cluster,
    *assignees: Member,
    due_on: datetime.date | None = None,
    phase: int | None = None,
) -> int:
    """A task put straight into the database, as /task_new would leave it."""
    now = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.UTC)
    async with bot.uow() as uow:
        task_id = await uow.tasks.create(
            NewTask(
                title=title,
                cluster_id=cluster.id,
                description="شرح کار",
                due_on=due_on,
                phase=phase,
                needs_assignee=not assignees,
            ),
            ADMIN.id,
            now,
        )
        for member in assignees:
            await uow.tasks.add_assignee(task_id, member.id, member.agency_code, now)
        await uow.tasks.add_event(task_id, now, ADMIN.id, "Admin", "created")
        await uow.commit()
    return task_id


__all__ = [
    "CLOCK_START",
    "FakeUser",
    "WebApp",
    "free_port",
    "given_task",
    "init_data",
    "launch_fragment",
    "start_webapp",
]
