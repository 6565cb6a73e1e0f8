"""Reminder settings per working group, members' mutes, and snoozes."""

from __future__ import annotations

import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.schedule import GroupSchedule
from bot.storage.models import GroupSettingsRow, MemberMuteRow, SnoozeRow, WorkingGroupRow
from bot.storage.reminder_queries import ReminderQueries


def _time(text: str) -> datetime.time:
    hour, minute = text.split(":")
    return datetime.time(int(hour), int(minute))


def _schedule(row: GroupSettingsRow) -> GroupSchedule:
    return GroupSchedule(
        reminder_days=tuple(row.reminder_days),
        quiet_start=_time(row.quiet_start),
        quiet_end=_time(row.quiet_end),
        morning=_time(row.morning),
        approval_days=row.approval_days,
        monitoring=row.monitoring,
    )


class ReminderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def planner(self) -> ReminderQueries:
        """The planner's set-based queries, on the same session."""
        return ReminderQueries(self._session)

    async def all_schedules(self) -> dict[str, GroupSchedule]:
        """Every group's own timing, in one query; groups absent here use the defaults."""
        rows = await self._session.execute(
            select(GroupSettingsRow, WorkingGroupRow.code).join(
                WorkingGroupRow, GroupSettingsRow.working_group_id == WorkingGroupRow.id
            )
        )
        return {code: _schedule(row) for row, code in rows.all()}

    async def schedule_of(self, working_group: str) -> GroupSchedule:
        row = (
            await self._session.execute(
                select(GroupSettingsRow)
                .join(WorkingGroupRow, GroupSettingsRow.working_group_id == WorkingGroupRow.id)
                .where(WorkingGroupRow.code == working_group)
            )
        ).scalar_one_or_none()
        if row is None:
            return GroupSchedule()
        return _schedule(row)

    async def set_schedule(self, working_group_id: int, schedule: GroupSchedule) -> None:
        row = await self._session.get(GroupSettingsRow, working_group_id)
        if row is None:
            row = GroupSettingsRow(working_group_id=working_group_id)
            self._session.add(row)
        row.reminder_days = list(schedule.reminder_days)
        row.quiet_start = schedule.quiet_start.strftime("%H:%M")
        row.quiet_end = schedule.quiet_end.strftime("%H:%M")
        row.morning = schedule.morning.strftime("%H:%M")
        row.approval_days = schedule.approval_days
        row.monitoring = schedule.monitoring

    async def muted(self, member_id: int) -> set[str]:
        rows = await self._session.execute(
            select(MemberMuteRow.kind).where(MemberMuteRow.member_id == member_id)
        )
        return set(rows.scalars())

    async def set_muted(self, member_id: int, kind: str, muted: bool) -> None:
        await self._session.execute(
            delete(MemberMuteRow).where(
                MemberMuteRow.member_id == member_id, MemberMuteRow.kind == kind
            )
        )
        if muted:
            self._session.add(MemberMuteRow(member_id=member_id, kind=kind))

    async def snoozed_until(
        self, member_id: int, kind: str, subject_id: int
    ) -> datetime.datetime | None:
        return (
            await self._session.execute(
                select(SnoozeRow.until).where(
                    SnoozeRow.member_id == member_id,
                    SnoozeRow.kind == kind,
                    SnoozeRow.subject_id == subject_id,
                )
            )
        ).scalar_one_or_none()

    async def snooze(
        self, member_id: int, kind: str, subject_id: int, until: datetime.datetime
    ) -> None:
        await self._session.execute(
            delete(SnoozeRow).where(
                SnoozeRow.member_id == member_id,
                SnoozeRow.kind == kind,
                SnoozeRow.subject_id == subject_id,
            )
        )
        self._session.add(
            SnoozeRow(member_id=member_id, kind=kind, subject_id=subject_id, until=until)
        )
