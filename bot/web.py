"""The process's web server (aiohttp): the webhook route, GET /healthz and the dashboard
(bot/webapp: /app/ and /api/).

A webhook POST is answered after its update is handled: 200 once the handler's transaction is
committed, 5xx when it failed, so the Bot API delivers it again. The bot's updates are short (a
few queries and a reply), well inside the Bot API's patience; answering at once and handling in
the background would lose an update whenever the process died mid-way.

Any update may reach any process, and the Bot API repeats one whose answer was slow or lost. The
UpdateLedger remembers recent update ids (in Redis for a day when REDIS_URL is set, in the
process otherwise), so a repeated update is answered 200 without being handled again, and one
still in hand elsewhere is answered 503 (to come back) rather than handled twice.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from typing import TYPE_CHECKING, Protocol

from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import text

from bot.webapp import add_webapp

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from bot.app import App
    from bot.platform import WebhookEndpoint

log = logging.getLogger(__name__)

# Longer than any handler runs (a large report export is the longest): the per-chat isolation
# lock and an update's "in hand" mark must not expire while the update is still being handled.
HANDLER_LEASE_SECONDS = 300
# How long a handled update id is remembered: Telegram keeps undelivered updates for 24 hours.
REMEMBER_UPDATES_SECONDS = 24 * 60 * 60
# /healthz gives each dependency this long to answer before calling it down.
HEALTH_TIMEOUT_SECONDS = 3.0
# On SIGTERM: how long the updates in hand may take to finish before the server gives up.
SHUTDOWN_GRACE_SECONDS = 20.0

_IN_HAND = b"in-hand"
_DONE = b"done"


class Delivery(enum.Enum):
    NEW = "new"  # ours to handle
    HANDLED = "handled"  # handled before: answer 200, do nothing
    IN_HAND = "in-hand"  # being handled by another request: answer 503, it comes back


class UpdateLedger(Protocol):
    async def begin(self, update_id: int) -> Delivery: ...
    async def finish(self, update_id: int) -> None: ...
    async def abandon(self, update_id: int) -> None: ...


class RedisUpdateLedger:
    """Update ids in Redis, keyed by bot id so a Telegram and a Bale bot share one Redis."""

    def __init__(self, redis: Redis, bot_id: int) -> None:
        self._redis = redis
        self._prefix = f"fsm:{bot_id}:update:"

    async def begin(self, update_id: int) -> Delivery:
        key = self._prefix + str(update_id)
        if await self._redis.set(key, _IN_HAND, nx=True, ex=HANDLER_LEASE_SECONDS):
            return Delivery.NEW
        return Delivery.HANDLED if await self._redis.get(key) == _DONE else Delivery.IN_HAND

    async def finish(self, update_id: int) -> None:
        await self._redis.set(self._prefix + str(update_id), _DONE, ex=REMEMBER_UPDATES_SECONDS)

    async def abandon(self, update_id: int) -> None:
        await self._redis.delete(self._prefix + str(update_id))


class MemoryUpdateLedger:
    """One process without Redis: the same rule, remembered in the process."""

    def __init__(self) -> None:
        self._marks: dict[int, tuple[bytes, float]] = {}

    async def begin(self, update_id: int) -> Delivery:
        now = time.monotonic()
        if len(self._marks) > 10_000:
            self._marks = {k: v for k, v in self._marks.items() if v[1] > now}
        mark = self._marks.get(update_id)
        if mark is None or mark[1] <= now:
            self._marks[update_id] = (_IN_HAND, now + HANDLER_LEASE_SECONDS)
            return Delivery.NEW
        return Delivery.HANDLED if mark[0] == _DONE else Delivery.IN_HAND

    async def finish(self, update_id: int) -> None:
        self._marks[update_id] = (_DONE, time.monotonic() + REMEMBER_UPDATES_SECONDS)

    async def abandon(self, update_id: int) -> None:
        self._marks.pop(update_id, None)


class WebhookRoute:
    """POST handler: check the secret, skip a repeat, handle the update, then answer."""

    def __init__(self, app: App, endpoint: WebhookEndpoint, ledger: UpdateLedger) -> None:
        self._app = app
        self.endpoint = endpoint
        self._ledger = ledger
        self.accepting = True

    async def handle(self, request: web.Request) -> web.Response:
        if not self.endpoint.is_authentic(request.path, dict(request.headers)):
            # Nothing is read or handled: whoever it is learns only that the secret is wrong.
            return web.Response(status=401)
        if not self.accepting:
            # Stopping: the Bot API gives it to another replica (or to us after the restart).
            return web.Response(status=503, headers={"Retry-After": "1"})
        bot = self._app.bot
        try:
            update = Update.model_validate(await request.json(), context={"bot": bot})
        except (ValueError, ValidationError):
            return web.Response(status=400)
        delivery = await self._ledger.begin(update.update_id)
        if delivery is Delivery.HANDLED:
            return web.json_response({"ok": True, "repeat": True})
        if delivery is Delivery.IN_HAND:
            return web.Response(status=503, headers={"Retry-After": "1"})
        dispatcher = self._app.dispatcher
        try:
            await dispatcher.feed_update(bot, update, dispatcher=dispatcher, bots=[bot])
        except asyncio.CancelledError:
            await self._ledger.abandon(update.update_id)
            raise
        except Exception:
            # Not remembered: the Bot API's next delivery is handled afresh.
            await self._ledger.abandon(update.update_id)
            log.exception("webhook update %s failed", update.update_id)
            return web.Response(status=500)
        await self._ledger.finish(update.update_id)
        return web.json_response({"ok": True})


async def health(app: App) -> tuple[bool, dict[str, str]]:
    """Whether the database (and Redis, when configured) answer, and which did not."""
    checks: dict[str, str] = {}

    async def database() -> None:
        async with app.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def redis() -> None:
        assert app.redis is not None
        await app.redis.ping()

    probes = {"database": database}
    if app.redis is not None:
        probes["redis"] = redis
    for name, probe in probes.items():
        try:
            await asyncio.wait_for(probe(), HEALTH_TIMEOUT_SECONDS)
            checks[name] = "ok"
        except Exception as error:  # any failure means "down"; the reason goes to the log only
            log.warning("healthz: %s is down: %s", name, type(error).__name__)
            checks[name] = "down"
    return all(v == "ok" for v in checks.values()), checks


def build_web_app(app: App, route: WebhookRoute | None) -> web.Application:
    web_app = web.Application()

    async def healthz(request: web.Request) -> web.Response:
        ok, checks = await health(app)
        body = {"status": "ok" if ok else "down", **checks}
        return web.json_response(body, status=200 if ok else 503)

    web_app.router.add_get("/healthz", healthz)
    # The dashboard is served by every process that serves anything (polling or webhook).
    add_webapp(web_app, app)
    if route is not None:
        endpoint = route.endpoint
        path = endpoint.path
        if endpoint.path_secret is not None:
            # Bale: any last segment reaches the route, so a wrong secret is told 401 (as on
            # Telegram), not 404; is_authentic compares it.
            path = path.removesuffix(endpoint.path_secret) + "{secret}"
        web_app.router.add_post(path, route.handle)
    return web_app


async def start_server(app: App, route: WebhookRoute | None) -> web.AppRunner:
    # No access log: on Bale the secret is the request path's last segment.
    runner = web.AppRunner(
        build_web_app(app, route),
        access_log=None,
        handle_signals=False,
        shutdown_timeout=SHUTDOWN_GRACE_SECONDS,
    )
    await runner.setup()
    site = web.TCPSite(runner, app.settings.web_host, app.settings.web_port)
    await site.start()
    log.info("web server on %s:%s", app.settings.web_host, app.settings.web_port)
    return runner
