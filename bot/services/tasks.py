"""Service functions for tasks: create, instantiate a template, report, comment, manage.

They take plain values and an open unit of work and return what happened; handlers render it
and queue the resulting notifications in the same transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from bot.domain import tasks as rules
from bot.domain.clusters import Cluster, name_matches
from bot.domain.members import Actor, Member, MemberStatus, Role
from bot.domain.submissions import PackageItem, Submission
from bot.domain.tasks import ListedTask, Report, Task, TaskEvent, TaskFile, TaskRefused, TaskStatus
from bot.domain.templates import Template, item_window
from bot.domain.working_groups import CENTRAL
from bot.services.members import review_chats
from bot.services.submissions import NewAttachment
from bot.storage.tasks import NewTask
from bot.storage.uow import UnitOfWork

# A picker is one message of buttons: enough clusters for a province, few enough to scan.
PICKED_CLUSTERS = 40
# What the assignees are told of, folded (see `rules.CHANGE_FOLD`).
NOTIFIED_CHANGES = frozenset({"due_changed", "edited", "comment"})


class TaskConflict(Exception):
    """The task kept changing under a report; the update is rolled back and may be retried."""


@dataclass(frozen=True)
class TaskOutcome:
    # "done" (the action happened) or why not (a refusal reason, a locale key).
    result: str
    task: Task | None
    # Set when a report completed the whole task, i.e. the last assignee reported done.
    completed: bool = False
    # Reassignment: the member ids given the task now who did not have it before.
    newcomers: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Instantiated:
    created: int
    # Items whose agency has no representative: assigned to the secretariat and flagged.
    flagged: list[str] = field(default_factory=list)
    task_ids: list[int] = field(default_factory=list)
    # The tasks as made, with their assignees: whom to tell.
    tasks: list[Task] = field(default_factory=list)


async def _assignable(
    uow: UnitOfWork,
    working_group: str,
    agencies: tuple[str, ...],
    roles: tuple[str, ...],
    cda_member_id: int | None,
) -> list[tuple[int, str | None]]:
    """Who acts for these agencies and roles in the working group: (member id, agency)."""
    people: list[tuple[int, str | None]] = []
    for agency in agencies:
        people += [
            (m.id, agency) for m in await uow.members.representatives(agency, (working_group,))
        ]
    for role in roles:
        if role == "cda" and cda_member_id is not None:
            people.append((cda_member_id, None))
        elif role in (Role.SECRETARY.value, Role.CHAIR.value):
            # A task outlives a leave: it is the officer's own, not their substitute's.
            holders = await uow.members.with_role(working_group, Role(role), in_person=True)
            people += [(m.id, None) for m in holders]
    # One share per person: someone may be named both as an agency's representative and by
    # role; the agency is the more telling label, and it comes first.
    first: dict[int, str | None] = {}
    for member_id, agency in people:
        first.setdefault(member_id, agency)
    return list(first.items())


async def _secretariat(uow: UnitOfWork, working_group: str) -> list[tuple[int, str | None]]:
    secretaries = await uow.members.with_role(working_group, Role.SECRETARY, in_person=True)
    return [(m.id, None) for m in secretaries]


async def create_task(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cluster_id: int,
    title: str,
    description: str | None,
    due_on: datetime.date | None,
    assignee_ids: list[int],
    now: datetime.datetime,
) -> TaskOutcome:
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        return TaskOutcome("cluster_gone", None)
    refusal = rules.manage_refusal(actor, cluster.working_group)
    if refusal is not None:
        await uow.audit.record(actor.user_id, "task.create", refusal, "cluster", cluster_id)
        return TaskOutcome(refusal, None)
    members = [await uow.members.get(i) for i in assignee_ids]
    if any(m is None or m.status is not MemberStatus.APPROVED for m in members):
        return TaskOutcome("not_a_member", None)
    task_id = await uow.tasks.create(
        NewTask(
            title=title,
            cluster_id=cluster_id,
            description=description,
            due_on=due_on,
            needs_assignee=not assignee_ids,
        ),
        actor.user_id,
        now,
    )
    for member in members:
        assert member is not None
        await uow.tasks.add_assignee(task_id, member.id, member.agency_code, now)
    await uow.tasks.add_event(task_id, now, actor.user_id, actor.display_name, "created")
    return TaskOutcome("done", await uow.tasks.get(task_id))


async def instantiate(
    uow: UnitOfWork,
    actor: Actor,
    template: Template,
    cluster_id: int,
    project_start: datetime.date,
    now: datetime.datetime,
) -> tuple[str, Instantiated | None]:
    """Every item of the template becomes a task with Jalali dates from its month window."""
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        return "cluster_gone", None
    refusal = rules.manage_refusal(actor, cluster.working_group)
    if refusal is not None:
        await uow.audit.record(
            actor.user_id, "template.instantiate", refusal, "cluster", cluster_id
        )
        return refusal, None
    if await uow.tasks.from_template(cluster.id, template.code):
        # A second run would give everyone every task twice.
        return "plan_already_applied", None
    secretariat = await _secretariat(uow, cluster.working_group)
    flagged: list[str] = []
    task_ids: list[int] = []
    for item in template.items:
        start_month, end_month = item_window(template, item)
        start_on, due_on = rules.phase_window(project_start, start_month, end_month)
        people = await _assignable(
            uow, cluster.working_group, item.agencies, item.roles, cluster.cda_member_id
        )
        if not people:
            flagged.append(item.code)
            people = secretariat
        task_id = await uow.tasks.create(
            NewTask(
                title=item.title,
                cluster_id=cluster.id,
                code=item.code,
                description=item.description,
                phase=item.phase,
                start_on=start_on,
                due_on=due_on,
                needs_assignee=item.code in flagged,
                template_item_id=await uow.templates.item_id(template.code, item.code),
            ),
            actor.user_id,
            now,
        )
        for member_id, agency in people:
            await uow.tasks.add_assignee(task_id, member_id, agency, now)
        task_ids.append(task_id)
        await uow.tasks.add_event(
            task_id,
            now,
            actor.user_id,
            actor.display_name,
            "created",
            details={"template": template.code},
        )
    await uow.audit.record(
        actor.user_id,
        "template.instantiate",
        "done",
        "cluster",
        cluster_id,
        {"template": template.code, "tasks": len(template.items), "flagged": flagged},
    )
    made = await uow.tasks.made_from_template(cluster.id, template.code)
    return "done", Instantiated(len(template.items), flagged, task_ids, made)


async def tasks_from_package(
    uow: UnitOfWork, submission: Submission, items: list[PackageItem], now: datetime.datetime
) -> list[Task]:
    """F12: an approved support package gives each named agency a task for its part."""
    created = []
    groups = tuple(dict.fromkeys((submission.cluster_group, CENTRAL)))
    for item in items:
        if await uow.tasks.by_package_item(item.id) is not None:
            continue
        people = [
            (m.id, item.agency_code)
            for m in await uow.members.representatives(item.agency_code, groups)
        ]
        flagged = not people
        if flagged:
            people = await _secretariat(uow, submission.cluster_group)
        task_id = await uow.tasks.create(
            NewTask(
                title=item.action[:300],
                cluster_id=submission.cluster_id,
                description=submission.title,
                submission_id=submission.id,
                package_item_id=item.id,
                needs_assignee=flagged,
            ),
            0,
            now,
        )
        for member_id, agency in people:
            await uow.tasks.add_assignee(task_id, member_id, agency, now)
        await uow.tasks.add_event(
            task_id, now, 0, "package", "created", details={"submission": submission.id}
        )
        task = await uow.tasks.get(task_id)
        assert task is not None
        created.append(task)
    return created


async def _task_for_assignee(
    uow: UnitOfWork, actor: Actor, task_id: int
) -> tuple[Task | None, str | None]:
    task = await uow.tasks.get(task_id)
    if task is None:
        return None, "task_gone"
    refusal = rules.report_refusal(actor, task.assignee_ids, task.status)
    if refusal == "not_assignee":
        await uow.audit.record(actor.user_id, "task.report", refusal, "task", task_id)
    return task, refusal


async def report(
    uow: UnitOfWork,
    actor: Actor,
    task_id: int,
    what: Report,
    now: datetime.datetime,
    comment: str | None = None,
) -> TaskOutcome:
    task, refusal = await _task_for_assignee(uow, actor, task_id)
    if refusal is not None:
        return TaskOutcome(refusal, task)
    assert task is not None and actor.member is not None
    mine = next(a for a in task.assignees if a.member_id == actor.member.id)
    try:
        new_state = rules.apply_report(mine.state, what)
    except TaskRefused as refused:
        return TaskOutcome(refused.reason, task)
    await uow.tasks.set_assignee_state(task.id, new_state, now)
    # Two assignees may report at the same moment: recompute the task's status from every
    # share as stored now, and retry if another report moved the task in between, so the
    # last "done" always completes the task.
    for _ in range(3):
        fresh = await uow.tasks.get(task.id)
        assert fresh is not None
        status = rules.overall_status([a.state for a in fresh.assignees])
        if await uow.tasks.update(task.id, fresh.version, status=status):
            break
    else:
        raise TaskConflict(task.id)
    await uow.tasks.add_event(
        task.id,
        now,
        actor.user_id,
        actor.display_name,
        what.value,
        comment,
        {"progress": new_state.progress},
    )
    completed = status is TaskStatus.DONE and fresh.status is not TaskStatus.DONE
    return TaskOutcome("done", await uow.tasks.get(task.id), completed)


async def comment(
    uow: UnitOfWork, actor: Actor, task_id: int, text: str, now: datetime.datetime
) -> TaskOutcome:
    task = await uow.tasks.get(task_id)
    if task is None:
        return TaskOutcome("task_gone", None)
    refusal = rules.view_refusal(actor, task.working_group, task.assignee_ids)
    if refusal is not None:
        return TaskOutcome(refusal, task)
    await uow.tasks.add_event(task.id, now, actor.user_id, actor.display_name, "comment", text)
    return TaskOutcome("done", task)


async def add_evidence(
    uow: UnitOfWork, actor: Actor, task_id: int, file: NewAttachment, now: datetime.datetime
) -> TaskOutcome:
    task, refusal = await _task_for_assignee(uow, actor, task_id)
    if refusal is not None:
        return TaskOutcome(refusal, task)
    await uow.tasks.add_file(
        task_id,
        file.file_id,
        file.file_unique_id,
        file.file_name,
        file.mime_type or "application/octet-stream",
        file.size,
        actor.user_id,
        now,
    )
    await uow.tasks.add_event(
        task_id, now, actor.user_id, actor.display_name, "evidence", file.file_name
    )
    return TaskOutcome("done", task)


async def _managed(
    uow: UnitOfWork, actor: Actor, task_id: int, action: str
) -> tuple[Task | None, str | None]:
    task = await uow.tasks.get(task_id)
    if task is None:
        return None, "task_gone"
    refusal = rules.manage_refusal(actor, task.working_group)
    if refusal is not None:
        await uow.audit.record(actor.user_id, f"task.{action}", refusal, "task", task_id)
    return task, refusal


async def managed_task(uow: UnitOfWork, actor: Actor, task_id: int, action: str) -> TaskOutcome:
    """The task, if this person may manage it (reassign, reschedule, edit)."""
    task, refusal = await _managed(uow, actor, task_id, action)
    return TaskOutcome(refusal or "done", task)


async def reassign(
    uow: UnitOfWork, actor: Actor, task_id: int, member_ids: list[int], now: datetime.datetime
) -> TaskOutcome:
    task, refusal = await _managed(uow, actor, task_id, "reassign")
    if refusal is not None:
        return TaskOutcome(refusal, task)
    assert task is not None
    members: list[Member] = []
    for member_id in member_ids:
        member = await uow.members.get(member_id)
        if member is None or member.status is not MemberStatus.APPROVED:
            return TaskOutcome("not_a_member", task)
        members.append(member)
    # Whoever stays keeps the share they reported; the task's status follows the new shares.
    shares = rules.reassigned_shares([a.state for a in task.assignees], [m.id for m in members])
    status = rules.overall_status(shares, cancelled=task.status is TaskStatus.CANCELLED)
    # The version check first: if someone changed the task meanwhile, nothing is replaced.
    if not await uow.tasks.update(task.id, task.version, status=status, needs_assignee=not members):
        return TaskOutcome("task_changed", await uow.tasks.get(task.id))
    await uow.tasks.replace_assignees(task.id, [(m.id, m.agency_code) for m in members], now)
    await uow.tasks.add_event(
        task.id,
        now,
        actor.user_id,
        actor.display_name,
        "reassigned",
        ", ".join(m.full_name for m in members),
        {"members": member_ids},
    )
    newcomers = frozenset(m.id for m in members) - task.assignee_ids
    return TaskOutcome("done", await uow.tasks.get(task.id), newcomers=newcomers)


async def cancel(
    uow: UnitOfWork, actor: Actor, task_id: int, reason: str, now: datetime.datetime
) -> TaskOutcome:
    """The secretariat calls a task off: it leaves the reminders, the open lists and the
    overdue counts (`TaskStatus.is_closed`); the assignees' shares are kept for a reopening."""
    task, refusal = await _managed(uow, actor, task_id, "cancel")
    if refusal is not None:
        return TaskOutcome(refusal, task)
    assert task is not None
    refusal = rules.cancel_refusal(task.status)
    if refusal is not None:
        return TaskOutcome(refusal, task)
    if not await uow.tasks.update(task.id, task.version, status=TaskStatus.CANCELLED):
        return TaskOutcome("task_changed", await uow.tasks.get(task.id))
    await uow.tasks.add_event(task.id, now, actor.user_id, actor.display_name, "cancelled", reason)
    return TaskOutcome("done", await uow.tasks.get(task.id))


async def reopen(
    uow: UnitOfWork, actor: Actor, task_id: int, now: datetime.datetime
) -> TaskOutcome:
    """A cancelled task is open again, its status once more the one its shares give."""
    task, refusal = await _managed(uow, actor, task_id, "reopen")
    if refusal is not None:
        return TaskOutcome(refusal, task)
    assert task is not None
    refusal = rules.reopen_refusal(task.status)
    if refusal is not None:
        return TaskOutcome(refusal, task)
    status = rules.overall_status([a.state for a in task.assignees])
    if not await uow.tasks.update(task.id, task.version, status=status):
        return TaskOutcome("task_changed", await uow.tasks.get(task.id))
    await uow.tasks.add_event(task.id, now, actor.user_id, actor.display_name, "reopened")
    return TaskOutcome("done", await uow.tasks.get(task.id))


async def folded_changes(uow: UnitOfWork, task_id: int, now: datetime.datetime) -> list[TaskEvent]:
    """The changes the assignees hear of in one notice (see `ui.tasks.tell_changes`): those
    made in the fold window `now` falls in."""
    since, _ = rules.change_window(now)
    return [
        e for e in await uow.tasks.events(task_id) if e.action in NOTIFIED_CHANGES and e.at >= since
    ]


async def change_due(
    uow: UnitOfWork, actor: Actor, task_id: int, due_on: datetime.date, now: datetime.datetime
) -> TaskOutcome:
    task, refusal = await _managed(uow, actor, task_id, "due")
    if refusal is not None:
        return TaskOutcome(refusal, task)
    assert task is not None
    if not await uow.tasks.update(task.id, task.version, due_on=due_on):
        return TaskOutcome("task_changed", await uow.tasks.get(task.id))
    await uow.tasks.add_event(
        task.id,
        now,
        actor.user_id,
        actor.display_name,
        "due_changed",
        details={
            "from": task.due_on.isoformat() if task.due_on else None,
            "to": due_on.isoformat(),
        },
    )
    return TaskOutcome("done", await uow.tasks.get(task.id))


async def edit(
    uow: UnitOfWork,
    actor: Actor,
    task_id: int,
    now: datetime.datetime,
    *,
    title: str | None = None,
    description: str | None = None,
) -> TaskOutcome:
    task, refusal = await _managed(uow, actor, task_id, "edit")
    if refusal is not None:
        return TaskOutcome(refusal, task)
    assert task is not None
    changes = {k: v for k, v in (("title", title), ("description", description)) if v is not None}
    if not await uow.tasks.update(task.id, task.version, **changes):
        return TaskOutcome("task_changed", await uow.tasks.get(task.id))
    before = {k: getattr(task, k) for k in changes}
    await uow.tasks.add_event(
        task.id,
        now,
        actor.user_id,
        actor.display_name,
        "edited",
        details={"before": before, "after": changes},
    )
    return TaskOutcome("done", await uow.tasks.get(task.id))


async def my_tasks(uow: UnitOfWork, actor: Actor, today: datetime.date) -> list[Task]:
    if actor.member is None:
        return []
    tasks = await uow.tasks.of_member(actor.member.id)
    return sorted(tasks, key=lambda t: rules.my_tasks_order(t.due_on, t.status, today, t.id))


# The late tasks /overdue names under each agency; the rest are counted.
OVERDUE_SHOWN = 5


async def overdue(
    uow: UnitOfWork,
    groups: tuple[str, ...] | None,
    today: datetime.date,
    cluster_id: int | None = None,
    phase: int | None = None,
) -> list[Task]:
    tasks = await uow.tasks.of_groups(groups, cluster_id)
    return [
        t
        for t in tasks
        if rules.is_overdue(t.due_on, t.status, today) and (phase is None or t.phase == phase)
    ]


@dataclass(frozen=True)
class OverdueReport:
    """/overdue: how many tasks are late, each agency's count, and the oldest few of each
    (`tasks` holds those, by id)."""

    total: int
    agencies: list[rules.LateByAgency]
    tasks: dict[int, Task]

    def shown(self) -> list[Task]:
        """The tasks named, each once, in the order they first appear."""
        ids = dict.fromkeys(i for part in self.agencies for i in part.shown)
        return [self.tasks[i] for i in ids if i in self.tasks]


async def overdue_of(
    uow: UnitOfWork,
    actor: Actor,
    today: datetime.date,
    *,
    cluster_query: str | None = None,
    phase: int | None = None,
    shown_per_agency: int = OVERDUE_SHOWN,
) -> OverdueReport:
    """/overdue: the late tasks of the groups this person's secretariat lists, optionally of
    the clusters whose name matches and of one plan phase, counted per agency; only the few
    named are read in full."""
    candidates = await uow.tasks.late_candidates(rules.listed_groups(actor), today, phase)
    late = [
        rules.LateTask(x.id, x.due_on, tuple(rules.late_agencies(x.shares)))
        for x in candidates
        if x.due_on is not None
        and rules.is_overdue(x.due_on, x.status, today)
        and (not cluster_query or name_matches(x.cluster_name, cluster_query))
    ]
    agencies = rules.overdue_by_agency(late, shown_per_agency)
    named = {i for part in agencies for i in part.shown}
    tasks = {task.id: task for task in await uow.tasks.by_ids(named)}
    return OverdueReport(len(late), agencies, tasks)


# --- what the card and the lists show ----------------------------------------------------------


async def visible_task(uow: UnitOfWork, actor: Actor, task_id: int) -> TaskOutcome:
    """The task, if this person may open its card."""
    task = await uow.tasks.get(task_id)
    if task is None:
        return TaskOutcome("task_gone", None)
    refusal = rules.view_refusal(actor, task.working_group, task.assignee_ids)
    return TaskOutcome(refusal or "done", task)


async def history(
    uow: UnitOfWork, actor: Actor, task_id: int
) -> tuple[TaskOutcome, list[TaskEvent]]:
    outcome = await visible_task(uow, actor, task_id)
    if outcome.result != "done" or outcome.task is None:
        return outcome, []
    return outcome, await uow.tasks.events(task_id)


async def evidence(
    uow: UnitOfWork, actor: Actor, task_id: int
) -> tuple[TaskOutcome, list[TaskFile]]:
    outcome = await visible_task(uow, actor, task_id)
    if outcome.result != "done" or outcome.task is None:
        return outcome, []
    return outcome, await uow.tasks.files(task_id)


async def input_refusal(uow: UnitOfWork, actor: Actor, task_id: int, action: str) -> str | None:
    """Why this person may not start typing for this card button (see `rules.input_refusal`);
    an attempt on someone else's task is audited."""
    refusal = rules.input_refusal(actor, action, await uow.tasks.get(task_id))
    if refusal in ("not_assignee", "secretaries_only"):
        await uow.audit.record(actor.user_id, f"task.{action}", refusal, "task", task_id)
    return refusal


@dataclass(frozen=True)
class TaskPage:
    """One page of a person's /tasks, and where it stands among them all."""

    tasks: list[ListedTask]
    total: int
    page: int
    pages: int


async def my_task_page(
    uow: UnitOfWork,
    actor: Actor,
    today: datetime.date,
    view: str,
    cluster_id: int = 0,
    *,
    page: int = 0,
    size: int,
) -> TaskPage:
    """A person's tasks in one /tasks filter (see `rules.in_view`), of one cluster or all (0),
    page `page` of `size`, from one narrow read of every task they hold."""
    if actor.member is None:
        return TaskPage([], 0, 0, 1)
    listed = await uow.tasks.listed_of_member(actor.member.id)
    chosen = rules.my_list_page(listed, view, cluster_id, today, page, size)
    return TaskPage(list(chosen.shown), chosen.total, chosen.page, chosen.pages)


async def my_cluster(uow: UnitOfWork, actor: Actor, today: datetime.date, query: str) -> int | None:
    """The one cluster among a person's tasks whose name matches; None if none or several."""
    mine = await my_tasks(uow, actor, today)
    matching = {x.cluster_id for x in mine if name_matches(x.cluster_name, query)}
    return matching.pop() if len(matching) == 1 else None


async def secretariat_chats(
    uow: UnitOfWork, working_group: str, superusers: frozenset[int], default_locale: str
) -> list[tuple[int, str]]:
    """Where the secretariat hears about a blocked or completed task, each with its language."""
    return [
        (chat, locale or default_locale)
        for chat, locale in await review_chats(uow, working_group, superusers)
    ]


async def assignable_members(uow: UnitOfWork, working_group: str) -> list[Member]:
    """Whom a task of this group may be given to: its approved members."""
    return await uow.members.in_group(working_group, MemberStatus.APPROVED)


# --- new tasks and plans: which cluster, which template ------------------------------------------


async def manageable_clusters(uow: UnitOfWork, actor: Actor) -> list[Cluster]:
    """The clusters this person may create tasks for, for a picker."""
    listed, _ = await uow.clusters.page(rules.listed_groups(actor), None, 0, 200)
    # Tasks are managed by the cluster's own province; list only what this person may manage.
    return [c for c in listed if rules.manage_refusal(actor, c.working_group) is None][
        :PICKED_CLUSTERS
    ]


async def managed_cluster(
    uow: UnitOfWork, actor: Actor, cluster_id: int
) -> tuple[str | None, Cluster | None]:
    """(None, the cluster) if this person may create its tasks, else (why not, the cluster)."""
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        return "cluster_gone", None
    return rules.manage_refusal(actor, cluster.working_group), cluster


async def templates(uow: UnitOfWork) -> list[tuple[str, str, str, int]]:
    """(code, name, kind, item count) of every plan template."""
    return await uow.templates.list()


async def template(uow: UnitOfWork, code: str) -> Template | None:
    return await uow.templates.get(code)


# --- the secretariat's board -------------------------------------------------------------------


@dataclass(frozen=True)
class Board:
    """One page of the board, and what its pickers offer (taken from every task of the
    groups, so that a filter never offers a choice that shows nothing in every case)."""

    tasks: list[Task]
    # How many tasks pass the filters, and where this page starts among them.
    total: int
    offset: int
    agencies: list[str]
    clusters: list[tuple[int, str]]
    people: list[tuple[int, str]]


async def board(
    uow: UnitOfWork,
    actor: Actor,
    today: datetime.date,
    shown: rules.BoardFilter,
    group: str | None = None,
    *,
    offset: int = 0,
    limit: int,
    clamp: bool = False,
) -> Board | None:
    """A page of the tasks of the groups this person's secretariat lists (a superuser's and
    the central secretariat's: all), filtered; None for someone who manages no group. `group`
    narrows the board to one of those groups (the dashboard's province picker); a group this
    person does not list gives None, as if they managed none. Every task is read only as its
    place (`BoardPlace`); the page's tasks in full."""
    groups = rules.listed_groups(actor)
    if groups is not None and not groups:
        return None
    if group is not None:
        if groups is not None and group not in groups:
            return None
        groups = (group,)
    places = await uow.tasks.board_places(groups)
    page = rules.board_page(places, shown, today, offset, limit, clamp=clamp)
    by_id = {task.id: task for task in await uow.tasks.by_ids(page.ids)}
    tasks = [by_id[task_id] for task_id in page.ids if task_id in by_id]
    agencies = sorted({code for place in places if place.assignee_ids for code in place.agencies})
    clusters, people = await uow.tasks.board_choices(groups)
    return Board(tasks, page.total, page.offset, agencies, clusters, people)
