"""Read queries behind the reports: counts grouped in SQL, one query per figure, never one per
cluster or task. Every query takes the working groups in scope (None: every group) and
returns plain tuples the service turns into the report."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, and_, case, distinct, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clusters import ClusterStage
from bot.domain.monitoring import KPI_FIELDS
from bot.domain.submissions import Outcome, SubmissionKind, SubmissionStatus
from bot.domain.tasks import CLOSED_STATUSES, TaskStatus
from bot.storage.models import (
    AuditEventRow,
    ClusterRow,
    GroupSettingsRow,
    KpiReportRow,
    KpiTargetRow,
    LicenseRow,
    MeetingDecisionRow,
    MeetingRow,
    SubmissionEventRow,
    SubmissionRow,
    TaskAssigneeRow,
    TaskRow,
    WorkingGroupRow,
)

# The decisions a report counts: every step a stage's secretariat or vote takes.
DECISIONS = (Outcome.ADVANCED, Outcome.APPROVED, Outcome.RETURNED, Outcome.REJECTED)
_CLOSED = [s.value for s in CLOSED_STATUSES]
# Rows fetched at a time when streaming a workbook sheet.
STREAM_BATCH = 2_000

Groups = Sequence[str] | None


def _in_groups(query: Select[Any], groups: Groups) -> Select[Any]:
    if groups is None:
        return query
    return query.where(WorkingGroupRow.code.in_(list(groups)))


def _cluster_scope(query: Select[Any], groups: Groups) -> Select[Any]:
    """Join a query that already selects from clusters to its working group."""
    query = query.join(WorkingGroupRow, ClusterRow.working_group_id == WorkingGroupRow.id)
    return _in_groups(query, groups)


def _monitored():  # type: ignore[no-untyped-def]
    """The clusters whose development program runs (bot.domain.monitoring.is_monitored)."""
    approved_program = exists().where(
        SubmissionRow.cluster_id == ClusterRow.id,
        SubmissionRow.kind == SubmissionKind.DEVELOPMENT_PROGRAM.value,
        SubmissionRow.status == SubmissionStatus.APPROVED.value,
    )
    return or_(
        ClusterRow.stage == ClusterStage.DEVELOPMENT_RUNNING.value,
        and_(ClusterRow.stage == ClusterStage.LICENSED.value, approved_program),
    )


class ReportQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _rows(self, query: Select[Any]) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in (await self._session.execute(query)).all()]

    # --- clusters ---------------------------------------------------------------------------

    async def clusters_by_stage(self, groups: Groups) -> list[tuple[str, str, int]]:
        """(group, stage, clusters)."""
        query = select(WorkingGroupRow.code, ClusterRow.stage, func.count(ClusterRow.id))
        query = _cluster_scope(query.select_from(ClusterRow), groups)
        return await self._rows(query.group_by(WorkingGroupRow.code, ClusterRow.stage))

    async def clusters_created(
        self, groups: Groups, since: datetime.datetime, until: datetime.datetime
    ) -> list[tuple[str, int]]:
        """(group, clusters identified in the period): a new cluster starts as identified."""
        query = select(WorkingGroupRow.code, func.count(ClusterRow.id)).select_from(ClusterRow)
        query = _cluster_scope(query, groups).where(
            ClusterRow.created_at >= since, ClusterRow.created_at < until
        )
        return await self._rows(query.group_by(WorkingGroupRow.code))

    async def stage_changes(
        self, groups: Groups, since: datetime.datetime, until: datetime.datetime
    ) -> list[tuple[str, int, dict | None]]:
        """(group, cluster id, details) of stages set by hand in the period."""
        query = (
            select(WorkingGroupRow.code, ClusterRow.id, AuditEventRow.details)
            .select_from(AuditEventRow)
            .join(ClusterRow, AuditEventRow.subject_id == ClusterRow.id)
            .where(
                AuditEventRow.action == "cluster.stage",
                AuditEventRow.outcome == "done",
                AuditEventRow.subject == "cluster",
                AuditEventRow.at >= since,
                AuditEventRow.at < until,
            )
        )
        return await self._rows(_cluster_scope(query, groups))

    async def licenses_issued(
        self, groups: Groups, since: datetime.datetime, until: datetime.datetime
    ) -> list[tuple[str, int]]:
        query = (
            select(WorkingGroupRow.code, func.count(LicenseRow.id))
            .select_from(LicenseRow)
            .join(ClusterRow, LicenseRow.cluster_id == ClusterRow.id)
        )
        query = _cluster_scope(query, groups).where(
            LicenseRow.issued_at >= since, LicenseRow.issued_at < until
        )
        return await self._rows(query.group_by(WorkingGroupRow.code))

    async def programs_approved(
        self, groups: Groups, since: datetime.datetime, until: datetime.datetime
    ) -> list[tuple[str, int]]:
        """(group, development programs finally approved in the period): development starts."""
        query = (
            select(WorkingGroupRow.code, func.count(SubmissionRow.id))
            .select_from(SubmissionRow)
            .join(ClusterRow, SubmissionRow.cluster_id == ClusterRow.id)
        )
        query = _cluster_scope(query, groups).where(
            SubmissionRow.kind == SubmissionKind.DEVELOPMENT_PROGRAM.value,
            SubmissionRow.status == SubmissionStatus.APPROVED.value,
            SubmissionRow.decided_at >= since,
            SubmissionRow.decided_at < until,
        )
        return await self._rows(query.group_by(WorkingGroupRow.code))

    # --- submissions ------------------------------------------------------------------------

    async def pending_submissions(
        self, groups: Groups
    ) -> list[tuple[str, int, str, int, datetime.datetime, str, str]]:
        """(group, id, kind, stage index, stage opened at, title, cluster name) of everything
        waiting for a decision, oldest first."""
        query = (
            select(
                WorkingGroupRow.code,
                SubmissionRow.id,
                SubmissionRow.kind,
                SubmissionRow.stage_index,
                SubmissionRow.stage_opened_at,
                SubmissionRow.title,
                ClusterRow.name,
            )
            .select_from(SubmissionRow)
            .join(ClusterRow, SubmissionRow.cluster_id == ClusterRow.id)
        )
        query = _cluster_scope(query, groups).where(
            SubmissionRow.status == SubmissionStatus.IN_REVIEW.value
        )
        return await self._rows(query.order_by(SubmissionRow.stage_opened_at, SubmissionRow.id))

    async def decisions(
        self, groups: Groups, since: datetime.datetime, until: datetime.datetime
    ) -> list[tuple[str, str, int]]:
        """(group, outcome, decisions) taken in the period on the group's clusters' items."""
        query = (
            select(WorkingGroupRow.code, SubmissionEventRow.action, func.count())
            .select_from(SubmissionEventRow)
            .join(SubmissionRow, SubmissionEventRow.submission_id == SubmissionRow.id)
            .join(ClusterRow, SubmissionRow.cluster_id == ClusterRow.id)
        )
        query = _cluster_scope(query, groups).where(
            SubmissionEventRow.action.in_([d.value for d in DECISIONS]),
            SubmissionEventRow.at >= since,
            SubmissionEventRow.at < until,
        )
        return await self._rows(query.group_by(WorkingGroupRow.code, SubmissionEventRow.action))

    # --- tasks ------------------------------------------------------------------------------

    def _tasks(self, *columns: Any, groups: Groups) -> Select[Any]:
        query = (
            select(*columns)
            .select_from(TaskRow)
            .join(ClusterRow, TaskRow.cluster_id == ClusterRow.id)
        )
        return _cluster_scope(query, groups)

    async def tasks_by_status(self, groups: Groups) -> list[tuple[str, str, int]]:
        query = self._tasks(WorkingGroupRow.code, TaskRow.status, func.count(), groups=groups)
        return await self._rows(query.group_by(WorkingGroupRow.code, TaskRow.status))

    async def overdue_by_cluster(
        self, groups: Groups, today: datetime.date
    ) -> list[tuple[str, int, str, int]]:
        """(group, cluster id, cluster name, overdue tasks), most first."""
        count = func.count(TaskRow.id)
        query = self._tasks(
            WorkingGroupRow.code, ClusterRow.id, ClusterRow.name, count, groups=groups
        ).where(TaskRow.due_on < today, TaskRow.status.not_in(_CLOSED))
        query = query.group_by(WorkingGroupRow.code, ClusterRow.id, ClusterRow.name)
        return await self._rows(query.order_by(count.desc(), ClusterRow.id))

    async def overdue_by_agency(
        self, groups: Groups, today: datetime.date
    ) -> list[tuple[str, str, int]]:
        """(group, agency code or "", overdue tasks it is late for): the agencies whose share
        is not done, as bot.domain.tasks.late_agencies; a task with no share left open (or no
        assignee at all) is the secretariat's, under ""."""
        overdue = and_(TaskRow.due_on < today, TaskRow.status.not_in(_CLOSED))
        agency = func.coalesce(TaskAssigneeRow.agency_code, "")
        late_share = self._tasks(
            WorkingGroupRow.code, agency, func.count(distinct(TaskRow.id)), groups=groups
        ).join(TaskAssigneeRow, TaskAssigneeRow.task_id == TaskRow.id)
        late_share = late_share.where(overdue, TaskAssigneeRow.status != TaskStatus.DONE.value)
        rows = await self._rows(late_share.group_by(WorkingGroupRow.code, agency))
        nobody_late = ~exists().where(
            TaskAssigneeRow.task_id == TaskRow.id,
            TaskAssigneeRow.status != TaskStatus.DONE.value,
        )
        orphans = self._tasks(WorkingGroupRow.code, func.count(TaskRow.id), groups=groups)
        orphans = orphans.where(overdue, nobody_late).group_by(WorkingGroupRow.code)
        merged: dict[tuple[str, str], int] = {(g, a or ""): n for g, a, n in rows}
        for group, n in await self._rows(orphans):
            merged[(group, "")] = merged.get((group, ""), 0) + n
        return [(g, a, n) for (g, a), n in merged.items()]

    async def overdue_count(
        self, groups: Groups, today: datetime.date, closed_before: datetime.datetime | None
    ) -> list[tuple[str, int]]:
        """(group, tasks overdue on `today`). With `closed_before`, as things stood then: a
        task done since counts as still open then; it was done when its last share was."""
        query = self._tasks(WorkingGroupRow.code, func.count(TaskRow.id), groups=groups)
        query = query.where(TaskRow.due_on < today)
        if closed_before is None:
            query = query.where(TaskRow.status.not_in(_CLOSED))
        else:
            finished = (
                select(func.max(TaskAssigneeRow.updated_at))
                .where(TaskAssigneeRow.task_id == TaskRow.id)
                .scalar_subquery()
            )
            query = query.where(
                TaskRow.created_at < closed_before,
                or_(
                    TaskRow.status.not_in(_CLOSED),
                    and_(TaskRow.status == TaskStatus.DONE.value, finished >= closed_before),
                ),
            )
        return await self._rows(query.group_by(WorkingGroupRow.code))

    # --- monitoring -------------------------------------------------------------------------

    async def monitored_clusters(self, groups: Groups) -> list[tuple[str, int]]:
        query = select(WorkingGroupRow.code, func.count(ClusterRow.id)).select_from(ClusterRow)
        query = _cluster_scope(query, groups).where(_monitored())
        return await self._rows(query.group_by(WorkingGroupRow.code))

    async def monitoring_modes(self) -> dict[str, str]:
        """The groups that chose a monitoring rhythm; the others use GroupSchedule's."""
        query = select(WorkingGroupRow.code, GroupSettingsRow.monitoring).join(
            WorkingGroupRow, GroupSettingsRow.working_group_id == WorkingGroupRow.id
        )
        return {code: mode for code, mode in await self._rows(query)}

    async def reports_received(
        self, groups: Groups, periods: Sequence[str]
    ) -> list[tuple[str, int]]:
        """(group, reports of monitored clusters for any of `periods`)."""
        if not periods:
            return []
        query = (
            select(WorkingGroupRow.code, func.count(KpiReportRow.id))
            .select_from(KpiReportRow)
            .join(ClusterRow, KpiReportRow.cluster_id == ClusterRow.id)
        )
        query = _cluster_scope(query, groups).where(
            KpiReportRow.period.in_(list(periods)), _monitored()
        )
        return await self._rows(query.group_by(WorkingGroupRow.code))

    # --- meetings ---------------------------------------------------------------------------

    async def meetings_held(
        self, groups: Groups, since: datetime.datetime, until: datetime.datetime
    ) -> list[tuple[str, int, int]]:
        """(group, meetings held, decisions recorded at them)."""
        decisions = (
            select(func.count(MeetingDecisionRow.id))
            .where(MeetingDecisionRow.meeting_id == MeetingRow.id)
            .scalar_subquery()
        )
        query = (
            select(WorkingGroupRow.code, func.count(MeetingRow.id), func.sum(decisions))
            .select_from(MeetingRow)
            .join(WorkingGroupRow, MeetingRow.working_group_id == WorkingGroupRow.id)
            .where(
                MeetingRow.cancelled_at.is_(None),
                MeetingRow.starts_at >= since,
                MeetingRow.starts_at < until,
            )
        )
        rows = await self._rows(_in_groups(query, groups).group_by(WorkingGroupRow.code))
        return [(g, int(n), int(d or 0)) for g, n, d in rows]

    # --- KPIs -------------------------------------------------------------------------------

    async def kpi_clusters(
        self, groups: Groups
    ) -> list[tuple[int, str, str, datetime.datetime | None, int | None]]:
        """(cluster id, name, group, program approved at, program months) of every cluster
        with a KPI report or a target, with its latest approved development program if any."""
        program = (
            select(
                SubmissionRow.cluster_id.label("cluster_id"),
                func.max(SubmissionRow.id).label("submission_id"),
            )
            .where(
                SubmissionRow.kind == SubmissionKind.DEVELOPMENT_PROGRAM.value,
                SubmissionRow.status == SubmissionStatus.APPROVED.value,
            )
            .group_by(SubmissionRow.cluster_id)
            .subquery()
        )
        has_data = or_(
            exists().where(KpiReportRow.cluster_id == ClusterRow.id),
            exists().where(KpiTargetRow.cluster_id == ClusterRow.id),
        )
        query = (
            select(
                ClusterRow.id,
                ClusterRow.name,
                WorkingGroupRow.code,
                SubmissionRow.decided_at,
                SubmissionRow.duration_months,
            )
            .select_from(ClusterRow)
            .outerjoin(program, program.c.cluster_id == ClusterRow.id)
            .outerjoin(SubmissionRow, SubmissionRow.id == program.c.submission_id)
        )
        query = _cluster_scope(query, groups).where(has_data).order_by(ClusterRow.id)
        return await self._rows(query)

    async def kpi_series(self, groups: Groups) -> list[tuple[int, str, dict[str, int]]]:
        """(cluster id, period, figures) of every report in scope."""
        columns = [getattr(KpiReportRow, f) for f in KPI_FIELDS]
        query = (
            select(KpiReportRow.cluster_id, KpiReportRow.period, *columns)
            .select_from(KpiReportRow)
            .join(ClusterRow, KpiReportRow.cluster_id == ClusterRow.id)
        )
        rows = await self._rows(_cluster_scope(query, groups))
        return [
            (r[0], r[1], {f: int(v) for f, v in zip(KPI_FIELDS, r[2:], strict=True)}) for r in rows
        ]

    async def kpi_targets(self, groups: Groups) -> list[tuple[int, str, str, int]]:
        """(cluster id, field, horizon, value)."""
        query = (
            select(
                KpiTargetRow.cluster_id,
                KpiTargetRow.field,
                KpiTargetRow.horizon,
                KpiTargetRow.value,
            )
            .select_from(KpiTargetRow)
            .join(ClusterRow, KpiTargetRow.cluster_id == ClusterRow.id)
        )
        return await self._rows(_cluster_scope(query, groups))

    async def save_targets(
        self,
        cluster_id: int,
        horizon: str,
        values: Mapping[str, int],
        user_id: int,
        now: datetime.datetime,
    ) -> None:
        """Set the cluster's targets for one horizon; a field set again replaces the old value."""
        existing = {
            row.field: row
            for row in (
                await self._session.execute(
                    select(KpiTargetRow).where(
                        KpiTargetRow.cluster_id == cluster_id, KpiTargetRow.horizon == horizon
                    )
                )
            ).scalars()
        }
        for field, value in values.items():
            row = existing.get(field)
            if row is None:
                row = KpiTargetRow(cluster_id=cluster_id, field=field, horizon=horizon)
                self._session.add(row)
            row.value = int(value)
            row.set_by_user_id = user_id
            row.set_at = now
        await self._session.flush()

    # --- the workbook's sheets, streamed ----------------------------------------------------

    async def _stream(self, query: Select[Any]) -> AsyncIterator[Sequence[Sequence[Any]]]:
        # On the session's connection, not the session: plain rows, without the ORM's loading
        # step per row.
        connection = await self._session.connection()
        result = await connection.stream(query.execution_options(yield_per=STREAM_BATCH))
        # A batch at a time: each step of an async result is a hop between the event loop and
        # the database driver (and, for the workbook, its writer thread), too dear to take once
        # per row of a 100,000-row sheet.
        async for batch in result.partitions(STREAM_BATCH):
            yield batch

    def cluster_rows(self, groups: Groups) -> AsyncIterator[Sequence[Sequence[Any]]]:
        """Batches of (id, name, group, product, sector, firms, stage, created at)."""
        query = select(
            ClusterRow.id,
            ClusterRow.name,
            WorkingGroupRow.code,
            ClusterRow.product,
            ClusterRow.sector,
            ClusterRow.firm_count,
            ClusterRow.stage,
            ClusterRow.created_at,
        ).select_from(ClusterRow)
        return self._stream(_cluster_scope(query, groups).order_by(ClusterRow.id))

    def submission_rows(
        self, groups: Groups, since: datetime.datetime, until: datetime.datetime
    ) -> AsyncIterator[Sequence[Sequence[Any]]]:
        """Batches of (submission id, kind, title, cluster, group, status, event at, actor, action,
        comment): each event of the period of every submission, oldest first."""
        query = (
            select(
                SubmissionRow.id,
                SubmissionRow.kind,
                SubmissionRow.title,
                ClusterRow.name,
                WorkingGroupRow.code,
                SubmissionRow.status,
                SubmissionEventRow.at,
                SubmissionEventRow.actor_name,
                SubmissionEventRow.action,
                SubmissionEventRow.comment,
            )
            .select_from(SubmissionEventRow)
            .join(SubmissionRow, SubmissionEventRow.submission_id == SubmissionRow.id)
            .join(ClusterRow, SubmissionRow.cluster_id == ClusterRow.id)
        )
        query = _cluster_scope(query, groups).where(
            SubmissionEventRow.at >= since, SubmissionEventRow.at < until
        )
        return self._stream(query.order_by(SubmissionRow.id, SubmissionEventRow.id))

    def task_rows(self, groups: Groups) -> AsyncIterator[Sequence[Sequence[Any]]]:
        """Batches of (id, title, cluster, group, status, start, due, progress)."""
        # One grouped pass over the shares, joined, rather than a subquery run per task.
        shares = (
            select(
                TaskAssigneeRow.task_id.label("task_id"),
                func.avg(TaskAssigneeRow.progress).label("progress"),
            )
            .group_by(TaskAssigneeRow.task_id)
            .subquery()
        )
        closed = case((TaskRow.status.in_(_CLOSED), 1), else_=0)
        query = self._tasks(
            TaskRow.id,
            TaskRow.title,
            ClusterRow.name,
            WorkingGroupRow.code,
            TaskRow.status,
            TaskRow.start_on,
            TaskRow.due_on,
            func.coalesce(shares.c.progress, 0),
            groups=groups,
        ).outerjoin(shares, shares.c.task_id == TaskRow.id)
        return self._stream(query.order_by(closed, TaskRow.due_on, TaskRow.id))

    async def task_total(self, groups: Groups) -> int:
        query = self._tasks(func.count(TaskRow.id), groups=groups)
        return int((await self._session.execute(query)).scalar_one())
