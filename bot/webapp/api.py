"""The dashboard's JSON API under /api/: thin handlers, like the chat's.

Each request: check the launch data (bot/webapp/auth.py), open one unit of work, find the
member and their roles exactly as the chat's ActorMiddleware does, call a service, commit,
wake the outbox when something was queued, and answer with a view (bot/webapp/views.py).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.domain.members import Actor, MemberStatus
from bot.i18n import Translator
from bot.storage import db
from bot.storage.uow import UnitOfWork
from bot.webapp import views
from bot.webapp.auth import Launch, LaunchRejected, Refusal, init_data_of, verify_launch

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


@dataclass
class Context:
    """One API request, authenticated: the handler's whole world."""

    request: web.Request
    app: App
    uow: UnitOfWork
    actor: Actor
    t: Translator
    now: datetime.datetime
    launch: Launch

    @property
    def today(self) -> datetime.date:
        return self.uow.today()


class ApiError(Exception):
    """A refusal the page shows as it is: `message` is already in the member's language."""

    def __init__(self, status: int, error: str, message: str | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.message = message


Handler = Callable[[Context], Awaitable[dict[str, Any] | web.StreamResponse]]


def unauthorized(reason: Refusal) -> web.Response:
    return web.json_response(
        {"error": "unauthorized", "reason": reason.value},
        status=401,
        headers={"WWW-Authenticate": "tma"},
    )


class Api:
    def __init__(self, app: App) -> None:
        self.app = app
        self._sessions = db.session_factory(app.engine)

    def launch_of(self, request: web.Request) -> Launch:
        settings = self.app.settings
        assert settings.bot_token is not None
        init_data = init_data_of(request.headers.get("Authorization"))
        return verify_launch(
            self.app.profile,
            settings.bot_token.get_secret_value(),
            init_data,
            self.app.clock(),
            datetime.timedelta(seconds=settings.webapp_max_age),
        )

    def route(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def serve(request: web.Request) -> web.StreamResponse:
            try:
                launch = self.launch_of(request)
            except LaunchRejected as rejected:
                return unauthorized(rejected.reason)
            return await self._serve(request, launch, handler)

        return serve

    async def _serve(
        self, request: web.Request, launch: Launch, handler: Handler
    ) -> web.StreamResponse:
        app = self.app
        now = app.clock()
        settings = app.settings
        today = app.today()
        async with UnitOfWork(
            self._sessions, settings.bot_platform.value, today=lambda: today
        ) as uow:
            member = await uow.members.by_user(launch.user_id)
            is_superuser = launch.user_id in settings.admin_ids
            approved = member is not None and member.status is MemberStatus.APPROVED
            if not approved and not is_superuser:
                return unauthorized(Refusal.UNKNOWN_MEMBER)
            acting = await uow.substitutes.acting_roles(member.id, today) if approved else ()
            actor = Actor(
                user_id=launch.user_id,
                display_name=member.full_name if member else launch.first_name,
                member=member,
                is_superuser=is_superuser,
                acting=acting,
            )
            locale = member.locale if member else settings.default_locale
            context = Context(
                request, app, uow, actor, app.catalogs.translator(locale), now, launch
            )
            try:
                result = await handler(context)
            except ApiError as error:
                await uow.rollback()
                body = {"error": error.error}
                if error.message is not None:
                    body["message"] = error.message
                return web.json_response(body, status=error.status)
            await uow.commit()
        if uow.outbox.queued:
            # Committed: the chat's cards and notifications go out through the same sender.
            app.outbox.wake()
        if isinstance(result, web.StreamResponse):
            return result
        return web.json_response(result)


async def get_me(ctx: Context) -> dict[str, Any]:
    return views.me(ctx.actor, ctx.t, ctx.app.profile, ctx.app.settings.webapp_url)


def add_routes(web_app: web.Application, app: App) -> None:
    api = Api(app)
    web_app[API_KEY] = api
    router = web_app.router
    router.add_get("/api/me", api.route(get_me))


API_KEY: web.AppKey[Api] = web.AppKey("webapp_api", Api)
