"""The dashboard's JSON API under /api/: thin handlers, like the chat's.

Each request: check the launch data (bot/webapp/auth.py), open one unit of work, find the
member and their roles exactly as the chat's ActorMiddleware does, call a service, commit,
wake the outbox when something was queued, and answer with a view (bot/webapp/views.py).
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.domain import jalali
from bot.domain import reports as report_rules
from bot.domain import submissions as submission_rules
from bot.domain import tasks as rules
from bot.domain.clusters import visible_groups
from bot.domain.digits import to_latin_digits
from bot.domain.flood import FloodGate
from bot.domain.members import (
    Actor,
    MemberStatus,
    can_manage_group,
    can_see_all,
    can_view_group,
    clean_reason,
)
from bot.domain.members import Decision as MemberDecision
from bot.domain.reports import Preset, ReportPeriod
from bot.domain.submissions import Decision, SubmissionRefusal
from bot.domain.tasks import Report, Task
from bot.domain.text import InvalidInput
from bot.domain.working_groups import WORKING_GROUPS
from bot.i18n import Translator, client_locale
from bot.services import calendar as calendar_service
from bot.services import members as member_service
from bot.services import reports as report_service
from bot.services import submissions as submission_service
from bot.services import task_table as table_service
from bot.services import tasks as task_service
from bot.storage import db
from bot.storage.uow import UnitOfWork
from bot.ui import charts, task_cards
from bot.ui import members as member_views
from bot.ui import reports as report_views
from bot.ui import submissions as submission_views
from bot.webapp import views
from bot.webapp.auth import Launch, LaunchRejected, Refusal, init_data_of, verify_launch

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

# What one person's dashboard may ask: opening a page makes a handful of calls, a secretary
# working the board a few a second; a script (or a stuck page) beyond that is refused before
# any database work, with 429 and the time to wait.
API_BURST = 30
API_RATE = 5.0


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
    """A refusal the page shows as it is: `message` is already in the member's language.

    Raised only before a change or after a service refused one, never half-way through a
    change: the request's transaction is committed with it (see Api._serve)."""

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
        self._gate = FloodGate(rate=API_RATE, burst=API_BURST)

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
            now = self.app.clock()
            allowed, _ = self._gate.allow(launch.user_id, now)
            if not allowed:
                return self._too_fast(launch, self._gate.wait(launch.user_id, now))
            try:
                response = await self._serve(request, launch, handler)
            except Exception:
                # Rolled back with the unit of work; the page shows its "try again" text.
                log.exception("dashboard request %s %s failed", request.method, request.path)
                response = web.json_response({"error": "internal"}, status=500)
            # Personal data: neither the messenger's web view nor a proxy may keep a copy.
            response.headers["Cache-Control"] = "no-store"
            return response

        return serve

    def _too_fast(self, launch: Launch, wait: datetime.timedelta) -> web.Response:
        log.info("dashboard: too many requests from %s", launch.user_id)
        # The launch's language: a refused call costs no database read.
        locale = client_locale(launch.language_code, self.app.settings.default_locale)
        t = self.app.catalogs.translator(locale)
        return web.json_response(
            {"error": "too_fast", "message": t.plain("webapp_api.too_fast")},
            status=429,
            headers={"Retry-After": str(max(1, int(wait.total_seconds() + 0.999)))},
        )

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
                # A refusal is an answer, not a failure: what the service recorded of the
                # refused attempt (its audit line) is kept, as the chat keeps it.
                await uow.commit()
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
    note: str | None = None
    if action in ("start", "progress"):
        outcome = await task_service.report(uow, actor, task_id, _REPORTS[action], now)
    elif action == "done":
        done_note = _note(ctx, body, rules.clean_task_comment)
        outcome = await task_service.report(
            uow, actor, task_id, Report.DONE, now, comment=done_note
        )
    elif action == "blocked":
        note = _note(ctx, body, rules.clean_block_reason)
        outcome = await task_service.report(uow, actor, task_id, Report.BLOCK, now, comment=note)
    elif action == "comment":
        text = _note(ctx, body, rules.clean_task_comment)
        outcome = await task_service.comment(uow, actor, task_id, text, now)
    elif action == "cancel":
        note = _note(ctx, body, rules.clean_cancel_reason)
        outcome = await task_service.cancel(uow, actor, task_id, note, now)
    elif action == "reopen":
        outcome = await task_service.reopen(uow, actor, task_id, now)
    elif action == "due":
        due_on = parse_day(ctx, body.get("due_on"), "due_on")
        outcome = await task_service.change_due(uow, actor, task_id, due_on, now)
    elif action == "reassign":
        outcome = await task_service.reassign(uow, actor, task_id, _member_ids(ctx, body), now)
    else:
        raise ApiError(400, "unknown_action", ctx.t.plain("webapp_api.unknown_action"))
    if outcome.result != "done" or outcome.task is None:
        raise refused(ctx, outcome.result, 409 if outcome.result == "task_changed" else 403)
    await task_cards.announce(
        uow, catalogs, ctx.app.settings, actor, action, outcome, now, note=note
    )
    return {"ok": True, "task": views.task(ctx.t, outcome.task, ctx.today)}


def _member_ids(ctx: Context, body: dict[str, Any]) -> list[int]:
    ids = body.get("assignee_ids")
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise ApiError(
            400, "bad_request", ctx.t.plain("webapp_api.bad_parameter", name="assignee_ids")
        )
    return list(dict.fromkeys(ids))


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
    offset = max(0, int_arg(ctx, "offset"))
    limit = min(MAX_PAGE, max(1, int_arg(ctx, "limit", MAX_PAGE)))
    found = await task_service.board(
        ctx.uow, ctx.actor, ctx.today, shown, group=group_arg(ctx), offset=offset, limit=limit
    )
    if found is None:
        raise ApiError(403, "secretaries_only", ctx.t.plain("errors.secretaries_only"))
    return {
        "tasks": [views.task(ctx.t, x, ctx.today) for x in found.tasks],
        "facets": views.board_facets(ctx.t, found.agencies, found.clusters, found.people),
        "total": found.total,
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
    changed: list[Task] = []
    settings = ctx.app.settings
    for task_id in dict.fromkeys(ids):
        if action == "reassign":
            outcome = await task_service.reassign(uow, actor, task_id, members, now)
        else:
            outcome = await task_service.change_due(uow, actor, task_id, due_on, now)
        # The cards are redrawn once for all the tasks below, not task by task.
        await task_cards.announce(
            uow, catalogs, settings, actor, action, outcome, now, redraw=False
        )
        if outcome.result == "done":
            if outcome.task is not None:
                changed.append(outcome.task)
            results.append({"id": task_id, "ok": True})
            continue
        reason = outcome.result
        if outcome.task is not None and not can_view_group(actor, outcome.task.working_group):
            # Another province's task reads as missing, as everywhere in the API.
            reason = "task_gone"
        message = t.plain(f"task_refusals.{reason}")
        results.append({"id": task_id, "ok": False, "error": reason, "message": message})
    await task_cards.queue_card_updates(uow, catalogs, settings, changed, now)
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


# --- clusters and the matrix ----------------------------------------------------------------


async def get_clusters(ctx: Context) -> dict[str, Any]:
    groups = visible_groups(ctx.actor)
    group = group_arg(ctx)
    if group is not None:
        if groups is not None and group not in groups:
            raise ApiError(403, "not_your_group", ctx.t.plain("webapp_api.not_found"))
        groups = (group,)
    clusters, _ = await ctx.uow.clusters.page(groups, None, 0, MAX_PAGE)
    return {"clusters": [views.cluster(ctx.t, c) for c in clusters]}


async def get_matrix(ctx: Context) -> dict[str, Any]:
    cluster_id = int_arg(ctx, "cluster")
    result, report = await table_service.cluster_matrix(ctx.uow, ctx.actor, cluster_id, ctx.today)
    if result != "done" or report is None:
        # Another province's cluster reads as missing.
        raise ApiError(404, "not_found", ctx.t.plain("webapp_api.not_found"))
    tasks = await ctx.uow.tasks.of_groups(None, cluster_id)
    return views.matrix(ctx.t, report.cluster, tasks, ctx.today)


# --- submissions ------------------------------------------------------------------------------


def _managed_scope(ctx: Context) -> tuple[str, ...] | None:
    """The groups whose work this manager sees: all (None) for the central group and
    superusers, narrowed by ?group=; else the groups they manage; 403 for others."""
    groups = rules.listed_groups(ctx.actor)
    if groups is not None and not groups:
        raise ApiError(403, "secretaries_only", ctx.t.plain("errors.secretaries_only"))
    group = group_arg(ctx)
    if group is None:
        return groups
    if groups is not None and group not in groups:
        raise ApiError(403, "secretaries_only", ctx.t.plain("errors.secretaries_only"))
    return (group,)


async def get_pipeline(ctx: Context) -> dict[str, Any]:
    scope = _managed_scope(ctx)
    waiting = [
        s
        for s in await ctx.uow.submissions.in_review()
        # A national stage shows a province's item to the central group, as its card does.
        if scope is None or s.cluster_group in scope or submission_rules.stage_group(s) in scope
    ]
    return views.pipeline(ctx.t, ctx.actor, waiting, ctx.now)


async def post_submission_decision(ctx: Context) -> dict[str, Any]:
    """Approve, return or reject from the pipeline: the chat card's service and conditional
    update, so a simultaneous press in the chat and here decides once."""
    submission_id = path_id(ctx)
    body = await body_of(ctx)
    t = ctx.t
    try:
        decision = Decision(body.get("decision"))
    except ValueError:
        raise ApiError(400, "unknown_action", t.plain("webapp_api.unknown_action")) from None
    comment: str | None = None
    if decision is not Decision.APPROVE or body.get("note"):
        note = body.get("note")
        try:
            comment = submission_rules.clean_comment(note if isinstance(note, str) else "")
        except InvalidInput as error:
            message = t.plain(f"submission_errors.{error.reason}")
            raise ApiError(400, error.reason, message) from None
    submission = await ctx.uow.submissions.get(submission_id)
    if submission is None or not (
        submission_service.can_follow(ctx.actor, submission)
        or can_manage_group(ctx.actor, submission_rules.stage_group(submission))
    ):
        # Another province's item reads as missing: its id tells nothing.
        raise ApiError(404, "not_found", t.plain("webapp_api.not_found"))
    version = body.get("version")
    outcome = await submission_service.decide(
        ctx.uow,
        ctx.actor,
        submission_id,
        version if isinstance(version, int) and not isinstance(version, bool) else None,
        decision,
        comment,
        ctx.now,
    )
    if not outcome.done:
        text = await submission_views.refusal_text(ctx.uow, t, outcome.result, outcome.submission)
        status = 409 if outcome.result == SubmissionRefusal.ALREADY_DECIDED else 403
        raise ApiError(status, str(outcome.result), views.plain(text))
    settings = ctx.app.settings
    await submission_views.announce_outcome(
        outcome, ctx.uow, ctx.app.catalogs, settings, ctx.now, comment
    )
    return {"ok": True, "message": t.plain(f"reviews.done_{outcome.result}")}


async def get_my_submissions(ctx: Context) -> dict[str, Any]:
    member = ctx.actor.member
    if member is None:
        return {"submissions": []}
    mine = (await ctx.uow.submissions.by_author(member.id))[:MY_SUBMISSIONS]
    timelines = await ctx.uow.submissions.events_by_author(member.id)
    return {"submissions": [views.my_submission(ctx.t, s, timelines.get(s.id, [])) for s in mine]}


# One person files a handful a year; the list is bounded all the same.
MY_SUBMISSIONS = 50


# --- reports ----------------------------------------------------------------------------------


def _report_scope(ctx: Context) -> tuple[str, ...] | None:
    scope = report_service.report_scope(ctx.actor)
    if scope == ():
        raise ApiError(403, "not_allowed", ctx.t.plain("report_errors.not_allowed"))
    group = group_arg(ctx)
    if group is None:
        return scope
    if scope is not None and group not in scope:
        raise ApiError(403, "not_allowed", ctx.t.plain("report_errors.not_allowed"))
    return (group,)


def _period(ctx: Context) -> ReportPeriod:
    query = ctx.request.query
    preset = query.get("period", Preset.THIS_MONTH.value)
    if preset != Preset.CUSTOM.value:
        if preset not in Preset._value2member_map_:
            raise ApiError(
                400, "bad_request", ctx.t.plain("webapp_api.bad_parameter", name="period")
            )
        return report_rules.preset_period(preset, ctx.today)
    start = parse_day(ctx, query.get("from"), "from")
    end = parse_day(ctx, query.get("to"), "to")
    if end < start:
        raise ApiError(400, "range_backwards", ctx.t.plain("report_errors.range_backwards"))
    if (end - start).days >= report_rules.MAX_RANGE_DAYS:
        raise ApiError(400, "range_too_long", ctx.t.plain("report_errors.range_too_long"))
    return ReportPeriod(Preset.CUSTOM, start, end)


async def get_reports(ctx: Context) -> dict[str, Any]:
    scope = _report_scope(ctx)
    period = _period(ctx)
    report = await report_service.status_report(
        ctx.uow, scope, period, ctx.now, ctx.app.settings.zone
    )
    return views.status_report(ctx.t, report, report_views.status_text(ctx.t, report))


CHARTS = frozenset({"funnel", "kpi", "overdue", "provinces"})


async def get_chart(ctx: Context) -> web.StreamResponse:
    which = ctx.request.match_info.get("which", "")
    if which not in CHARTS:
        raise ApiError(404, "not_found", ctx.t.plain("webapp_api.not_found"))
    scope = _report_scope(ctx)
    period = _period(ctx)
    t = ctx.t
    scope_name = views.plain(
        report_views.group_name(t, report_service.COUNTRY if scope is None else "+".join(scope))
    )
    figure = None
    if which == "kpi":
        table = await report_service.kpi_table(ctx.uow, scope, ctx.now)
        # The cluster furthest behind first, as the chat's charts choose.
        followed = sorted((c for c in table.clusters if c.series), key=lambda c: not c.behind)
        if followed:
            figure = charts.kpi_trend(t, followed[0], "employment")
    else:
        report = await report_service.status_report(
            ctx.uow, scope, period, ctx.now, ctx.app.settings.zone
        )
        figure = charts.of_report(t, which, report, scope_name)
    if figure is None:
        raise ApiError(404, "no_chart_data", views.plain(t("reports.no_chart_data")))
    # Rasterising takes a moment; a worker thread keeps the server answering meanwhile.
    image = await asyncio.to_thread(charts.png, figure)
    return web.Response(body=image, content_type="image/png", headers={"Cache-Control": "no-store"})


# --- members and applications ----------------------------------------------------------------


async def get_members(ctx: Context) -> dict[str, Any]:
    # Read as the board is: the groups the secretariat's lists cover (the central group and
    # superusers: any, by ?group=); deciding stays the group's own (decide_application).
    scope = _managed_scope(ctx)
    own = ctx.actor.working_group
    group = own if scope is None or own in scope else scope[0]
    if group is None:
        # A superuser who belongs to no group says which one.
        raise ApiError(400, "bad_request", ctx.t.plain("webapp_api.bad_parameter", name="group"))
    approved = await ctx.uow.members.in_group(group, MemberStatus.APPROVED)
    pending = await ctx.uow.members.in_group(group, MemberStatus.PENDING)
    return {
        "working_group": group,
        "members": [views.member(ctx.t, m) for m in approved],
        "applications": [views.application(ctx.t, m) for m in pending],
    }


async def post_application_decision(ctx: Context) -> dict[str, Any]:
    member_id = path_id(ctx)
    body = await body_of(ctx)
    t = ctx.t
    try:
        decision = MemberDecision(body.get("decision"))
    except ValueError:
        raise ApiError(400, "unknown_action", t.plain("webapp_api.unknown_action")) from None
    reason: str | None = None
    if decision is MemberDecision.REJECT:
        note = body.get("note")
        try:
            reason = clean_reason(note if isinstance(note, str) else "")
        except InvalidInput as error:
            raise ApiError(400, error.reason, t.plain(f"errors.{error.reason}")) from None
    applicant = await ctx.uow.members.get(member_id)
    if applicant is None or not can_view_group(ctx.actor, applicant.working_group):
        raise ApiError(404, "not_found", t.plain("webapp_api.not_found"))
    outcome = await member_service.decide_application(
        ctx.uow, actor=ctx.actor, member_id=member_id, decision=decision, reason=reason, now=ctx.now
    )
    if outcome.result != "decided":
        status = 409 if outcome.result == "already_decided" else 403
        raise ApiError(status, outcome.result, views.plain(member_views.refusal_text(t, outcome)))
    assert outcome.applicant is not None
    await member_views.announce_decision(ctx.uow, ctx.app.catalogs, outcome.applicant, ctx.now)
    done = "approved_done" if decision is MemberDecision.APPROVE else "rejected_done"
    return {"ok": True, "message": t.plain(f"decisions.{done}")}


# --- the country ------------------------------------------------------------------------------


async def get_country(ctx: Context) -> dict[str, Any]:
    if not can_see_all(ctx.actor):
        raise ApiError(403, "central_only", ctx.t.plain("webapp_api.central_only"))
    period = _period(ctx)
    report = await report_service.status_report(
        ctx.uow, None, period, ctx.now, ctx.app.settings.zone
    )
    return views.country(ctx.t, report)


# --- the calendar -----------------------------------------------------------------------------

# A date picker shows a month or two; a year is the most anyone scrolls at once.
MAX_CALENDAR_DAYS = 400


async def get_holidays(ctx: Context) -> dict[str, Any]:
    query = ctx.request.query
    start = parse_day(ctx, query.get("from") or ctx.today.isoformat(), "from")
    end = parse_day(ctx, query.get("to") or (start + datetime.timedelta(days=60)).isoformat(), "to")
    if end < start or (end - start).days > MAX_CALENDAR_DAYS:
        raise ApiError(400, "bad_request", ctx.t.plain("webapp_api.bad_parameter", name="to"))
    calendar = await calendar_service.calendar_of(ctx.uow, ctx.actor.working_group, ctx.today)
    return views.holidays(ctx.t, calendar, start, end)


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
    get("/api/clusters", api.route(get_clusters))
    get("/api/matrix", api.route(get_matrix))
    get("/api/pipeline", api.route(get_pipeline))
    post("/api/submissions/{id}/decision", api.route(post_submission_decision))
    get("/api/submissions/mine", api.route(get_my_submissions))
    get("/api/reports", api.route(get_reports))
    get("/api/reports/chart/{which}.png", api.route(get_chart))
    get("/api/members", api.route(get_members))
    post("/api/applications/{id}/decision", api.route(post_application_decision))
    get("/api/country", api.route(get_country))
    get("/api/holidays", api.route(get_holidays))


API_KEY: web.AppKey[Api] = web.AppKey("webapp_api", Api)
