"""Working-group meetings, the members' replies to them, and the decisions recorded after.

The read models (Meeting, Reply, Decision) are the domain's; built here from the rows.
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.meetings import Answer, Decision, Meeting, Reply
from bot.storage.dialects import upsert_insert
from bot.storage.models import (
    MeetingDecisionRow,
    MeetingReplyRow,
    MeetingRow,
    MemberRow,
    WorkingGroupRow,
)


def _meeting(row: MeetingRow, working_group: str) -> Meeting:
    return Meeting(
        id=row.id,
        working_group=working_group,
        starts_at=row.starts_at,
        place=row.place,
        agenda=row.agenda,
        created_by_user_id=row.created_by_user_id,
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
    )


def _decision(row: MeetingDecisionRow) -> Decision:
    return Decision(row.id, row.meeting_id, row.position, row.text, row.task_id)


class MeetingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _select(self):  # type: ignore[no-untyped-def]
        # populate_existing: cancelling is a bulk UPDATE, so reads must not see stale objects.
        return (
            select(MeetingRow, WorkingGroupRow.code)
            .join(WorkingGroupRow, MeetingRow.working_group_id == WorkingGroupRow.id)
            .execution_options(populate_existing=True)
        )

    async def create(
        self,
        *,
        working_group: str,
        starts_at: datetime.datetime,
        place: str,
        agenda: str,
        created_by_user_id: int,
        now: datetime.datetime,
    ) -> Meeting:
        group_id = (
            await self._session.execute(
                select(WorkingGroupRow.id).where(WorkingGroupRow.code == working_group)
            )
        ).scalar_one()
        row = MeetingRow(
            working_group_id=group_id,
            starts_at=starts_at,
            place=place,
            agenda=agenda,
            created_by_user_id=created_by_user_id,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        meeting = await self.get(row.id)
        assert meeting is not None
        return meeting

    async def get(self, meeting_id: int) -> Meeting | None:
        row = (
            await self._session.execute(self._select().where(MeetingRow.id == meeting_id))
        ).first()
        return _meeting(row[0], row[1]) if row else None

    async def _list(self, groups: tuple[str, ...] | None, *conditions: Any) -> list[Meeting]:
        where: list[ColumnElement[bool]] = [MeetingRow.cancelled_at.is_(None), *conditions]
        if groups is not None:
            if not groups:
                return []
            where.append(WorkingGroupRow.code.in_(groups))
        rows = await self._session.execute(
            self._select().where(*where).order_by(MeetingRow.starts_at, MeetingRow.id)
        )
        return [_meeting(r[0], r[1]) for r in rows.all()]

    async def upcoming(
        self, groups: tuple[str, ...] | None, now: datetime.datetime
    ) -> list[Meeting]:
        """Meetings not cancelled that start after `now`, soonest first; None: every group."""
        return await self._list(groups, MeetingRow.starts_at > now)

    async def since(
        self, groups: tuple[str, ...] | None, moment: datetime.datetime
    ) -> list[Meeting]:
        """Meetings not cancelled that start at `moment` or later, including ones under way
        or just held (their decisions are still to be recorded), soonest first."""
        return await self._list(groups, MeetingRow.starts_at >= moment)

    async def change(self, meeting_id: int, **values: Any) -> bool:
        """Change a meeting that is not cancelled (start, place, agenda, or cancelled_at to
        cancel it); False if it was cancelled meanwhile, so two presses act once."""
        result = await self._session.execute(
            update(MeetingRow)
            .where(MeetingRow.id == meeting_id, MeetingRow.cancelled_at.is_(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def clear_replies(self, meeting_id: int) -> None:
        """Forget every answer: a meeting at another time is a new question."""
        await self._session.execute(
            delete(MeetingReplyRow).where(MeetingReplyRow.meeting_id == meeting_id)
        )

    # --- replies ------------------------------------------------------------------------------

    async def answer_of(self, meeting_id: int, member_id: int) -> Answer | None:
        value = (
            await self._session.execute(
                select(MeetingReplyRow.answer).where(
                    MeetingReplyRow.meeting_id == meeting_id,
                    MeetingReplyRow.member_id == member_id,
                )
            )
        ).scalar_one_or_none()
        return Answer(value) if value is not None else None

    async def reply(
        self, meeting_id: int, member_id: int, answer: Answer, now: datetime.datetime
    ) -> Answer | None:
        """Record or change a member's answer; returns the answer it replaced, if any.

        One statement whatever came before, so two presses at the same moment (a double tap,
        two devices) leave one row with one of the answers, never an error.
        """
        previous = await self.answer_of(meeting_id, member_id)
        statement = upsert_insert(self._session)(MeetingReplyRow).values(
            meeting_id=meeting_id, member_id=member_id, answer=answer.value, at=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=["meeting_id", "member_id"],
            set_={"answer": answer.value, "at": now},
        )
        await self._session.execute(statement)
        return previous

    async def replies(self, meeting_id: int) -> list[Reply]:
        """Every answer given, with the member's name, in the order they were first given."""
        rows = await self._session.execute(
            select(MeetingReplyRow, MemberRow)
            .join(MemberRow, MeetingReplyRow.member_id == MemberRow.id)
            .where(MeetingReplyRow.meeting_id == meeting_id)
            .order_by(MeetingReplyRow.id)
            .execution_options(populate_existing=True)
        )
        return [
            Reply(
                member_id=member.id,
                user_id=member.user_id,
                name=member.full_name,
                locale=member.locale,
                answer=Answer(reply.answer),
                at=reply.at,
            )
            for reply, member in rows.all()
        ]

    # --- decisions ----------------------------------------------------------------------------

    async def add_decision(self, meeting_id: int, text: str, now: datetime.datetime) -> Decision:
        last = (
            await self._session.execute(
                select(func.max(MeetingDecisionRow.position)).where(
                    MeetingDecisionRow.meeting_id == meeting_id
                )
            )
        ).scalar_one_or_none()
        row = MeetingDecisionRow(
            meeting_id=meeting_id, position=(last or 0) + 1, text=text, created_at=now
        )
        self._session.add(row)
        await self._session.flush()
        return _decision(row)

    async def decision(self, decision_id: int) -> Decision | None:
        row = (
            await self._session.execute(
                select(MeetingDecisionRow)
                .where(MeetingDecisionRow.id == decision_id)
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        return _decision(row) if row is not None else None

    async def decisions(self, meeting_id: int) -> list[Decision]:
        rows = await self._session.execute(
            select(MeetingDecisionRow)
            .where(MeetingDecisionRow.meeting_id == meeting_id)
            .order_by(MeetingDecisionRow.position, MeetingDecisionRow.id)
            .execution_options(populate_existing=True)
        )
        return [_decision(row) for row in rows.scalars()]

    async def set_decision_task(self, decision_id: int, task_id: int) -> bool:
        """Link a task to a decision that has none yet; False if it already had one."""
        result = await self._session.execute(
            update(MeetingDecisionRow)
            .where(MeetingDecisionRow.id == decision_id, MeetingDecisionRow.task_id.is_(None))
            .values(task_id=task_id)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]
