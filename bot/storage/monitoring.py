"""KPI reports (F14): one row per cluster and Jalali period, replaced when reported again."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.monitoring import KPI_FIELDS, KpiReport, period_key
from bot.storage.models import KpiReportRow, MemberRow


def _report(row: KpiReportRow, name: str | None) -> KpiReport:
    return KpiReport(
        cluster_id=row.cluster_id,
        period=row.period,
        figures={f: int(getattr(row, f)) for f in KPI_FIELDS},
        narrative=row.narrative,
        reported_by_member_id=row.reported_by_member_id,
        reported_by_name=name or "-",
        reported_at=row.reported_at,
    )


class KpiRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _select(self):  # type: ignore[no-untyped-def]
        return (
            select(KpiReportRow, MemberRow.full_name)
            .outerjoin(MemberRow, KpiReportRow.reported_by_member_id == MemberRow.id)
            .execution_options(populate_existing=True)
        )

    async def save(
        self,
        cluster_id: int,
        period: str,
        figures: Mapping[str, int],
        narrative: str | None,
        member_id: int,
        now: datetime.datetime,
    ) -> KpiReport:
        """Store the period's figures; a second report for the same period replaces the first."""
        missing = set(KPI_FIELDS) - set(figures)
        if missing:
            raise ValueError(f"KPI figures missing: {sorted(missing)}")
        row = (
            await self._session.execute(
                select(KpiReportRow).where(
                    KpiReportRow.cluster_id == cluster_id, KpiReportRow.period == period
                )
            )
        ).scalar_one_or_none()
        if row is None:
            row = KpiReportRow(cluster_id=cluster_id, period=period)
            self._session.add(row)
        for field in KPI_FIELDS:
            setattr(row, field, int(figures[field]))
        row.narrative = narrative
        row.reported_by_member_id = member_id
        row.reported_at = now
        await self._session.flush()
        report = await self.get(cluster_id, period)
        assert report is not None
        return report

    async def get(self, cluster_id: int, period: str) -> KpiReport | None:
        row = (
            await self._session.execute(
                self._select().where(
                    KpiReportRow.cluster_id == cluster_id, KpiReportRow.period == period
                )
            )
        ).first()
        return _report(row[0], row[1]) if row else None

    async def history(self, cluster_id: int) -> list[KpiReport]:
        """Every report of the cluster, newest period first."""
        rows = await self._session.execute(
            self._select().where(KpiReportRow.cluster_id == cluster_id)
        )
        reports = [_report(r[0], r[1]) for r in rows.all()]
        return sorted(reports, key=lambda r: period_key(r.period), reverse=True)

    async def latest_before(self, cluster_id: int, period: str) -> KpiReport | None:
        """The most recent report for a period before ``period``: what the figures compare to.

        Ordered by the periods themselves, not their labels, so a group that switched from
        months to quarters still finds the right one.
        """
        key = period_key(period)
        for report in await self.history(cluster_id):
            if period_key(report.period) < key:
                return report
        return None

    async def missing(self, cluster_ids: Iterable[int], period: str) -> list[int]:
        """The clusters among ``cluster_ids`` that have not reported for ``period``."""
        wanted = list(dict.fromkeys(cluster_ids))
        if not wanted:
            return []
        reported = set(
            (
                await self._session.execute(
                    select(KpiReportRow.cluster_id).where(
                        KpiReportRow.period == period, KpiReportRow.cluster_id.in_(wanted)
                    )
                )
            ).scalars()
        )
        return [c for c in wanted if c not in reported]
