"""The reminder planner's queries: what is due, found by indexed due dates, and its marks.

Everything here is set-based: one query for the task reminders of a set of groups, not one
per task or member, and lists of ids are cut into chunks (PostgreSQL refuses more than
32,767 parameters; every database plans a long IN list badly).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.schedule import MUTE_TASKS
from bot.domain.submissions import SubmissionKind, SubmissionStatus
from bot.domain.tasks import CLOSED_STATUSES, TaskStatus, mean_progress
from bot.storage.models import (
    ClusterRow,
    MemberMuteRow,
    MemberRow,
    OutboxRow,
    PackageItemRow,
    PlannerMarkRow,
    SnoozeRow,
    SubmissionRow,
    TaskAssigneeRow,
    TaskEventRow,
    TaskRow,
    WorkingGroupRow,
)

# Ids per IN (...): far below every backend's parameter limit.
CHUNK = 500

_CLOSED = sorted(s.value for s in CLOSED_STATUSES)
_STATUSES = {s.value: s for s in TaskStatus}


def chunks(values: Iterable[int | str], size: int = CHUNK) -> Iterable[list]:
    ordered = list(values)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


@dataclass(frozen=True)
class DueAssignment:
    """One assignee who still owes a task that the planner reminds about today."""

    task_id: int
    due_on: datetime.date
    member_id: int
    user_id: int
    locale: str
    working_group: str
    # What the reminder's line and button show of the task, read in the same query.
    code: str | None
    title: str
    status: TaskStatus
    progress: int


@dataclass(frozen=True)
class WaitingInstruction:
    """One agency's part of an approved support package that nobody has acknowledged."""

    item_id: int
    agency_code: str
    action: str
    submission_id: int
    title: str
    cluster_name: str
    working_group: str
    communicated_at: datetime.datetime


@dataclass(frozen=True)
class Mark:
    kind: str
    scope: str
    period: str


class ReminderQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- marks ----------------------------------------------------------------------------

    async def marks(self, periods: Collection[str]) -> dict[Mark, int | None]:
        """Every mark of these periods, with its watermark."""
        found: dict[Mark, int | None] = {}
        for part in chunks(sorted(set(periods))):
            rows = await self._session.execute(
                select(
                    PlannerMarkRow.kind,
                    PlannerMarkRow.scope,
                    PlannerMarkRow.period,
                    PlannerMarkRow.watermark,
                ).where(PlannerMarkRow.period.in_(part))
            )
            for kind, scope, period, watermark in rows.all():
                found[Mark(kind, scope, period)] = watermark
        return found

    async def set_marks(
        self, marks: Iterable[tuple[Mark, int | None]], now: datetime.datetime
    ) -> None:
        """Write (or move the watermark of) these marks in the current transaction."""
        rows = list(marks)
        if not rows:
            return
        for part in chunks(range(len(rows)), 200):
            chosen = [rows[i] for i in part]
            await self._session.execute(
                delete(PlannerMarkRow).where(
                    or_(
                        *(
                            and_(
                                PlannerMarkRow.period == m.period,
                                PlannerMarkRow.kind == m.kind,
                                PlannerMarkRow.scope == m.scope,
                            )
                            for m, _ in chosen
                        )
                    )
                )
            )
        self._session.add_all(
            PlannerMarkRow(kind=m.kind, scope=m.scope, period=m.period, watermark=w, at=now)
            for m, w in rows
        )
        await self._session.flush()

    # --- task reminders ---------------------------------------------------------------------

    async def due_assignments(
        self,
        groups: Collection[str],
        due_dates: Collection[datetime.date],
        today: datetime.date,
        now: datetime.datetime,
        member_ids: Sequence[int] | None = None,
    ) -> list[DueAssignment]:
        """Assignees of these groups' open tasks due on `due_dates` or before `today`, who have
        not reported done, have not muted task reminders and are not snoozed now; in task
        order. With `member_ids`, only those members (in chunks).

        Every share of each task is read (done ones and those of people not to remind too) and
        filtered here: the line shows the task's progress, the mean of all its shares, and
        reading them with the rows costs nothing more, where an aggregate per task (joined or
        as a subquery per row) cost PostgreSQL more than the rest of the query."""
        if not groups:
            return []
        due = TaskRow.due_on < today
        if due_dates:
            due = or_(due, TaskRow.due_on.in_(sorted(due_dates)))
        query = (
            select(
                TaskRow.id,
                TaskRow.due_on,
                TaskAssigneeRow.member_id,
                MemberRow.user_id,
                MemberRow.locale,
                WorkingGroupRow.code,
                TaskRow.code,
                TaskRow.title,
                TaskRow.status,
                TaskAssigneeRow.status,
                TaskAssigneeRow.progress,
            )
            .join(ClusterRow, TaskRow.cluster_id == ClusterRow.id)
            .join(WorkingGroupRow, ClusterRow.working_group_id == WorkingGroupRow.id)
            .join(TaskAssigneeRow, TaskAssigneeRow.task_id == TaskRow.id)
            .join(MemberRow, MemberRow.id == TaskAssigneeRow.member_id)
            .where(
                WorkingGroupRow.code.in_(sorted(groups)),
                TaskRow.due_on.is_not(None),
                TaskRow.status.not_in(_CLOSED),
                due,
            )
            .order_by(TaskRow.id, TaskAssigneeRow.id)
        )
        held = await self._not_wanting_tasks(now)
        parts = [None] if member_ids is None else list(chunks(sorted(set(member_ids))))
        found: list[DueAssignment] = []
        for part in parts:
            chosen = query
            wanted = None
            if part is not None:
                # The tasks of these members, with all their shares (for the progress).
                theirs = select(TaskAssigneeRow.task_id).where(TaskAssigneeRow.member_id.in_(part))
                chosen = query.where(TaskRow.id.in_(theirs))
                wanted = set(part)
            rows = (await self._session.execute(chosen)).all()
            for _, shares in groupby(rows, key=itemgetter(0)):
                task = list(shares)
                progress = mean_progress(sum(row[10] for row in task), len(task))
                for row in task:
                    member_id = row[2]
                    if _STATUSES[row[9]] is TaskStatus.DONE or member_id in held:
                        continue
                    if wanted is not None and member_id not in wanted:
                        continue
                    found.append(DueAssignment(*row[:8], _STATUSES[row[8]], progress))
        return found

    async def _not_wanting_tasks(self, now: datetime.datetime) -> set[int]:
        """Members who muted task reminders, or snoozed them all until after `now`: few, and
        one query instead of two anti-joins per row."""
        muted = select(MemberMuteRow.member_id).where(MemberMuteRow.kind == MUTE_TASKS)
        snoozed = select(SnoozeRow.member_id).where(
            SnoozeRow.kind == MUTE_TASKS, SnoozeRow.subject_id == 0, SnoozeRow.until > now
        )
        return set((await self._session.execute(muted.union(snoozed))).scalars())

    async def overdue(
        self, group: str, today: datetime.date, limit: int
    ) -> tuple[int, list[int]]:
        """How many open tasks of the group are overdue, and the first `limit` of them."""
        where = (
            WorkingGroupRow.code == group,
            TaskRow.due_on < today,
            TaskRow.status.not_in(_CLOSED),
        )
        base = (
            select(TaskRow.id)
            .join(ClusterRow, TaskRow.cluster_id == ClusterRow.id)
            .join(WorkingGroupRow, ClusterRow.working_group_id == WorkingGroupRow.id)
            .where(*where)
        )
        count = (
            await self._session.execute(select(func.count()).select_from(base.subquery()))
        ).scalar_one()
        if not count:
            return 0, []
        first = (await self._session.execute(base.order_by(TaskRow.id).limit(limit))).scalars()
        return count, list(first)

    # --- who does not want to hear now ------------------------------------------------------

    async def held(
        self, member_ids: Collection[int], kind: str, subject_id: int, now: datetime.datetime
    ) -> set[int]:
        """Of these members, those who muted `kind` or snoozed it (for this subject, or for
        all with subject 0) until after `now`."""
        found: set[int] = set()
        for part in chunks(sorted(set(member_ids))):
            muted = select(MemberMuteRow.member_id).where(
                MemberMuteRow.member_id.in_(part), MemberMuteRow.kind == kind
            )
            snoozed = select(SnoozeRow.member_id).where(
                SnoozeRow.member_id.in_(part),
                SnoozeRow.kind == kind,
                SnoozeRow.subject_id.in_(sorted({0, subject_id})),
                SnoozeRow.until > now,
            )
            rows = await self._session.execute(muted.union(snoozed))
            found.update(rows.scalars())
        return found

    # --- support packages ------------------------------------------------------------------

    async def unacknowledged(
        self, communicated_before: datetime.datetime
    ) -> list[WaitingInstruction]:
        """Instructions of approved support packages communicated before the moment and not
        acknowledged yet; filtered in SQL, so those too recent cost nothing."""
        rows = await self._session.execute(
            select(
                PackageItemRow.id,
                PackageItemRow.agency_code,
                PackageItemRow.action,
                SubmissionRow.id,
                SubmissionRow.title,
                ClusterRow.name,
                WorkingGroupRow.code,
                SubmissionRow.decided_at,
            )
            .join(SubmissionRow, PackageItemRow.submission_id == SubmissionRow.id)
            .join(ClusterRow, SubmissionRow.cluster_id == ClusterRow.id)
            .join(WorkingGroupRow, ClusterRow.working_group_id == WorkingGroupRow.id)
            .where(
                SubmissionRow.kind == SubmissionKind.SUPPORT_PACKAGE.value,
                SubmissionRow.status == SubmissionStatus.APPROVED.value,
                SubmissionRow.decided_at.is_not(None),
                SubmissionRow.decided_at <= communicated_before,
                PackageItemRow.acknowledged_at.is_(None),
            )
            .order_by(PackageItemRow.id)
        )
        return [WaitingInstruction(*row) for row in rows.all()]

    # --- what changed since the morning ---------------------------------------------------

    async def latest_change(self) -> tuple[int, int]:
        """The newest task event id and task id (0 when none): where today's watch begins."""
        row = (
            await self._session.execute(
                select(
                    select(func.coalesce(func.max(TaskEventRow.id), 0)).scalar_subquery(),
                    select(func.coalesce(func.max(TaskRow.id), 0)).scalar_subquery(),
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def changed_assignees(
        self, after_event: int, after_task: int, groups: Collection[str]
    ) -> tuple[set[int], int, int]:
        """Members assigned to tasks of `groups` created or changed after the watermarks, and
        the new watermarks. Indexed by primary key: costs nothing when nothing changed."""
        events = await self._session.execute(
            select(TaskEventRow.id, TaskEventRow.task_id).where(TaskEventRow.id > after_event)
        )
        changed: set[int] = set()
        last_event = after_event
        for event_id, task_id in events.all():
            changed.add(task_id)
            last_event = max(last_event, event_id)
        created = (
            await self._session.execute(select(TaskRow.id).where(TaskRow.id > after_task))
        ).scalars()
        last_task = after_task
        for task_id in created:
            changed.add(task_id)
            last_task = max(last_task, task_id)
        members: set[int] = set()
        if not changed or not groups:
            return members, last_event, last_task
        for part in chunks(sorted(changed)):
            rows = await self._session.execute(
                select(TaskAssigneeRow.member_id)
                .join(TaskRow, TaskAssigneeRow.task_id == TaskRow.id)
                .join(ClusterRow, TaskRow.cluster_id == ClusterRow.id)
                .join(WorkingGroupRow, ClusterRow.working_group_id == WorkingGroupRow.id)
                .where(TaskRow.id.in_(part), WorkingGroupRow.code.in_(sorted(groups)))
                .distinct()
            )
            members.update(rows.scalars())
        return members, last_event, last_task

    # --- the outbox -------------------------------------------------------------------------

    async def queued_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these outbox keys are already queued (sent or not)."""
        found: set[str] = set()
        for part in chunks(sorted(set(keys))):
            rows = await self._session.execute(
                select(OutboxRow.dedupe_key).where(OutboxRow.dedupe_key.in_(part))
            )
            found.update(rows.scalars())
        return found


__all__ = ["CHUNK", "DueAssignment", "Mark", "ReminderQueries", "WaitingInstruction", "chunks"]
