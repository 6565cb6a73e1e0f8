"""The dashboard's JSON: plain dicts from domain values, in the member's language (the
`bot/ui/` of the API: handlers never shape a response themselves)."""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from bot.domain import jalali
from bot.domain import reports as report_rules
from bot.domain import submissions as submission_rules
from bot.domain import task_table as table_rules
from bot.domain import tasks as rules
from bot.domain.clusters import Cluster
from bot.domain.members import (
    Actor,
    Member,
    can_manage_group,
    can_see_all,
)
from bot.domain.members import (
    Decision as MemberDecision,
)
from bot.domain.reports import Ranked
from bot.domain.submissions import Decision, ReviewLevel, Submission, SubmissionStatus
from bot.domain.submissions import Event as SubmissionEvent
from bot.domain.tasks import Task, TaskEvent, TaskStatus
from bot.domain.workdays import HolidayCalendar
from bot.i18n import Catalogs, Translator
from bot.platform import PlatformProfile
from bot.services.reports import GroupReport, StatusReport
from bot.ui import reports as report_views

Json = dict[str, Any]


def text_direction(locale: str) -> str:
    return "rtl" if locale == "fa" else "ltr"


def me(actor: Actor, t: Translator, profile: PlatformProfile, webapp_url: str | None) -> Json:
    member = actor.member if actor.is_member else None
    # A superuser need not be a member: they manage every group and belong to none.
    group = member.working_group if member is not None else None
    return {
        "id": member.id if member is not None else None,
        "user_id": actor.user_id,
        "full_name": actor.display_name,
        "role": member.role.value if member is not None else None,
        "role_label": t.plain(f"roles.{member.role.value}") if member is not None else None,
        "working_group": group,
        "working_group_name": t.plain(f"working_groups.{group}") if group else None,
        "language": t.locale,
        "dir": text_direction(t.locale),
        "platform": profile.platform.value,
        "can_manage": actor.is_superuser or (group is not None and can_manage_group(actor, group)),
        "can_see_all": can_see_all(actor),
        "is_superuser": actor.is_superuser,
        "webapp_url": webapp_url,
    }


def texts(catalogs: Catalogs, locale: str) -> Json:
    """The page's own texts (bot/locales/<lang>/webapp.toml, section [webapp]), flattened."""
    known = catalogs.translator(locale).locale
    keys = sorted(k for k in catalogs.keys(known) if k.startswith(PAGE_TEXTS))
    return {
        "language": known,
        "dir": text_direction(known),
        "texts": {k.removeprefix(PAGE_TEXTS): catalogs.template(known, k) for k in keys},
    }


PAGE_TEXTS = "webapp."


# --- dates --------------------------------------------------------------------------------------


def day(t: Translator, on: datetime.date | None) -> str | None:
    """A date as the member reads it (Jalali, their digits)."""
    return jalali.format_date(on, t.locale) if on is not None else None


def moment(t: Translator, at: datetime.datetime) -> str:
    return jalali.format_datetime(at, t.locale)


def choice(value: str | int, label: str) -> Json:
    return {"value": value, "label": label}


# --- tasks --------------------------------------------------------------------------------------


def agency_name(t: Translator, code: str | None) -> str:
    if not code or code == rules.NO_AGENCY:
        return t.plain("webapp_api.no_agency")
    return t.plain(f"agencies.{code}")


def status_label(t: Translator, task: Task, today: datetime.date) -> str:
    if rules.is_overdue(task.due_on, task.status, today):
        assert task.due_on is not None
        return t.plain("tasks.overdue_by", count=-rules.days_left(task.due_on, today))
    return t.plain(f"task_statuses.{task.status.value}")


def task(t: Translator, task: Task, today: datetime.date) -> Json:
    first = task.assignees[0] if task.assignees else None
    return {
        "id": task.id,
        "code": task.code,
        "title": task.title,
        "details": task.description,
        "cluster_id": task.cluster_id,
        "cluster_name": task.cluster_name,
        "working_group": task.working_group,
        "working_group_name": t.plain(f"working_groups.{task.working_group}"),
        "agency": first.agency_code if first else None,
        "agency_name": agency_name(t, first.agency_code if first else None),
        "assignee_id": first.member_id if first else None,
        "assignee_name": first.name if first else None,
        "assignees": [
            {
                "id": a.member_id,
                "name": a.name,
                "agency": a.agency_code,
                "agency_name": agency_name(t, a.agency_code),
                "status": a.status.value,
                "status_label": t.plain(f"task_statuses.{a.status.value}"),
                "progress": a.progress,
            }
            for a in task.assignees
        ],
        "status": task.status.value,
        "status_label": status_label(t, task, today),
        "progress": task.progress,
        "start_on": task.start_on.isoformat() if task.start_on else None,
        "due_on": task.due_on.isoformat() if task.due_on else None,
        "due_jalali": day(t, task.due_on),
        "overdue": rules.is_overdue(task.due_on, task.status, today),
        "days_left": rules.days_left(task.due_on, today) if task.due_on else None,
        "phase": task.phase,
        "needs_assignee": task.needs_assignee,
    }


def task_actions(actor: Actor, task: Task) -> list[str]:
    """The card's buttons for this person, by the same rules as the chat's card."""
    actions: list[str] = []
    mine = actor.member is not None and actor.member.id in task.assignee_ids
    if mine and task.status is not TaskStatus.CANCELLED:
        actions += ["start", "progress", "done", "blocked"]
    actions.append("comment")
    if rules.manage_refusal(actor, task.working_group) is None:
        actions += ["reassign", "due"]
        if rules.reopen_refusal(task.status) is None:
            actions.append("reopen")
        elif rules.cancel_refusal(task.status) is None:
            actions.append("cancel")
    return actions


def history_line(t: Translator, event: TaskEvent) -> Json:
    name = t.plain("tasks.package_actor") if event.actor_name == "package" else event.actor_name
    text = t.plain(f"task_events.{event.action}")
    if event.action == "due_changed" and event.details and event.details.get("to"):
        to = datetime.date.fromisoformat(event.details["to"])
        text = f"{text}: {day(t, to)}"
    return {
        "at": event.at.isoformat(),
        "at_jalali": moment(t, event.at),
        "actor_name": name,
        "action": event.action,
        "text": text,
        "comment": event.comment,
    }


def board_facets(
    t: Translator,
    agencies: Iterable[str],
    clusters: Iterable[tuple[int, str]],
    people: Iterable[tuple[int, str]],
) -> Json:
    return {
        "statuses": [
            choice(
                s,
                t.plain(f"webapp_api.board_{s}")
                if s in _BOARD_VIEWS
                else t.plain(f"task_statuses.{s}"),
            )
            for s in rules.BOARD_STATUSES
        ],
        "agencies": [choice(code, agency_name(t, code)) for code in agencies],
        "clusters": [choice(cid, name) for cid, name in clusters],
        "assignees": [choice(mid, name) for mid, name in people],
    }


_BOARD_VIEWS = frozenset({"all", "open", "overdue"})


def plain(text: str) -> str:
    """A chat text (HTML on Telegram) as the page shows it: no tags, no entities."""
    return html.unescape(_TAG.sub("", str(text)))


_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


# --- clusters and the matrix ------------------------------------------------------------------


def cluster(t: Translator, c: Cluster) -> Json:
    return {
        "id": c.id,
        "name": c.name,
        "working_group": c.working_group,
        "working_group_name": t.plain(f"working_groups.{c.working_group}"),
        "product": c.product,
        "stage": c.stage.value,
        "stage_label": t.plain(f"cluster_stages.{c.stage.value}"),
    }


def matrix(t: Translator, c: Cluster, tasks: Sequence[Task], today: datetime.date) -> Json:
    cells = table_rules.matrix_cells(tasks)
    codes = table_rules.subprocess_order(code for _, code in cells)
    agencies = table_rules.agency_order(agency for agency, _ in cells)
    titles: dict[str, str] = {}
    for x in tasks:
        titles.setdefault(x.code or table_rules.NO_SUBPROCESS, x.title)
    return {
        "cluster": {"id": c.id, "name": c.name},
        "agencies": [{"code": a, "label": agency_name(t, a)} for a in agencies],
        "subprocesses": [
            {
                "code": code,
                "label": f"{code} {titles[code]}" if code else t.plain("webapp_api.no_subprocess"),
            }
            for code in codes
        ],
        "cells": [
            {
                "agency": agency,
                "subprocess": code,
                "status": table_rules.cell_status(
                    (x.status, rules.is_overdue(x.due_on, x.status, today)) for x in found
                ),
                "task_ids": sorted({x.id for x in found}),
            }
            for (agency, code), found in sorted(
                cells.items(),
                key=lambda item: (agencies.index(item[0][0]), codes.index(item[0][1])),
            )
        ],
    }


# --- submissions ------------------------------------------------------------------------------


def stage_label(t: Translator, s: Submission) -> str:
    level = s.state.level
    return t.plain(
        "cards.stage",
        level=t.plain(f"review_levels.{level.value}"),
        group=t.plain(f"working_groups.{submission_rules.stage_group(s)}"),
    )


def pipeline(
    t: Translator, actor: Actor, waiting: Sequence[Submission], now: datetime.datetime
) -> Json:
    columns: dict[ReviewLevel, list[Json]] = {level: [] for level in ReviewLevel}
    for s in waiting:
        can_decide = submission_rules.review_refusal(actor, s.state, s.cluster_group) is None
        columns[s.state.level].append(
            {
                "id": s.id,
                "version": s.version,
                "title": s.title,
                "kind": s.kind.value,
                "kind_label": t.plain(f"submission_kinds.{s.kind.value}"),
                "cluster_name": s.cluster_name,
                "working_group": s.cluster_group,
                "working_group_name": t.plain(f"working_groups.{s.cluster_group}"),
                "author_name": s.author_name,
                "stage_label": stage_label(t, s),
                "submitted_on": s.created_at.date().isoformat(),
                "submitted_jalali": moment(t, s.created_at),
                "age_days": report_rules.age_days(s.stage_opened_at, now),
                "can_decide": can_decide,
                "decisions": [d.value for d in Decision] if can_decide else [],
            }
        )
    return {
        "stages": [
            {
                "stage": level.value,
                "label": t.plain(f"review_levels.{level.value}"),
                "submissions": items,
            }
            for level, items in columns.items()
        ]
    }


def my_submission(t: Translator, s: Submission, events: Sequence[SubmissionEvent]) -> Json:
    return {
        "id": s.id,
        "title": s.title,
        "kind": s.kind.value,
        "kind_label": t.plain(f"submission_kinds.{s.kind.value}"),
        "cluster_name": s.cluster_name,
        "status": s.status.value,
        "status_label": t.plain(f"submission_statuses.{s.status.value}"),
        "stage_label": stage_label(t, s) if s.status is SubmissionStatus.IN_REVIEW else None,
        "timeline": [
            {
                "at": e.at.isoformat(),
                "at_jalali": moment(t, e.at),
                "actor_name": e.actor_name,
                "action": e.action,
                "text": t.plain(f"event_actions.{e.action}"),
                # An acknowledgement's comment is the item's position, not anybody's words.
                "comment": e.comment if e.action != "acknowledged" else None,
            }
            for e in events
        ],
    }


# --- reports ----------------------------------------------------------------------------------


def _group_report(t: Translator, r: GroupReport) -> Json:
    return {
        "group": r.group,
        "name": plain(report_views.group_name(t, r.group)),
        "clusters": r.clusters,
        "stages": [
            {"stage": s, "label": t.plain(f"cluster_stages.{s}"), "count": n}
            for s, n in sorted(r.stages.items())
        ],
        "entered": r.entered,
        "pending": [
            {
                "level": p.level.value,
                "label": t.plain(f"review_levels.{p.level.value}"),
                "count": p.count,
                "oldest_days": p.oldest_days,
                "oldest_title": p.oldest_title,
                "oldest_cluster": p.oldest_cluster,
            }
            for p in r.pending
        ],
        "decisions": r.decisions,
        "licenses": r.licenses,
        "tasks": r.tasks,
        "open_tasks": r.open_tasks,
        "overdue": r.overdue,
        "overdue_by_agency": [
            {"agency": a, "label": agency_name(t, a), "count": n} for a, n in r.overdue_by_agency
        ],
        "overdue_by_cluster": [
            {"cluster": name, "count": n} for _, name, n in r.overdue_by_cluster
        ],
        "monitored": r.monitored,
        "expected_reports": r.expected_reports,
        "received_reports": r.received_reports,
        "meetings": r.meetings,
        "meeting_decisions": r.meeting_decisions,
    }


def _ranked(t: Translator, ranked: Ranked) -> Json:
    f = ranked.figures
    return {
        "rank": ranked.rank,
        "group": f.group,
        "name": t.plain(f"working_groups.{f.group}"),
        "score": f.score,
        "on_time_percent": f.on_time_percent,
        "reporting_percent": f.reporting_percent,
    }


def status_report(t: Translator, report: StatusReport, parts: Sequence[str]) -> Json:
    period = report.period
    return {
        "period": {
            "preset": period.preset.value,
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "from_jalali": day(t, period.start),
            "to_jalali": day(t, period.end),
            "label": plain(report_views.period_line(t, period)),
        },
        "generated_jalali": moment(t, report.generated_at),
        "is_country": report.is_country,
        "total": _group_report(t, report.total),
        "groups": [_group_report(t, g) for g in report.groups],
        "ranking": [_ranked(t, r) for r in report.ranking],
        "text": "\n\n".join(plain(p) for p in parts),
    }


def country(t: Translator, report: StatusReport) -> Json:
    return {
        "groups": [
            {
                "code": g.group,
                "name": t.plain(f"working_groups.{g.group}"),
                "clusters": g.clusters,
                "open_tasks": g.open_tasks,
                "overdue": g.overdue,
                "pending": sum(p.count for p in g.pending),
            }
            for g in report.groups
        ],
        "ranking": [_ranked(t, r) for r in report.ranking],
    }


# --- members ----------------------------------------------------------------------------------


def _agency_of(t: Translator, m: Member) -> str:
    return m.agency_other or t.plain(f"agencies.{m.agency_code}")


def member(t: Translator, m: Member) -> Json:
    return {
        "id": m.id,
        "full_name": m.full_name,
        "role": m.role.value,
        "role_label": t.plain(f"roles.{m.role.value}"),
        "agency": m.agency_code,
        "agency_label": _agency_of(t, m),
        "username": m.username,
    }


def application(t: Translator, m: Member) -> Json:
    return {
        "id": m.id,
        "full_name": m.full_name,
        "agency_label": _agency_of(t, m),
        "applied_on": m.applied_at.date().isoformat(),
        "applied_jalali": moment(t, m.applied_at),
        "decisions": [d.value for d in MemberDecision],
    }


# --- the calendar -----------------------------------------------------------------------------


def holidays(
    t: Translator, calendar: HolidayCalendar, start: datetime.date, end: datetime.date
) -> Json:
    """The days off between two dates (both included), for the date picker."""
    days: list[Json] = []
    on = start
    while on <= end:
        closure = calendar.closure_on(on)
        named = calendar.holidays_on(on)
        kind = None
        name = ""
        if closure is not None:
            kind, name = "closure", closure.reason
        elif named:
            kind, name = "holiday", "، ".join(h.name(t.locale) for h in named)
        elif calendar.is_official_holiday(on):
            kind = "holiday"
        elif calendar.is_weekend(on):
            kind = "weekend"
        if kind is not None:
            days.append({"on": on.isoformat(), "jalali": day(t, on), "name": name, "kind": kind})
        on += datetime.timedelta(days=1)
    return {"days": days}
