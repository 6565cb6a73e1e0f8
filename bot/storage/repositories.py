"""Repositories: the only place that speaks SQL. They return domain objects, not rows."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, and_, bindparam, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.members import Decision, Member, MemberStatus, Role
from bot.storage.models import (
    AgencyChangeRow,
    AuditEventRow,
    CardCopyRow,
    InvitationRow,
    MemberRow,
    OutboxRow,
    SubstitutionRow,
    WorkingGroupRow,
)
from bot.storage.records import record_type
from bot.storage.reminder_queries import chunks
from bot.storage.substitutes import active_on

Today = Callable[[], datetime.date]


@dataclass(frozen=True)
class Application:
    """What a person fills in to become a member."""

    full_name: str
    agency_code: str
    agency_other: str | None
    working_group: str
    phone: str | None
    locale: str


@dataclass(frozen=True)
class CardCopy:
    """Where a card was posted; or, with `outbox_id` and no message id, a card still on its
    way there (its edits name that outbox row)."""

    chat_id: int
    message_id: int | None
    locale: str
    outbox_id: int | None = None

    @property
    def ref(self) -> str:
        """The copy in an edit's outbox key: its message, or the card's outbox row."""
        return str(self.message_id) if self.message_id is not None else f"q{self.outbox_id}"


def _acting_query() -> Any:
    members, groups = MemberRow.__table__, WorkingGroupRow.__table__
    substitutions = SubstitutionRow.__table__
    day = bindparam("day", type_=Date())
    standing_in = (
        exists()
        .where(
            substitutions.c.substitute_member_id == members.c.id,
            substitutions.c.ended_at.is_(None),
            substitutions.c.first_day <= day,
            substitutions.c.last_day >= day,
        )
        .label("standing_in")
    )
    return (
        select(*members.c, groups.c.code.label("group_code"), standing_in)
        .select_from(members.join(groups, members.c.working_group_id == groups.c.id))
        .where(
            members.c.platform == bindparam("platform"),
            members.c.user_id == bindparam("user_id"),
        )
    )


# Read on every update (MemberRepository.acting); built once, as its cache key is computed
# once. The substitution test is `active_on` (bot/storage/substitutes.py) in table columns.
_ACTING = _acting_query()
_ActingRecord = record_type(_ACTING, "ActingRecord")
_MEMBERS = (
    select(*MemberRow.__table__.c, WorkingGroupRow.__table__.c.code.label("group_code"))
    .select_from(
        MemberRow.__table__.join(
            WorkingGroupRow.__table__,
            MemberRow.__table__.c.working_group_id == WorkingGroupRow.__table__.c.id,
        )
    )
)  # fmt: skip
_MEMBER_BY_USER = _MEMBERS.where(
    MemberRow.__table__.c.platform == bindparam("platform"),
    MemberRow.__table__.c.user_id == bindparam("user_id"),
)
_MEMBER_BY_ID = _MEMBERS.where(
    MemberRow.__table__.c.id == bindparam("member_id"),
    MemberRow.__table__.c.platform == bindparam("platform"),
)


def _member(row: MemberRow, working_group: str) -> Member:
    return Member(
        id=row.id,
        user_id=row.user_id,
        full_name=row.full_name,
        agency_code=row.agency_code,
        agency_other=row.agency_other,
        working_group=working_group,
        phone=row.phone,
        locale=row.locale,
        role=Role(row.role),
        status=MemberStatus(row.status),
        applied_at=row.applied_at,
        rejection_reason=row.rejection_reason,
        decided_at=row.decided_at,
        decided_by_name=row.decided_by_name,
        username=row.username,
        decided_on_behalf_of_name=row.decided_on_behalf_of_name,
    )


class WorkingGroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def id_of(self, code: str) -> int:
        return (
            await self._session.execute(
                select(WorkingGroupRow.id).where(WorkingGroupRow.code == code)
            )
        ).scalar_one()

    async def chat_of(self, code: str) -> int | None:
        return (
            await self._session.execute(
                select(WorkingGroupRow.chat_id).where(WorkingGroupRow.code == code)
            )
        ).scalar_one_or_none()

    async def by_chat(self, chat_id: int) -> str | None:
        return (
            await self._session.execute(
                select(WorkingGroupRow.code).where(WorkingGroupRow.chat_id == chat_id)
            )
        ).scalar_one_or_none()

    async def link_chat(
        self, code: str, chat_id: int, title: str | None, now: datetime.datetime
    ) -> None:
        # A chat serves one working group and a group has one chat: clear both sides first.
        await self._session.execute(
            update(WorkingGroupRow)
            .where((WorkingGroupRow.chat_id == chat_id) | (WorkingGroupRow.code == code))
            .values(chat_id=None, chat_title=None, linked_at=None)
        )
        await self._session.flush()
        await self._session.execute(
            update(WorkingGroupRow)
            .where(WorkingGroupRow.code == code)
            .values(chat_id=chat_id, chat_title=title, linked_at=now)
        )

    async def unlink_chat(self, chat_id: int) -> str | None:
        code = await self.by_chat(chat_id)
        if code is not None:
            await self._session.execute(
                update(WorkingGroupRow)
                .where(WorkingGroupRow.chat_id == chat_id)
                .values(chat_id=None, chat_title=None, linked_at=None)
            )
        return code


class MemberRepository:
    def __init__(self, session: AsyncSession, platform: str, today: Today) -> None:
        self._session = session
        self._platform = platform
        # The Jalali day of the update or scheduler pass: who stands in for whom depends on it.
        self._today = today

    def _select(self):  # type: ignore[no-untyped-def]
        # Plain columns: every read becomes a domain Member at once (and is always fresh, as
        # decisions are written with bulk UPDATEs), so ORM objects would be pure cost.
        return _MEMBERS

    async def _one(self, *conditions: Any) -> Member | None:
        row = (await self._session.execute(self._select().where(*conditions))).first()
        return _member(row, row.group_code) if row else None

    async def _many(self, *conditions: Any, order: Any = None) -> list[Member]:
        query = self._select().where(*conditions).order_by(order or MemberRow.applied_at)
        return [_member(r, r.group_code) for r in (await self._session.execute(query)).all()]

    async def by_user(self, user_id: int) -> Member | None:
        row = (
            await self._session.execute(
                _MEMBER_BY_USER, {"platform": self._platform, "user_id": user_id}
            )
        ).first()
        return _member(row, row.group_code) if row else None

    async def by_users(self, user_ids: Collection[int]) -> dict[int, Member]:
        """The members behind these chats, keyed by user id: a query per chunk, never per id."""
        found: dict[int, Member] = {}
        for chunk in chunks(sorted(set(user_ids))):
            for member in await self._many(
                MemberRow.platform == self._platform, MemberRow.user_id.in_(chunk)
            ):
                found[member.user_id] = member
        return found

    async def get(self, member_id: int) -> Member | None:
        row = (
            await self._session.execute(
                _MEMBER_BY_ID, {"platform": self._platform, "member_id": member_id}
            )
        ).first()
        return _member(row, row.group_code) if row else None

    async def acting(self, user_id: int, day: datetime.date) -> tuple[Member | None, bool]:
        """The member behind an update, and whether they stand in for someone on this day: one
        query on every update, so a prebuilt Core statement rather than ORM objects, and the
        substitutions asked only as EXISTS (who they stand in for is looked up only then)."""
        found = (
            await self._session.execute(
                _ACTING, {"platform": self._platform, "user_id": user_id, "day": day}
            )
        ).first()
        if found is None:
            return None, False
        row = _ActingRecord._make(found)
        return _member(row, row.group_code), bool(row.standing_in)

    async def save_application(
        self,
        user_id: int,
        username: str | None,
        application: Application,
        group_id: int,
        now: datetime.datetime,
    ) -> Member:
        """Create or renew an application; a renewed one starts over as a plain pending member."""
        row = (
            await self._session.execute(
                select(MemberRow).where(
                    MemberRow.platform == self._platform, MemberRow.user_id == user_id
                )
            )
        ).scalar_one_or_none()
        if row is None:
            row = MemberRow(platform=self._platform, user_id=user_id)
            self._session.add(row)
        row.username = username
        row.full_name = application.full_name
        row.agency_code = application.agency_code
        row.agency_other = application.agency_other
        row.working_group_id = group_id
        row.phone = application.phone
        row.locale = application.locale
        row.role = Role.MEMBER.value
        row.status = MemberStatus.PENDING.value
        row.rejection_reason = None
        row.applied_at = now
        row.decided_at = None
        row.decided_by_user_id = None
        row.decided_by_name = None
        row.decided_on_behalf_of_name = None
        await self._session.flush()
        member = await self.get(row.id)
        assert member is not None
        return member

    async def decide(
        self,
        member_id: int,
        decision: Decision,
        by_user_id: int,
        by_name: str,
        reason: str | None,
        now: datetime.datetime,
        on_behalf_of_name: str | None = None,
    ) -> bool:
        """Record a decision if the application is still pending; False if someone was first.

        The status check is part of the UPDATE itself, so two secretaries pressing at the
        same moment cannot both succeed on any database.
        """
        status = MemberStatus.APPROVED if decision is Decision.APPROVE else MemberStatus.REJECTED
        result = await self._session.execute(
            update(MemberRow)
            .where(MemberRow.id == member_id, MemberRow.status == MemberStatus.PENDING.value)
            .values(
                status=status.value,
                rejection_reason=reason,
                decided_at=now,
                decided_by_user_id=by_user_id,
                decided_by_name=by_name,
                decided_on_behalf_of_name=on_behalf_of_name,
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def update_fields(self, member_id: int, **fields: Any) -> None:
        await self._session.execute(
            update(MemberRow)
            .where(MemberRow.id == member_id)
            .values(**fields)
            .execution_options(synchronize_session=False)
        )

    async def set_role(self, member_id: int, role: Role) -> None:
        await self.update_fields(member_id, role=role.value)

    async def in_group(self, code: str, status: MemberStatus) -> list[Member]:
        return await self._many(
            MemberRow.platform == self._platform,
            WorkingGroupRow.code == code,
            MemberRow.status == status.value,
        )

    async def with_role(
        self, code: str, role: Role, *, in_person: bool = False, day: datetime.date | None = None
    ) -> list[Member]:
        """Who does the work of this role in this group today: each holder, or while a holder
        is away, their substitute instead (bot/domain/substitutes.py). `in_person`: the
        holders themselves, whoever stands in for them."""
        holders = (
            MemberRow.platform == self._platform,
            WorkingGroupRow.code == code,
            MemberRow.status == MemberStatus.APPROVED.value,
            MemberRow.role == role.value,
        )
        if in_person:
            return await self._many(*holders)
        # One query: each holder joined to the substitute standing in on the day, if any (at
        # most one: substitutions of one person never overlap).
        substitute = aliased(MemberRow, name="substitute")
        substitute_group = aliased(WorkingGroupRow, name="substitute_group")
        query = (
            select(MemberRow, WorkingGroupRow.code, substitute, substitute_group.code)
            .join(WorkingGroupRow, MemberRow.working_group_id == WorkingGroupRow.id)
            .outerjoin(
                SubstitutionRow,
                and_(
                    SubstitutionRow.absent_member_id == MemberRow.id,
                    *active_on(day or self._today()),
                ),
            )
            .outerjoin(
                substitute,
                and_(
                    substitute.id == SubstitutionRow.substitute_member_id,
                    substitute.status == MemberStatus.APPROVED.value,
                ),
            )
            .outerjoin(substitute_group, substitute.working_group_id == substitute_group.id)
            .where(*holders)
            .order_by(MemberRow.applied_at)
            .execution_options(populate_existing=True)
        )
        people: dict[int, Member] = {}
        for holder, holder_group, stand_in, stand_in_group in await self._session.execute(query):
            person = (
                _member(stand_in, stand_in_group)
                if stand_in is not None
                else _member(holder, holder_group)
            )
            people.setdefault(person.id, person)
        return list(people.values())

    async def representatives(self, agency_code: str, groups: tuple[str, ...]) -> list[Member]:
        """Approved members who represent an agency in any of these working groups."""
        return await self._many(
            MemberRow.platform == self._platform,
            MemberRow.agency_code == agency_code,
            MemberRow.status == MemberStatus.APPROVED.value,
            WorkingGroupRow.code.in_(groups),
        )

    async def pending_without_card(self, card_subject: str) -> list[Member]:
        """Pending applications whose card reached nobody yet (no copy was ever posted)."""
        delivered = exists().where(
            CardCopyRow.subject == card_subject, CardCopyRow.subject_id == MemberRow.id
        )
        return await self._many(
            MemberRow.platform == self._platform,
            MemberRow.status == MemberStatus.PENDING.value,
            ~delivered,
        )

    async def by_username(self, username: str) -> Member | None:
        return await self._one(
            MemberRow.platform == self._platform,
            # Exact, case-insensitive: LIKE would treat "_" in usernames as a wildcard.
            func.lower(MemberRow.username) == username.lstrip("@").lower(),
        )


# A card is posted on every press that opens one: plain statements, built once, rather than an
# ORM object flushed at commit.
_CARD_COPIES = CardCopyRow.__table__
_ADD_CARD_COPY = insert(_CARD_COPIES)
# (Parameters of an UPDATE may not be named after the table's columns.)
_MOVE_CARD_COPY_IN_CHAT = (
    update(_CARD_COPIES)
    .where(
        _CARD_COPIES.c.subject == bindparam("of_subject"),
        _CARD_COPIES.c.subject_id == bindparam("of_subject_id"),
        _CARD_COPIES.c.chat_id == bindparam("in_chat_id"),
    )
    .values(message_id=bindparam("to_message_id"), locale=bindparam("to_locale"))
)


class CardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, subject: str, subject_id: int, chat_id: int, message_id: int, locale: str
    ) -> None:
        values = {
            "subject": subject,
            "subject_id": subject_id,
            "chat_id": chat_id,
            "message_id": message_id,
            "locale": locale,
        }
        await self._session.execute(_ADD_CARD_COPY, values)

    async def replace_in_chat(
        self, subject: str, subject_id: int, chat_id: int, message_id: int, locale: str
    ) -> None:
        """The card just posted in this chat is the one copy kept there: the older ones stay
        as they are, so the copies of a subject are at most one per chat. Opening a card seen
        before in the chat (the usual press) moves its copy, one statement; only the first
        opening adds one."""
        moved = await self._session.execute(
            _MOVE_CARD_COPY_IN_CHAT,
            {
                "of_subject": subject,
                "of_subject_id": subject_id,
                "in_chat_id": chat_id,
                "to_message_id": message_id,
                "to_locale": locale,
            },
        )
        if not moved.rowcount:  # type: ignore[attr-defined]
            await self.add(subject, subject_id, chat_id, message_id, locale)

    async def copies_of(
        self, subject: str, subject_ids: Collection[int]
    ) -> dict[int, list[CardCopy]]:
        """`copies` of several subjects at once (a query per chunk of ids), keyed by subject id;
        subjects without a copy are left out."""
        found: dict[int, list[CardCopy]] = {}
        for chunk in chunks(sorted(set(subject_ids))):
            rows = await self._session.execute(
                select(
                    CardCopyRow.subject_id,
                    CardCopyRow.chat_id,
                    CardCopyRow.message_id,
                    CardCopyRow.locale,
                )
                .where(CardCopyRow.subject == subject, CardCopyRow.subject_id.in_(chunk))
                .order_by(CardCopyRow.id)
            )
            for subject_id, chat_id, message_id, locale in rows.all():
                found.setdefault(subject_id, []).append(CardCopy(chat_id, message_id, locale))
        return found

    async def copies(self, subject: str, subject_id: int) -> list[CardCopy]:
        """Every copy of the card, the posted ones first, then those still on their way."""
        posted = await self._session.execute(
            select(CardCopyRow.chat_id, CardCopyRow.message_id, CardCopyRow.locale)
            .where(CardCopyRow.subject == subject, CardCopyRow.subject_id == subject_id)
            .order_by(CardCopyRow.id)
        )
        # The outbox's partial index of unsent cards answers this.
        on_their_way = await self._session.execute(
            select(OutboxRow.id, OutboxRow.chat_id, OutboxRow.locale)
            .where(
                OutboxRow.card_subject == subject,
                OutboxRow.card_subject_id == subject_id,
                OutboxRow.sent_at.is_(None),
                OutboxRow.failed_at.is_(None),
                OutboxRow.method == "send",
            )
            .order_by(OutboxRow.id)
        )
        return [CardCopy(chat_id, message_id, locale) for chat_id, message_id, locale in posted] + [
            CardCopy(chat_id, None, locale, outbox_id=row_id)
            for row_id, chat_id, locale in on_their_way
        ]


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        actor_user_id: int,
        action: str,
        outcome: str,
        subject: str | None = None,
        subject_id: int | None = None,
        details: dict[str, Any] | None = None,
        at: datetime.datetime | None = None,
    ) -> None:
        row = AuditEventRow(
            actor_user_id=actor_user_id,
            action=action,
            outcome=outcome,
            subject=subject,
            subject_id=subject_id,
            details=details,
        )
        if at is not None:
            row.at = at
        self._session.add(row)

    async def for_actor(self, actor_user_id: int) -> list[tuple[str, str]]:
        rows = await self._session.execute(
            select(AuditEventRow.action, AuditEventRow.outcome)
            .where(AuditEventRow.actor_user_id == actor_user_id)
            .order_by(AuditEventRow.id)
        )
        return [(r[0], r[1]) for r in rows.all()]


@dataclass(frozen=True)
class Invitation:
    id: int
    code: str
    working_group: str
    created_by_user_id: int
    created_by_name: str
    created_at: datetime.datetime
    revoked_at: datetime.datetime | None
    uses: int

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class InvitationRepository:
    def __init__(self, session: AsyncSession, platform: str) -> None:
        self._session = session
        self._platform = platform

    def _select(self):  # type: ignore[no-untyped-def]
        return (
            select(InvitationRow, WorkingGroupRow.code)
            .join(WorkingGroupRow, InvitationRow.working_group_id == WorkingGroupRow.id)
            .where(InvitationRow.platform == self._platform)
            .execution_options(populate_existing=True)
        )

    @staticmethod
    def _invitation(row: InvitationRow, working_group: str) -> Invitation:
        return Invitation(
            id=row.id,
            code=row.code,
            working_group=working_group,
            created_by_user_id=row.created_by_user_id,
            created_by_name=row.created_by_name,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
            uses=row.uses,
        )

    async def create(
        self,
        code: str,
        working_group_id: int,
        by_user_id: int,
        by_name: str,
        now: datetime.datetime,
    ) -> Invitation:
        row = InvitationRow(
            platform=self._platform,
            code=code,
            working_group_id=working_group_id,
            created_by_user_id=by_user_id,
            created_by_name=by_name,
            created_at=now,
            uses=0,
        )
        self._session.add(row)
        await self._session.flush()
        found = await self.get(row.id)
        assert found is not None
        return found

    async def get(self, invitation_id: int) -> Invitation | None:
        row = (
            await self._session.execute(self._select().where(InvitationRow.id == invitation_id))
        ).first()
        return self._invitation(row[0], row[1]) if row else None

    async def by_code(self, code: str) -> Invitation | None:
        row = (
            await self._session.execute(self._select().where(InvitationRow.code == code))
        ).first()
        return self._invitation(row[0], row[1]) if row else None

    async def active_in(self, groups: tuple[str, ...]) -> list[Invitation]:
        query = (
            self._select()
            .where(InvitationRow.revoked_at.is_(None), WorkingGroupRow.code.in_(groups))
            .order_by(InvitationRow.created_at, InvitationRow.id)
        )
        return [self._invitation(r[0], r[1]) for r in (await self._session.execute(query)).all()]

    async def revoke(self, invitation_id: int, by_user_id: int, now: datetime.datetime) -> bool:
        """False if it was revoked already: the check is part of the UPDATE."""
        result = await self._session.execute(
            update(InvitationRow)
            .where(InvitationRow.id == invitation_id, InvitationRow.revoked_at.is_(None))
            .values(revoked_at=now, revoked_by_user_id=by_user_id)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def count_use(self, invitation_id: int) -> None:
        await self._session.execute(
            update(InvitationRow)
            .where(InvitationRow.id == invitation_id)
            .values(uses=InvitationRow.uses + 1)
            .execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class AgencyChange:
    id: int
    member_id: int
    from_agency_code: str
    from_agency_other: str | None
    agency_code: str
    agency_other: str | None
    requested_at: datetime.datetime
    status: MemberStatus
    decided_at: datetime.datetime | None
    decided_by_name: str | None


class AgencyChangeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @staticmethod
    def _change(row: AgencyChangeRow) -> AgencyChange:
        return AgencyChange(
            id=row.id,
            member_id=row.member_id,
            from_agency_code=row.from_agency_code,
            from_agency_other=row.from_agency_other,
            agency_code=row.agency_code,
            agency_other=row.agency_other,
            requested_at=row.requested_at,
            status=MemberStatus(row.status),
            decided_at=row.decided_at,
            decided_by_name=row.decided_by_name,
        )

    async def request(
        self, member: Member, agency_code: str, agency_other: str | None, now: datetime.datetime
    ) -> AgencyChange:
        """A new request replaces one still waiting: only the newest wish counts."""
        await self._session.execute(
            update(AgencyChangeRow)
            .where(
                AgencyChangeRow.member_id == member.id,
                AgencyChangeRow.status == MemberStatus.PENDING.value,
            )
            .values(status=MemberStatus.REJECTED.value, decided_at=now)
            .execution_options(synchronize_session=False)
        )
        row = AgencyChangeRow(
            member_id=member.id,
            from_agency_code=member.agency_code,
            from_agency_other=member.agency_other,
            agency_code=agency_code,
            agency_other=agency_other,
            requested_at=now,
            status=MemberStatus.PENDING.value,
        )
        self._session.add(row)
        await self._session.flush()
        return self._change(row)

    async def get(self, change_id: int) -> AgencyChange | None:
        row = (
            await self._session.execute(
                select(AgencyChangeRow)
                .where(AgencyChangeRow.id == change_id)
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        return self._change(row) if row else None

    async def pending_without_card(self, card_subject: str) -> list[AgencyChange]:
        """Changes still waiting whose card reached nobody yet (no copy was ever posted)."""
        delivered = exists().where(
            CardCopyRow.subject == card_subject, CardCopyRow.subject_id == AgencyChangeRow.id
        )
        rows = await self._session.execute(
            select(AgencyChangeRow)
            .where(AgencyChangeRow.status == MemberStatus.PENDING.value, ~delivered)
            .order_by(AgencyChangeRow.id)
        )
        return [self._change(row) for row in rows.scalars().all()]

    async def all_pending_for(self, member_id: int) -> list[AgencyChange]:
        rows = await self._session.execute(
            select(AgencyChangeRow)
            .where(
                AgencyChangeRow.member_id == member_id,
                AgencyChangeRow.status == MemberStatus.PENDING.value,
            )
            .order_by(AgencyChangeRow.id)
            .execution_options(populate_existing=True)
        )
        return [self._change(row) for row in rows.scalars().all()]

    async def pending_for(self, member_id: int) -> AgencyChange | None:
        row = (
            await self._session.execute(
                select(AgencyChangeRow)
                .where(
                    AgencyChangeRow.member_id == member_id,
                    AgencyChangeRow.status == MemberStatus.PENDING.value,
                )
                .order_by(AgencyChangeRow.id.desc())
                .limit(1)
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        return self._change(row) if row else None

    async def decide(
        self,
        change_id: int,
        decision: Decision,
        by_user_id: int,
        by_name: str,
        now: datetime.datetime,
    ) -> bool:
        """Record a decision if the request still waits; False if someone was first."""
        status = MemberStatus.APPROVED if decision is Decision.APPROVE else MemberStatus.REJECTED
        result = await self._session.execute(
            update(AgencyChangeRow)
            .where(
                AgencyChangeRow.id == change_id,
                AgencyChangeRow.status == MemberStatus.PENDING.value,
            )
            .values(
                status=status.value,
                decided_at=now,
                decided_by_user_id=by_user_id,
                decided_by_name=by_name,
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]
