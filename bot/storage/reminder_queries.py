"""The reminder planner's queries: what is due, found by indexed due dates, and its marks.

Everything here is set-based: one query for the task reminders of a set of groups, not one
per task or member, and lists of ids are cut into chunks (PostgreSQL refuses more than
32,767 parameters; every database plans a long IN list badly).
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
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
# Due shares made into objects at a time (see `due_assignments`): some 5 ms of work.
_PART_ROWS = 1_000
_STATUSES = {s.value: s for s in TaskStatus}


_Item = TypeVar("_Item")


def chunks(values: Iterable[_Item], size: int = CHUNK) -> Iterable[list[_Item]]:
    ordered = list(values)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


class MemberRange(NamedTuple):
    """Members with `after` < id <= `last` (no upper bound when `last` is None)."""

    after: int
    last: int | None

    def where(self, column: ColumnElement[int]) -> ColumnElement[bool]:
        if self.last is None:
            return column > self.after
        return and_(column > self.after, column <= self.last)


class DueAssignment(NamedTuple):
    """One assignee who still owes a task that the planner reminds about today. A tuple: the
    morning reads tens of thousands of them, and a frozen dataclass costs several times more
    to build."""

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

    async def member_batches(self, shares: int) -> AsyncIterator[MemberRange]:
        """The members who hold task shares, in ranges of ids holding about `shares` shares
        each, walked by keyset over the index of task_assignees.member_id: the range ends at
        the member holding the `shares`-th share, all of whose shares it takes, so no member
        is split and a batch holds fewer than `shares` shares plus one member's. The morning
        is planned range by range: what it holds at once depends on `shares`, not on the
        country (nor on how many tasks each member has)."""
        after = 0  # ids are positive
        while True:
            boundary = (
                select(TaskAssigneeRow.member_id)
                .where(TaskAssigneeRow.member_id > after)
                .order_by(TaskAssigneeRow.member_id)
                .offset(shares - 1)
                .limit(1)
            )
            last = (await self._session.execute(boundary)).scalar()
            yield MemberRange(after, last)
            if last is None:
                return
            after = last

    async def not_wanting_tasks(self, now: datetime.datetime) -> set[int]:
        """Members who muted task reminders, or snoozed them all until after `now`: few, and
        read once per pass instead of two anti-joins per row."""
        muted = select(MemberMuteRow.member_id).where(MemberMuteRow.kind == MUTE_TASKS)
        snoozed = select(SnoozeRow.member_id).where(
            SnoozeRow.kind == MUTE_TASKS, SnoozeRow.subject_id == 0, SnoozeRow.until > now
        )
        return set((await self._session.execute(muted.union(snoozed))).scalars())

    async def due_assignments(
        self,
        buckets: Sequence[tuple[Collection[str], Collection[datetime.date]]],
        today: datetime.date,
        members: MemberRange | Collection[int],
        held: Collection[int] = frozenset(),
        between_parts: Callable[[], Awaitable[object]] | None = None,
    ) -> list[DueAssignment]:
        """Of `members` (a range of ids, or a few ids), the shares they still owe of open tasks
        that are due: for each bucket (groups, due dates), the tasks of its groups due on its
        dates or before `today`. Shares reported done and members in `held` are left out; in
        task order. The rows are made into shares a part at a time, with `between_parts`
        awaited after each: a morning's batch is some 15,000 rows, and the caller shares the
        event loop with the sender and everyone's updates.

        The line shows the task's progress, the mean of all its shares (other members' too):
        the members' tasks are chosen first, a window sums each one's shares, and only then
        are the members' own open shares kept, so the rows read are theirs alone and no
        aggregate runs per row."""
        if not buckets or (not isinstance(members, MemberRange) and not members):
            return []
        due = [
            and_(
                WorkingGroupRow.code.in_(sorted(groups)),
                or_(TaskRow.due_on < today, TaskRow.due_on.in_(sorted(dates)))
                if dates
                else TaskRow.due_on < today,
            )
            for groups, dates in buckets
        ]
        if isinstance(members, MemberRange):
            chosen = members.where(TaskAssigneeRow.member_id)
        else:
            if len(members) > CHUNK:
                raise ValueError(f"at most {CHUNK} member ids at once, not {len(members)}")
            chosen = TaskAssigneeRow.member_id.in_(sorted(members))
        theirs = select(TaskAssigneeRow.task_id).where(chosen).correlate(None)
        by_task = {"partition_by": TaskRow.id}
        shares = (
            select(
                TaskRow.id.label("task_id"),
                TaskRow.due_on,
                TaskAssigneeRow.id.label("share_id"),
                TaskAssigneeRow.member_id,
                WorkingGroupRow.code.label("working_group"),
                TaskRow.code,
                TaskRow.title,
                TaskRow.status,
                TaskAssigneeRow.status.label("share_status"),
                func.sum(TaskAssigneeRow.progress).over(**by_task).label("total"),
                func.count().over(**by_task).label("shares"),
            )
            .join(ClusterRow, TaskRow.cluster_id == ClusterRow.id)
            .join(WorkingGroupRow, ClusterRow.working_group_id == WorkingGroupRow.id)
            .join(TaskAssigneeRow, TaskAssigneeRow.task_id == TaskRow.id)
            .where(
                TaskRow.id.in_(theirs),
                TaskRow.due_on.is_not(None),
                TaskRow.status.not_in(_CLOSED),
                or_(*due),
            )
            .subquery()
        )
        if isinstance(members, MemberRange):
            owed = members.where(shares.c.member_id)
        else:
            owed = shares.c.member_id.in_(sorted(members))
        query = (
            select(
                shares.c.task_id,
                shares.c.due_on,
                shares.c.member_id,
                MemberRow.user_id,
                MemberRow.locale,
                shares.c.working_group,
                shares.c.code,
                shares.c.title,
                shares.c.status,
                shares.c.total,
                shares.c.shares,
            )
            .join(MemberRow, MemberRow.id == shares.c.member_id)
            .where(owed, shares.c.share_status != TaskStatus.DONE.value)
            .order_by(shares.c.task_id, shares.c.share_id)
        )
        result = await self._session.execute(query)
        statuses = _STATUSES
        found: list[DueAssignment] = []
        for rows in result.partitions(_PART_ROWS):
            found += [
                DueAssignment(
                    task_id, due_on, member_id, user_id, locale, group, code, title,
                    statuses[status], mean_progress(total, count),
                )
                for task_id, due_on, member_id, user_id, locale, group, code, title, status,
                total, count in rows
                if member_id not in held
            ]  # fmt: skip
            if between_parts is not None:
                await between_parts()
        return found

    async def overdue(self, group: str, today: datetime.date, limit: int) -> tuple[int, list[int]]:
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


__all__ = [
    "CHUNK",
    "DueAssignment",
    "Mark",
    "MemberRange",
    "ReminderQueries",
    "WaitingInstruction",
    "chunks",
]
