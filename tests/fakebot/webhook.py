"""The Bot API's side of webhook mode, for FakeBotAPI: it posts the fake's pending updates to
the bot's web server(s), as Telegram does once setWebhook was called.

Like Telegram, an update counts as delivered only when the server answers 2xx; any other answer,
or no answer, and it is posted again (here at once, to the next server in turn: a reverse proxy
in front of replicas does the same). Updates go out one at a time, in order, so a test's story
reads the same as with polling. The URL set by setWebhook is public (https, a port Telegram
allows); the bot's servers listen on 127.0.0.1, so the delivery keeps the URL's path and posts
it to each server's local address instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

from .server import FakeBotAPI, JsonDict

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Attempt:
    update_id: int
    target: str
    status: int  # 0: no answer (connection refused or reset)


@dataclass
class WebhookDelivery:
    api: FakeBotAPI
    targets: Sequence[str]  # e.g. ["http://127.0.0.1:8081", "http://127.0.0.1:8082"]
    retry_pause: float = 0.05
    # False: nothing is posted unless the test calls post().
    automatic: bool = True
    attempts: list[Attempt] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        if self.automatic:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._http is not None:
            await self._http.close()

    async def __aenter__(self) -> WebhookDelivery:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def path(self) -> str:
        return urlsplit(self.api._webhook_url).path or "/"

    async def post(
        self, target: str, payload: JsonDict, *, secret: str | None = None, path: str | None = None
    ) -> int:
        """One POST as Telegram makes it (or, with `secret`, as someone else might)."""
        assert self._http is not None, "start() first"
        headers = {"Content-Type": "application/json"}
        token = self.api.webhook_secret_token if secret is None else secret
        if token:
            headers[SECRET_HEADER] = token
        try:
            async with self._http.post(
                target + (path or self.path()), data=json.dumps(payload), headers=headers
            ) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return 0

    def take_pending(self) -> JsonDict:
        """Remove the oldest pending update from the fake and return it (to post it by hand)."""
        update = self.api._pending.pop(0)
        return update.payload

    async def _run(self) -> None:
        turn = itertools.cycle(range(len(self.targets)))
        while True:
            # Telegram never delivers what allowed_updates leaves out (it replaces the list).
            self.api._drop_unwanted()
            if not self.api._webhook_url or not self.api._pending:
                await asyncio.sleep(0.01)
                continue
            update = self.api._pending[0]
            target = self.targets[next(turn)]
            update.delivered += 1
            status = await self.post(target, update.payload)
            self.attempts.append(Attempt(update.update_id, target, status))
            if 200 <= status < 300:
                with contextlib.suppress(ValueError):
                    self.api._pending.remove(update)
                self.api._notify()
            else:
                await asyncio.sleep(self.retry_pause)
