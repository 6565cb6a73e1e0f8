"""The dashboard's JSON: plain dicts from domain values, in the member's language (the
`bot/ui/` of the API: handlers never shape a response themselves)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from bot.domain import jalali
from bot.domain import tasks as rules
from bot.domain.members import Actor, can_manage_group, can_see_all
from bot.domain.tasks import Task, TaskEvent, TaskStatus
from bot.i18n import Catalogs, Translator
from bot.platform import PlatformProfile

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
