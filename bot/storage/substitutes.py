"""Substitutions: the rows, and the roles a person stands in for on a day."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.members import OFFICER_ROLES, ActingRole, MemberStatus, Role
from bot.domain.substitutes import Substitution
from bot.storage.models import MemberRow, SubstitutionRow, WorkingGroupRow
from bot.storage.reminder_queries import chunks

_Absent = aliased(MemberRow, name="absent")
_Substitute = aliased(MemberRow, name="substitute")


def active_on(day: datetime.date) -> Any:
    """The substitutions in force on this day (also used by MemberRepository.with_role)."""
    return (
        SubstitutionRow.ended_at.is_(None),
        SubstitutionRow.first_day <= day,
        SubstitutionRow.last_day >= day,
    )


class SubstitutionRepository:
    def __init__(self, session: AsyncSession, platform: str) -> None:
        self._session = session
        self._platform = platform

    def _select(self):  # type: ignore[no-untyped-def]
        return (
            select(SubstitutionRow, _Absent, _Substitute, WorkingGroupRow.code)
            .join(_Absent, SubstitutionRow.absent_member_id == _Absent.id)
            .join(_Substitute, SubstitutionRow.substitute_member_id == _Substitute.id)
            .join(WorkingGroupRow, _Absent.working_group_id == WorkingGroupRow.id)
            .where(_Absent.platform == self._platform)
            .execution_options(populate_existing=True)
        )

    @staticmethod
    def _substitution(row: Any) -> Substitution:
        s, absent, substitute, code = row
        return Substitution(
            id=s.id,
            working_group=code,
            absent_member_id=absent.id,
            absent_user_id=absent.user_id,
            absent_name=absent.full_name,
            absent_locale=absent.locale,
            substitute_member_id=substitute.id,
            substitute_user_id=substitute.user_id,
            substitute_name=substitute.full_name,
            substitute_locale=substitute.locale,
            first_day=s.first_day,
            last_day=s.last_day,
            named_by_user_id=s.named_by_user_id,
            named_by_name=s.named_by_name,
            named_at=s.named_at,
            ended_at=s.ended_at,
        )

    async def add(
        self,
        *,
        absent_member_id: int,
        substitute_member_id: int,
        first_day: datetime.date,
        last_day: datetime.date,
        named_by_user_id: int,
        named_by_name: str,
        now: datetime.datetime,
    ) -> Substitution:
        row = SubstitutionRow(
            absent_member_id=absent_member_id,
            substitute_member_id=substitute_member_id,
            first_day=first_day,
            last_day=last_day,
            named_by_user_id=named_by_user_id,
            named_by_name=named_by_name,
            named_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        substitution = await self.get(row.id)
        assert substitution is not None
        return substitution

    async def get(self, substitution_id: int) -> Substitution | None:
        row = (
            await self._session.execute(self._select().where(SubstitutionRow.id == substitution_id))
        ).first()
        return self._substitution(row) if row else None

    async def absences_of(
        self, member_ids: tuple[int, ...], first_day: datetime.date
    ) -> list[Substitution]:
        """Substitutions not ended, of these members as absent people, lasting to `first_day`
        or later: what a new substitution starting then could overlap."""
        query = self._select().where(
            SubstitutionRow.absent_member_id.in_(member_ids),
            SubstitutionRow.ended_at.is_(None),
            SubstitutionRow.last_day >= first_day,
        )
        return [self._substitution(r) for r in (await self._session.execute(query)).all()]

    async def current_and_coming(
        self, groups: tuple[str, ...], user_id: int, today: datetime.date
    ) -> list[Substitution]:
        """Not ended nor past, in these groups or concerning this person; soonest first."""
        query = (
            self._select()
            .where(
                SubstitutionRow.ended_at.is_(None),
                SubstitutionRow.last_day >= today,
                or_(
                    WorkingGroupRow.code.in_(groups),
                    _Absent.user_id == user_id,
                    _Substitute.user_id == user_id,
                ),
            )
            .order_by(SubstitutionRow.first_day, SubstitutionRow.id)
        )
        return [self._substitution(r) for r in (await self._session.execute(query)).all()]

    async def acting_roles(self, member_id: int, day: datetime.date) -> tuple[ActingRole, ...]:
        """The officers' roles this member stands in for on this day, in one query."""
        return (await self.acting_roles_of([member_id], day)).get(member_id, ())

    async def acting_roles_of(
        self, member_ids: Collection[int], day: datetime.date
    ) -> dict[int, tuple[ActingRole, ...]]:
        """`acting_roles` of several members at once (a query per chunk of ids), keyed by the
        substitute's member id; who stands in for nobody is left out."""
        found: dict[int, list[ActingRole]] = {}
        for chunk in chunks(sorted(set(member_ids))):
            query = (
                select(
                    SubstitutionRow.substitute_member_id,
                    _Absent.role,
                    _Absent.user_id,
                    _Absent.full_name,
                    WorkingGroupRow.code,
                )
                .select_from(SubstitutionRow)
                .join(_Absent, SubstitutionRow.absent_member_id == _Absent.id)
                .join(WorkingGroupRow, _Absent.working_group_id == WorkingGroupRow.id)
                .where(
                    SubstitutionRow.substitute_member_id.in_(chunk),
                    *active_on(day),
                    # Only what the absent person still holds: a secretary since demoted
                    # passes nothing on.
                    _Absent.status == MemberStatus.APPROVED.value,
                    _Absent.role.in_([r.value for r in OFFICER_ROLES]),
                )
                .order_by(SubstitutionRow.id)
            )
            for member_id, role, user_id, name, code in (await self._session.execute(query)).all():
                found.setdefault(member_id, []).append(
                    ActingRole(
                        working_group=code, role=Role(role), for_user_id=user_id, for_name=name
                    )
                )
        return {member_id: tuple(roles) for member_id, roles in found.items()}

    async def end(self, substitution_id: int, by_user_id: int, now: datetime.datetime) -> bool:
        """End it now; False if it had already been ended (two presses at once)."""
        result = await self._session.execute(
            update(SubstitutionRow)
            .where(SubstitutionRow.id == substitution_id, SubstitutionRow.ended_at.is_(None))
            .values(ended_at=now, ended_by_user_id=by_user_id)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]
