"""Tasks, their assignees, history and evidence; rows become `bot.domain.tasks` values."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.tasks import (
    CLOSED_STATUSES,
    UNASSIGNED_AGENCIES,
    Assignee,
    AssigneeState,
    BoardPlace,
    ListedTask,
    Task,
    TaskEvent,
    TaskFile,
    TaskStatus,
    board_agency,
    mean_progress,
)
from bot.storage.models import (
    ClusterRow,
    MemberRow,
    TaskAssigneeRow,
    TaskAttachmentRow,
    TaskEventRow,
    TaskRow,
    TaskTemplateRow,
    TemplateItemRow,
    WorkingGroupRow,
)
from bot.storage.records import record_type


@dataclass(frozen=True)
class NewTask:
    title: str
    cluster_id: int
    code: str | None = None
    description: str | None = None
    submission_id: int | None = None
    package_item_id: int | None = None
    template_item_id: int | None = None
    phase: int | None = None
    start_on: datetime.date | None = None
    due_on: datetime.date | None = None
    needs_assignee: bool = False


class LateCandidate(NamedTuple):
    """A task that may be late (open, due before a day), as /overdue reads it."""

    id: int
    due_on: datetime.date | None
    status: TaskStatus
    cluster_name: str
    # Each assignee's (agency code, status).
    shares: list[tuple[str | None, TaskStatus]]


_T = TaskRow.__table__
_A = TaskAssigneeRow.__table__
_M = MemberRow.__table__
_C = ClusterRow.__table__
_G = WorkingGroupRow.__table__

# Plain columns, not ORM objects: a task list, a card and the scheduler turn every row into a
# `Task` at once, so the session's identity map and change tracking would be pure cost (and
# every read is fresh).
_TASKS = select(*_T.c, _C.c.name.label("cluster_name"), _G.c.code.label("group_code")).select_from(
    _T.join(_C, _T.c.cluster_id == _C.c.id).join(_G, _C.c.working_group_id == _G.c.id)
)
_ASSIGNEES = (
    select(
        _A.c.task_id, _A.c.member_id, _M.c.user_id, _M.c.full_name, _M.c.locale,
        _A.c.agency_code, _A.c.status, _A.c.progress,
    )
    .select_from(_A.join(_M, _A.c.member_id == _M.c.id))
    .order_by(_A.c.id)
)  # fmt: skip
# What a card button reads on every press, built once: building a statement (and
# its cache key) costs more CPU than the database spends running it.
# A task's row once per assignee (once, with NULLs, when it has none), in assignee order.
_TASKS_JOINED = (
    _TASKS.add_columns(
        _A.c.member_id.label("a_member_id"), _M.c.user_id.label("a_user_id"),
        _M.c.full_name.label("a_name"), _M.c.locale.label("a_locale"),
        _A.c.agency_code.label("a_agency"), _A.c.status.label("a_status"),
        _A.c.progress.label("a_progress"),
    )
    .outerjoin(_A, _A.c.task_id == _T.c.id)
    .outerjoin(_M, _A.c.member_id == _M.c.id)
    .order_by(_T.c.id, _A.c.id)
)  # fmt: skip
# Every statement here that reads whole tasks selects these columns, in this order.
_TaskRecord = record_type(_TASKS, "TaskRecord")
_JoinedTaskRecord = record_type(_TASKS_JOINED, "JoinedTaskRecord")
_ONE_TASK_JOINED = _TASKS_JOINED.where(_T.c.id == bindparam("task_id"))
_TASKS_BY_IDS_JOINED = _TASKS_JOINED.where(_T.c.id.in_(bindparam("ids", expanding=True)))
_MEMBER_TASK_IDS = select(_A.c.task_id).where(_A.c.member_id == bindparam("member_id"))
_MEMBER_TASKS = _TASKS.where(_T.c.id.in_(_MEMBER_TASK_IDS))
# A member's tasks as their /tasks list holds them, a row per task with its assignees' progress
# summed and counted (`mean_progress`): one statement for the list, where a narrow read of every
# task and then a full read of the page's took two, and the second joined clusters, provinces
# and people that a list line never shows. The member's task ids are `_MEMBER_TASK_IDS` kept
# uncorrelated: its own task_assignees, not the assignees being summed.
_MEMBER_TASK_LINES = (
    select(
        _T.c.id, _T.c.due_on, _T.c.status, _T.c.cluster_id, _T.c.code, _T.c.title,
        func.sum(_A.c.progress), func.count(),
    )
    .select_from(_T.join(_A, _A.c.task_id == _T.c.id))
    .where(_T.c.id.in_(_MEMBER_TASK_IDS.correlate(None)))
    .group_by(_T.c.id)
)  # fmt: skip
_MEMBER_TASK_ASSIGNEES = _ASSIGNEES.where(_A.c.task_id.in_(_MEMBER_TASK_IDS))


def _task(t: Any, assignees: tuple[Assignee, ...]) -> Task:
    """A `Task` from a row of `_TASKS` (or of `_TASKS_JOINED`) and its assignees."""
    return Task(
        id=t.id,
        code=t.code,
        title=t.title,
        description=t.description,
        cluster_id=t.cluster_id,
        cluster_name=t.cluster_name,
        working_group=t.group_code,
        submission_id=t.submission_id,
        package_item_id=t.package_item_id,
        phase=t.phase,
        start_on=t.start_on,
        due_on=t.due_on,
        status=_STATUS[t.status],
        needs_assignee=t.needs_assignee,
        created_at=t.created_at,
        version=t.version,
        assignees=assignees,
    )


def _in_groups(groups: tuple[str, ...] | None) -> list[Any]:
    """The condition on a task's group (at most the 32 groups); none for every group."""
    return [] if groups is None else [_G.c.code.in_(groups)]


def _by_name(rows: Iterable[Any]) -> list[tuple[int, str]]:
    return sorted(((i, name) for i, name in rows), key=lambda row: (row[1], row[0]))


# The board: a task and its group, for the group condition its reads share.
_BOARD_SCOPE = _T.join(_C, _T.c.cluster_id == _C.c.id).join(_G, _C.c.working_group_id == _G.c.id)
_BOARD_TASKS = select(_T.c.id, _T.c.due_on, _T.c.status, _T.c.cluster_id).select_from(_BOARD_SCOPE)
_BOARD_ASSIGNEES = (
    select(_A.c.task_id, _A.c.member_id, _A.c.agency_code)
    .select_from(_BOARD_SCOPE.join(_A, _A.c.task_id == _T.c.id))
    .order_by(_A.c.id)
)
# Statuses by their stored text: a dictionary look-up, where calling the enum per row of the
# whole country's tasks showed in the profile.
_STATUS = {s.value: s for s in TaskStatus}


class TaskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, task: NewTask, created_by: int, now: datetime.datetime) -> int:
        row = TaskRow(
            code=task.code,
            title=task.title,
            description=task.description,
            cluster_id=task.cluster_id,
            submission_id=task.submission_id,
            package_item_id=task.package_item_id,
            template_item_id=task.template_item_id,
            phase=task.phase,
            start_on=task.start_on,
            due_on=task.due_on,
            status=TaskStatus.TODO.value,
            needs_assignee=task.needs_assignee,
            created_at=now,
            created_by_user_id=created_by,
            version=1,
        )
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def add_assignee(
        self, task_id: int, member_id: int, agency_code: str | None, now: datetime.datetime
    ) -> None:
        self._session.add(
            TaskAssigneeRow(
                task_id=task_id,
                member_id=member_id,
                agency_code=agency_code,
                status=TaskStatus.TODO.value,
                progress=0,
                updated_at=now,
            )
        )

    async def replace_assignees(
        self, task_id: int, members: Iterable[tuple[int, str | None]], now: datetime.datetime
    ) -> None:
        """Make these the task's assignees; whoever stays keeps their row, and so the share
        they reported (see `rules.reassigned_shares`)."""
        wanted = dict(members)
        existing = await self._session.execute(
            select(TaskAssigneeRow).where(TaskAssigneeRow.task_id == task_id)
        )
        staying: set[int] = set()
        for row in existing.scalars():
            if row.member_id in wanted:
                staying.add(row.member_id)
            else:
                await self._session.delete(row)
        await self._session.flush()
        for member_id, agency in wanted.items():
            if member_id not in staying:
                await self.add_assignee(task_id, member_id, agency, now)

    async def set_assignee_state(
        self, task_id: int, state: AssigneeState, now: datetime.datetime
    ) -> None:
        await self._session.execute(
            update(TaskAssigneeRow)
            .where(TaskAssigneeRow.task_id == task_id, TaskAssigneeRow.member_id == state.member_id)
            .values(status=state.status.value, progress=state.progress, updated_at=now)
            .execution_options(synchronize_session=False)
        )

    async def update(self, task_id: int, expected_version: int, **values: Any) -> bool:
        """Change task fields unless someone changed the task first (the version check)."""
        if "status" in values and isinstance(values["status"], TaskStatus):
            values["status"] = values["status"].value
        result = await self._session.execute(
            update(TaskRow)
            .where(TaskRow.id == task_id, TaskRow.version == expected_version)
            .values(version=expected_version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    # --- reading ------------------------------------------------------------------------

    def _select(self) -> Select[Any]:
        return _TASKS

    async def _load(
        self,
        query: Select[Any],
        params: dict[str, Any] | None = None,
        assignees_query: Select[Any] | None = None,
    ) -> list[Task]:
        """The tasks `query` (a `_select()` with conditions) finds, with their assignees.

        The assignees are found by the same conditions as a subquery, not by a list of ids:
        the scheduler loads every task, and a list of thousands of parameters is what the
        database plans worst. The hot reads pass both statements prebuilt, with `params`.
        """
        rows = list(map(_TaskRecord._make, await self._session.execute(query, params)))
        if not rows:
            return []
        if assignees_query is None:
            chosen = query.with_only_columns(_T.c.id).order_by(None)
            assignees_query = _ASSIGNEES.where(_A.c.task_id.in_(chosen))
        assignees: dict[int, list[Assignee]] = defaultdict(list)
        result = await self._session.execute(assignees_query, params)
        for task_id, member_id, user_id, name, locale, agency, status, progress in result.all():
            assignees[task_id].append(
                Assignee(member_id, user_id, name, locale, agency, _STATUS[status], progress)
            )
        return [_task(t, tuple(assignees[t.id])) for t in rows]

    async def _load_joined(self, query: Select[Any], params: dict[str, Any]) -> list[Task]:
        """A few tasks with their assignees in one statement (a row per assignee): what a
        card button reads on every press, where a second statement costs more than the task
        columns it repeats."""
        tasks: list[Task] = []
        current: Any = None
        assignees: list[Assignee] = []
        for row in map(_JoinedTaskRecord._make, await self._session.execute(query, params)):
            if current is None or row.id != current.id:
                if current is not None:
                    tasks.append(_task(current, tuple(assignees)))
                current, assignees = row, []
            if row.a_member_id is not None:
                assignees.append(
                    Assignee(
                        row.a_member_id, row.a_user_id, row.a_name, row.a_locale,
                        row.a_agency, _STATUS[row.a_status], row.a_progress,
                    )
                )  # fmt: skip
        if current is not None:
            tasks.append(_task(current, tuple(assignees)))
        return tasks

    async def get(self, task_id: int) -> Task | None:
        tasks = await self._load_joined(_ONE_TASK_JOINED, {"task_id": task_id})
        return tasks[0] if tasks else None

    async def listed_of_member(self, member_id: int) -> list[ListedTask]:
        """Each of a member's tasks as their list holds it (see `_MEMBER_TASK_LINES`)."""
        rows = await self._session.execute(_MEMBER_TASK_LINES, {"member_id": member_id})
        return [
            ListedTask(i, due_on, _STATUS[status], cluster, code, title, mean_progress(done, n))
            for i, due_on, status, cluster, code, title, done, n in rows.all()
        ]

    async def board_places(self, groups: tuple[str, ...] | None) -> list[BoardPlace]:
        """Where each task of these groups (None: every group) stands on the board: two
        narrow reads, tasks and their assignees, joined by the same group condition. The
        whole country is 100,000 tasks: plain loops, no generator per task."""
        in_groups = _in_groups(groups)
        tasks = await self._session.execute(_BOARD_TASKS.where(*in_groups).order_by(_T.c.id))
        shares = await self._session.execute(_BOARD_ASSIGNEES.where(*in_groups))
        # Lists while reading (a set per task of the whole country is tens of MB more).
        members: dict[int, list[int]] = defaultdict(list)
        agencies: dict[int, list[str]] = defaultdict(list)
        for task_id, member_id, agency in shares:
            members[task_id].append(member_id)
            agencies[task_id].append(board_agency(agency))
        nobody: frozenset[int] = frozenset()
        return [
            BoardPlace(
                task_id,
                due_on,
                _STATUS[status],
                cluster_id,
                frozenset(members[task_id]) if task_id in members else nobody,
                frozenset(agencies[task_id]) if task_id in agencies else UNASSIGNED_AGENCIES,
            )
            for task_id, due_on, status, cluster_id in tasks
        ]

    async def late_candidates(
        self, groups: tuple[str, ...] | None, today: datetime.date, phase: int | None
    ) -> list[LateCandidate]:
        """The open tasks of these groups (None: every group) due before `today`, narrowly:
        id, due date, status, cluster name and each assignee's (agency, status). The caller
        decides which are late (`is_overdue`); this only keeps the rest out of the read."""
        conditions = [
            _T.c.due_on < today,
            _T.c.status.not_in([s.value for s in CLOSED_STATUSES]),
            *_in_groups(groups),
        ]
        if phase is not None:
            conditions.append(_T.c.phase == phase)
        rows = await self._session.execute(
            select(_T.c.id, _T.c.due_on, _T.c.status, _C.c.name, _A.c.agency_code, _A.c.status)
            .select_from(_BOARD_SCOPE.outerjoin(_A, _A.c.task_id == _T.c.id))
            .where(*conditions)
            .order_by(_T.c.id, _A.c.id)
        )
        found: list[LateCandidate] = []
        for task_id, due_on, status, cluster, agency, share in rows.all():
            if not found or found[-1].id != task_id:
                found.append(LateCandidate(task_id, due_on, _STATUS[status], cluster, []))
            if share is not None:
                found[-1].shares.append((agency, _STATUS[share]))
        return found

    async def board_choices(
        self, groups: tuple[str, ...] | None
    ) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
        """The clusters that have tasks in these groups, and the people assigned any, by name:
        what the board's pickers offer."""
        in_groups = _in_groups(groups)
        clusters = await self._session.execute(
            select(_C.c.id, _C.c.name)
            .select_from(_C.join(_G, _C.c.working_group_id == _G.c.id))
            .where(*in_groups, exists().where(_T.c.cluster_id == _C.c.id))
        )
        people = await self._session.execute(
            select(_M.c.id, _M.c.full_name)
            .select_from(
                _BOARD_SCOPE.join(_A, _A.c.task_id == _T.c.id).join(_M, _A.c.member_id == _M.c.id)
            )
            .where(*in_groups)
            .distinct()
        )
        # Sorted here, not by the database, whose collation differs between backends.
        return _by_name(clusters), _by_name(people)

    async def of_member(self, member_id: int) -> list[Task]:
        return await self._load(_MEMBER_TASKS, {"member_id": member_id}, _MEMBER_TASK_ASSIGNEES)

    async def of_groups(
        self, groups: tuple[str, ...] | None, cluster_id: int | None = None
    ) -> list[Task]:
        query = self._select()
        if groups is not None:
            query = query.where(WorkingGroupRow.code.in_(groups))
        if cluster_id is not None:
            query = query.where(TaskRow.cluster_id == cluster_id)
        return await self._load(query.order_by(TaskRow.id))

    async def by_ids(self, task_ids: Iterable[int], chunk: int = 500) -> list[Task]:
        """These tasks, by id, in chunks: a list of ids is never one unbounded IN (...)."""
        ids = sorted(set(task_ids))
        found: list[Task] = []
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            found += await self._load_joined(_TASKS_BY_IDS_JOINED, {"ids": part})
        return found

    async def from_template(self, cluster_id: int, template_code: str) -> bool:
        """Whether the cluster already has tasks made from this template."""
        found = await self._session.execute(
            select(TaskRow.id)
            .join(TemplateItemRow, TaskRow.template_item_id == TemplateItemRow.id)
            .join(TaskTemplateRow, TemplateItemRow.template_id == TaskTemplateRow.id)
            .where(TaskRow.cluster_id == cluster_id, TaskTemplateRow.code == template_code)
            .limit(1)
        )
        return found.first() is not None

    async def made_from_template(self, cluster_id: int, template_code: str) -> list[Task]:
        """The cluster's tasks made from this template, in the order they were made."""
        query = (
            self._select()
            .join(TemplateItemRow, TaskRow.template_item_id == TemplateItemRow.id)
            .join(TaskTemplateRow, TemplateItemRow.template_id == TaskTemplateRow.id)
            .where(TaskRow.cluster_id == cluster_id, TaskTemplateRow.code == template_code)
            .order_by(TaskRow.id)
        )
        return await self._load(query)

    async def by_package_item(self, item_id: int) -> int | None:
        return (
            await self._session.execute(
                select(TaskRow.id).where(TaskRow.package_item_id == item_id)
            )
        ).scalar_one_or_none()

    # --- history and evidence --------------------------------------------------------------

    async def add_event(
        self,
        task_id: int,
        at: datetime.datetime,
        actor_user_id: int,
        actor_name: str,
        action: str,
        comment: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self._session.add(
            TaskEventRow(
                task_id=task_id,
                at=at,
                actor_user_id=actor_user_id,
                actor_name=actor_name,
                action=action,
                comment=comment,
                details=details,
            )
        )

    async def events(self, task_id: int) -> list[TaskEvent]:
        rows = await self._session.execute(
            select(TaskEventRow).where(TaskEventRow.task_id == task_id).order_by(TaskEventRow.id)
        )
        return [
            TaskEvent(e.at, e.actor_name, e.action, e.comment, e.details) for e in rows.scalars()
        ]

    async def add_file(
        self,
        task_id: int,
        file_id: str,
        file_unique_id: str,
        file_name: str,
        mime_type: str,
        size: int,
        user_id: int,
        now: datetime.datetime,
    ) -> None:
        self._session.add(
            TaskAttachmentRow(
                task_id=task_id,
                file_id=file_id,
                file_unique_id=file_unique_id,
                file_name=file_name,
                mime_type=mime_type,
                size=size,
                added_at=now,
                added_by_user_id=user_id,
            )
        )

    async def files(self, task_id: int) -> list[TaskFile]:
        rows = await self._session.execute(
            select(TaskAttachmentRow)
            .where(TaskAttachmentRow.task_id == task_id)
            .order_by(TaskAttachmentRow.id)
        )
        return [TaskFile(f.file_id, f.file_name, f.mime_type, f.size) for f in rows.scalars()]
