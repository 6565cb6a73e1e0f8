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

from bot.domain import jalali
from bot.domain import tasks as rules
from bot.domain.digits import to_latin_digits
from bot.domain.members import Actor, MemberStatus, can_view_group
from bot.domain.tasks import Report, Task
from bot.domain.text import InvalidInput
from bot.domain.working_groups import WORKING_GROUPS
from bot.i18n import Translator
from bot.services import tasks as task_service
from bot.storage import db
from bot.storage.uow import UnitOfWork
from bot.ui.tasks import (
    tell_assignees,
    tell_blocked,
    tell_cancelled_or_reopened,
    tell_changes,
    tell_completed,
)
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


# --- reading the request ---------------------------------------------------------------------


def int_arg(ctx: Context, name: str, default: int = 0) -> int:
    raw = ctx.request.query.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(to_latin_digits(raw))
    except ValueError:
        raise ApiError(
            400, "bad_request", ctx.t.plain("webapp_api.bad_parameter", name=name)
        ) from None


def path_id(ctx: Context, name: str = "id") -> int:
    try:
        return int(ctx.request.match_info[name])
    except (KeyError, ValueError):
        raise ApiError(404, "not_found") from None


async def body_of(ctx: Context) -> dict[str, Any]:
    try:
        body = await ctx.request.json()
    except ValueError:
        raise ApiError(400, "bad_request", ctx.t.plain("webapp_api.bad_body")) from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", ctx.t.plain("webapp_api.bad_body"))
    return body


def refused(ctx: Context, reason: str, status: int = 403) -> ApiError:
    """A service's refusal, told with the chat's words for it."""
    return ApiError(status, reason, ctx.t.plain(f"task_refusals.{reason}"))


def group_arg(ctx: Context) -> str | None:
    """`?group=`: the one province the central group or a superuser asks to see; anyone else
    sees their own group whatever they pass."""
    group = ctx.request.query.get("group", "").strip()
    if not group:
        return None
    if group not in WORKING_GROUPS:
        raise ApiError(404, "not_found", ctx.t.plain("webapp_api.unknown_group"))
    return group


# --- me -----------------------------------------------------------------------------------------


async def get_me(ctx: Context) -> dict[str, Any]:
    return views.me(ctx.actor, ctx.t, ctx.app.profile, ctx.app.settings.webapp_url)


async def get_texts(ctx: Context) -> dict[str, Any]:
    return views.texts(ctx.app.catalogs, ctx.t.locale)


# --- tasks --------------------------------------------------------------------------------------


# Refusals that mean "not yours to see": told as 404, so that ids of other provinces' tasks
# cannot be probed.
_HIDDEN = frozenset({"task_gone", "not_your_task"})


async def _visible_task(ctx: Context, task_id: int) -> Task:
    outcome = await task_service.visible_task(ctx.uow, ctx.actor, task_id)
    if outcome.result != "done" or outcome.task is None:
        raise refused(ctx, outcome.result, 404 if outcome.result in _HIDDEN else 403)
    return outcome.task


async def get_my_tasks(ctx: Context) -> dict[str, Any]:
    mine = await task_service.my_tasks(ctx.uow, ctx.actor, ctx.today)
    return {"tasks": [views.task(ctx.t, x, ctx.today) for x in mine]}


async def get_task(ctx: Context) -> dict[str, Any]:
    task_id = path_id(ctx)
    outcome, events = await task_service.history(ctx.uow, ctx.actor, task_id)
    if outcome.result != "done" or outcome.task is None:
        raise refused(ctx, outcome.result, 404 if outcome.result in _HIDDEN else 403)
    task = outcome.task
    return {
        "task": views.task(ctx.t, task, ctx.today),
        "history": [views.history_line(ctx.t, e) for e in events],
        "actions": views.task_actions(ctx.actor, task),
    }


_REPORTS = {
    "start": Report.START,
    "progress": Report.PROGRESS,
    "done": Report.DONE,
    "blocked": Report.BLOCK,
}


def _note(ctx: Context, body: dict[str, Any], clean: Callable[[str], str]) -> str:
    note = body.get("note")
    try:
        return clean(note if isinstance(note, str) else "")
    except InvalidInput as error:
        raise ApiError(400, error.reason, ctx.t.plain(f"task_errors.{error.reason}")) from None


async def post_task_action(ctx: Context) -> dict[str, Any]:
    """The card's buttons from the page: the same services, the same notices as the chat."""
    task_id = path_id(ctx)
    body = await body_of(ctx)
    action = body.get("action")
    uow, actor, catalogs, now = ctx.uow, ctx.actor, ctx.app.catalogs, ctx.now
    # Who may not even see the task learns nothing more than "not found".
    await _visible_task(ctx, task_id)
    if action in ("start", "progress"):
        outcome = await task_service.report(uow, actor, task_id, _REPORTS[action], now)
    elif action == "done":
        note = _note(ctx, body, rules.clean_task_comment)
        outcome = await task_service.report(uow, actor, task_id, Report.DONE, now, comment=note)
    elif action == "blocked":
        reason = _note(ctx, body, rules.clean_block_reason)
        outcome = await task_service.report(uow, actor, task_id, Report.BLOCK, now, comment=reason)
        if outcome.result == "done" and outcome.task is not None:
            chats = await _secretariat(ctx, outcome.task.working_group)
            await tell_blocked(uow, catalogs, chats, outcome.task, actor.display_name, reason, now)
    elif action == "comment":
        text = _note(ctx, body, rules.clean_task_comment)
        outcome = await task_service.comment(uow, actor, task_id, text, now)
        if outcome.result == "done" and outcome.task is not None:
            changes = await task_service.folded_changes(uow, task_id, now)
            await tell_changes(uow, catalogs, outcome.task, changes, actor.user_id, now)
    elif action == "cancel":
        reason = _note(ctx, body, rules.clean_cancel_reason)
        outcome = await task_service.cancel(uow, actor, task_id, reason, now)
        if outcome.result == "done" and outcome.task is not None:
            await tell_cancelled_or_reopened(uow, catalogs, outcome.task, reason, now)
    elif action == "reopen":
        outcome = await task_service.reopen(uow, actor, task_id, now)
        if outcome.result == "done" and outcome.task is not None:
            await tell_cancelled_or_reopened(uow, catalogs, outcome.task, None, now)
    else:
        raise ApiError(400, "unknown_action", ctx.t.plain("webapp_api.unknown_action"))
    if outcome.result != "done" or outcome.task is None:
        raise refused(ctx, outcome.result, 409 if outcome.result == "task_changed" else 403)
    if action in ("start", "progress", "done", "blocked") and outcome.completed:
        chats = await _secretariat(ctx, outcome.task.working_group)
        await tell_completed(uow, catalogs, chats, outcome.task, now)
    return {"ok": True, "task": views.task(ctx.t, outcome.task, ctx.today)}


async def _secretariat(ctx: Context, group: str) -> list[tuple[int, str]]:
    settings = ctx.app.settings
    return await task_service.secretariat_chats(
        ctx.uow, group, settings.admin_ids, settings.default_locale
    )


# --- the board ----------------------------------------------------------------------------------

MAX_PAGE = 200


async def get_board(ctx: Context) -> dict[str, Any]:
    query = ctx.request.query
    status = query.get("status", "open").strip() or "open"
    if query.get("overdue") in ("1", "true"):
        status = "overdue"
    if status not in rules.BOARD_STATUSES:
        raise ApiError(400, "bad_request", ctx.t.plain("webapp_api.bad_parameter", name="status"))
    shown = rules.BoardFilter(
        status=status,
        agency=query.get("agency", "").strip(),
        cluster_id=int_arg(ctx, "cluster"),
        member_id=int_arg(ctx, "assignee"),
    )
    found = await task_service.board(ctx.uow, ctx.actor, ctx.today, shown, group=group_arg(ctx))
    if found is None:
        raise ApiError(403, "secretaries_only", ctx.t.plain("errors.secretaries_only"))
    offset = max(0, int_arg(ctx, "offset"))
    limit = min(MAX_PAGE, max(1, int_arg(ctx, "limit", MAX_PAGE)))
    page = found.tasks[offset : offset + limit]
    return {
        "tasks": [views.task(ctx.t, x, ctx.today) for x in page],
        "facets": views.board_facets(ctx.t, found.agencies, found.clusters, found.people),
        "total": len(found.tasks),
        "offset": offset,
        "limit": limit,
    }


async def post_board_bulk(ctx: Context) -> dict[str, Any]:
    """Reassign or reschedule many tasks at once: each by the same service as its card, all in
    the request's one transaction; each task's refusal is reported, not raised."""
    body = await body_of(ctx)
    ids = body.get("task_ids")
    action = body.get("action")
    if (
        not isinstance(ids, list)
        or not ids
        or len(ids) > MAX_PAGE
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
    ):
        raise ApiError(400, "bad_request", ctx.t.plain("webapp_api.bad_task_ids", max=MAX_PAGE))
    uow, actor, catalogs, now, t = ctx.uow, ctx.actor, ctx.app.catalogs, ctx.now, ctx.t
    if action == "reassign":
        assignee = body.get("assignee_id")
        if not isinstance(assignee, int) or isinstance(assignee, bool):
            raise ApiError(
                400, "bad_request", t.plain("webapp_api.bad_parameter", name="assignee_id")
            )
        members = [assignee]
    elif action == "due":
        due_on = parse_day(ctx, body.get("due_on"), "due_on")
    else:
        raise ApiError(400, "unknown_action", t.plain("webapp_api.unknown_action"))
    results = []
    for task_id in dict.fromkeys(ids):
        if action == "reassign":
            outcome = await task_service.reassign(uow, actor, task_id, members, now)
            if outcome.result == "done" and outcome.task is not None:
                await tell_assignees(uow, catalogs, outcome.task, now, only=outcome.newcomers)
        else:
            outcome = await task_service.change_due(uow, actor, task_id, due_on, now)
            if outcome.result == "done" and outcome.task is not None:
                changes = await task_service.folded_changes(uow, task_id, now)
                await tell_changes(uow, catalogs, outcome.task, changes, actor.user_id, now)
        if outcome.result == "done":
            results.append({"id": task_id, "ok": True})
            continue
        reason = outcome.result
        if outcome.task is not None and not can_view_group(actor, outcome.task.working_group):
            # Another province's task reads as missing, as everywhere in the API.
            reason = "task_gone"
        message = t.plain(f"task_refusals.{reason}")
        results.append({"id": task_id, "ok": False, "error": reason, "message": message})
    return {"results": results}


def parse_day(ctx: Context, raw: object, name: str) -> datetime.date:
    """A date the page sends: ISO `2026-12-01`, or Jalali `1405/09/10` in either digits."""
    if not isinstance(raw, str) or not raw.strip():
        raise ApiError(
            400, "bad_request", ctx.t.plain("webapp_api.bad_parameter", name=name)
        ) from None
    text = to_latin_digits(raw.strip())
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return jalali.parse_date(text, ctx.today)
    except jalali.DateParseError:
        raise ApiError(400, "bad_date", ctx.t.plain("webapp_api.bad_date", value=raw)) from None


async def get_assignable(ctx: Context) -> dict[str, Any]:
    group = group_arg(ctx) or ctx.actor.working_group
    if group is None or rules.manage_refusal(ctx.actor, group) is not None:
        raise ApiError(403, "secretaries_only", ctx.t.plain("errors.secretaries_only"))
    members = await task_service.assignable_members(ctx.uow, group)
    return {"members": [views.choice(m.id, m.full_name) for m in members]}


def add_routes(web_app: web.Application, app: App) -> None:
    api = Api(app)
    web_app[API_KEY] = api
    get, post = web_app.router.add_get, web_app.router.add_post
    get("/api/me", api.route(get_me))
    get("/api/texts", api.route(get_texts))
    get("/api/tasks/mine", api.route(get_my_tasks))
    get("/api/tasks/{id}", api.route(get_task))
    post("/api/tasks/{id}/actions", api.route(post_task_action))
    get("/api/board", api.route(get_board))
    post("/api/board/bulk", api.route(post_board_bulk))
    get("/api/members/assignable", api.route(get_assignable))


API_KEY: web.AppKey[Api] = web.AppKey("webapp_api", Api)
