"""Declared closures, each working group's Thursday, and who a closure reaches."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.members import MemberStatus
from bot.domain.workdays import Closure, Thursday
from bot.storage.models import ClosureRow, GroupWorkweekRow, MemberRow, WorkingGroupRow


@dataclass(frozen=True)
class Reader:
    """Someone a calendar notice goes to."""

    user_id: int
    locale: str
    working_group: str


def _closure(row: ClosureRow) -> Closure:
    return Closure(row.first_day, row.last_day, row.reason, row.province, row.id)


class CalendarRepository:
    def __init__(self, session: AsyncSession, platform: str) -> None:
        self._session = session
        self._platform = platform

    async def declare(
        self,
        first: datetime.date,
        last: datetime.date,
        province: str | None,
        reason: str,
        user_id: int,
        now: datetime.datetime,
    ) -> Closure:
        row = ClosureRow(
            first_day=first,
            last_day=last,
            province=province,
            reason=reason,
            declared_by_user_id=user_id,
            declared_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return _closure(row)

    async def get(self, closure_id: int) -> Closure | None:
        row = await self._session.get(ClosureRow, closure_id)
        return _closure(row) if row is not None and row.lifted_at is None else None

    async def lift(self, closure_id: int, now: datetime.datetime) -> bool:
        """Lift a closure still in force; False when it was already lifted (a double press)."""
        result = await self._session.execute(
            update(ClosureRow)
            .where(ClosureRow.id == closure_id, ClosureRow.lifted_at.is_(None))
            .values(lifted_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

    async def ending_from(self, day: datetime.date) -> list[Closure]:
        """Every closure in force whose last day is ``day`` or later, all provinces, in one
        query: the scheduler builds every group's calendar from this once per pass."""
        rows = await self._session.scalars(
            select(ClosureRow)
            .where(ClosureRow.last_day >= day, ClosureRow.lifted_at.is_(None))
            .order_by(ClosureRow.first_day, ClosureRow.id)
        )
        return [_closure(row) for row in rows]

    async def thursdays(self) -> dict[str, Thursday]:
        """The groups whose Thursday is not a full working day."""
        rows = await self._session.execute(
            select(WorkingGroupRow.code, GroupWorkweekRow.thursday).join(
                WorkingGroupRow, GroupWorkweekRow.working_group_id == WorkingGroupRow.id
            )
        )
        return {code: Thursday(value) for code, value in rows.all()}

    async def set_thursday(self, working_group_id: int, thursday: Thursday) -> None:
        row = await self._session.get(GroupWorkweekRow, working_group_id)
        if row is None:
            self._session.add(
                GroupWorkweekRow(working_group_id=working_group_id, thursday=thursday.value)
            )
        else:
            row.thursday = thursday.value
        await self._session.flush()

    async def readers(self, province: str | None) -> list[Reader]:
        """The approved members a closure reaches: a province's, or everyone's."""
        query = (
            select(MemberRow.user_id, MemberRow.locale, WorkingGroupRow.code)
            .join(WorkingGroupRow, MemberRow.working_group_id == WorkingGroupRow.id)
            .where(
                MemberRow.platform == self._platform,
                MemberRow.status == MemberStatus.APPROVED.value,
            )
        )
        if province is not None:
            query = query.where(WorkingGroupRow.code == province)
        rows = await self._session.execute(query.order_by(MemberRow.id))
        return [Reader(user_id, locale, group) for user_id, locale, group in rows.all()]
