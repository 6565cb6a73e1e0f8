"""The cluster registry in the database; returns `bot.domain.clusters.Cluster`, never rows."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clusters import EDITABLE_FIELDS, Cluster, ClusterStage, search_key
from bot.storage.models import ClusterRow, MemberRow, WorkingGroupRow


def _cluster(row: ClusterRow, working_group: str, cda_name: str | None) -> Cluster:
    return Cluster(
        id=row.id,
        name=row.name,
        working_group=working_group,
        product=row.product,
        sector=row.sector,
        cda_member_id=row.cda_member_id,
        firm_count=row.firm_count,
        stage=ClusterStage(row.stage),
        cda_name=cda_name,
    )


def _like_pattern(query: str) -> str:
    escaped = search_key(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _searchable_name() -> ColumnElement[str]:
    """The name as `search_key` sees it, in SQL: Arabic letter forms (of names stored before
    they were normalised) and zero-width non-joiners do not matter. lower() folds ASCII on
    SQLite and all letters on PostgreSQL; Persian letters have no case."""
    name: Any = ClusterRow.name
    for arabic, persian in (("ي", "ی"), ("ى", "ی"), ("ك", "ک"), ("\u200c", " ")):
        name = func.replace(name, arabic, persian)
    return func.lower(name)


class ClusterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _select(self):  # type: ignore[no-untyped-def]
        # populate_existing: edits are bulk UPDATEs, so reads must not come from stale objects.
        return (
            select(ClusterRow, WorkingGroupRow.code, MemberRow.full_name)
            .join(WorkingGroupRow, ClusterRow.working_group_id == WorkingGroupRow.id)
            .outerjoin(MemberRow, ClusterRow.cda_member_id == MemberRow.id)
            .execution_options(populate_existing=True)
        )

    async def create(
        self,
        *,
        name: str,
        working_group: str,
        product: str,
        sector: str,
        firm_count: int | None,
        cda_member_id: int | None,
        now: datetime.datetime,
        stage: ClusterStage = ClusterStage.IDENTIFIED,
    ) -> Cluster:
        group_id = (
            await self._session.execute(
                select(WorkingGroupRow.id).where(WorkingGroupRow.code == working_group)
            )
        ).scalar_one()
        row = ClusterRow(
            name=name,
            working_group_id=group_id,
            product=product,
            sector=sector,
            firm_count=firm_count,
            cda_member_id=cda_member_id,
            stage=stage.value,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        cluster = await self.get(row.id)
        assert cluster is not None
        return cluster

    async def get(self, cluster_id: int) -> Cluster | None:
        row = (
            await self._session.execute(self._select().where(ClusterRow.id == cluster_id))
        ).first()
        return _cluster(row[0], row[1], row[2]) if row else None

    async def update_fields(self, cluster_id: int, **fields: Any) -> bool:
        """Change name, product, sector, firm_count or cda_member_id; False if no such cluster."""
        unknown = set(fields) - set(EDITABLE_FIELDS)
        if unknown:
            raise ValueError(f"not cluster fields: {sorted(unknown)}")
        return await self._update(cluster_id, **fields)

    async def set_stage(self, cluster_id: int, stage: ClusterStage) -> bool:
        """Move the cluster to `stage`; False if there is no such cluster. No permission check:
        callers (the license, a secretary through the service) decide that."""
        return await self._update(cluster_id, stage=ClusterStage(stage).value)

    async def _update(self, cluster_id: int, **values: Any) -> bool:
        result = await self._session.execute(
            update(ClusterRow)
            .where(ClusterRow.id == cluster_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def page(
        self, groups: tuple[str, ...] | None, query: str | None, offset: int, limit: int
    ) -> tuple[list[Cluster], int]:
        """Newest first; `groups` None means every working group; `query` matches names."""
        conditions: list[ColumnElement[bool]] = []
        if groups is not None:
            if not groups:
                return [], 0
            conditions.append(WorkingGroupRow.code.in_(groups))
        if query and search_key(query):
            conditions.append(_searchable_name().like(_like_pattern(query), escape="\\"))
        total = (
            await self._session.execute(
                select(func.count(ClusterRow.id))
                .join(WorkingGroupRow, ClusterRow.working_group_id == WorkingGroupRow.id)
                .where(*conditions)
            )
        ).scalar_one()
        rows = await self._session.execute(
            self._select()
            .where(*conditions)
            .order_by(ClusterRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_cluster(r[0], r[1], r[2]) for r in rows.all()], total

    async def by_cda(self, member_id: int) -> list[Cluster]:
        """The clusters this member is the development agent of, newest first."""
        rows = await self._session.execute(
            self._select()
            .where(ClusterRow.cda_member_id == member_id)
            .order_by(ClusterRow.id.desc())
        )
        return [_cluster(r[0], r[1], r[2]) for r in rows.all()]
