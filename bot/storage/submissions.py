"""Submissions, their history, votes, review rules, package items and licenses.

Returns the plain values of bot/domain/submissions.py (Submission, Attachment, Event, ...),
never rows.
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.submissions import (
    Attachment,
    Content,
    DecisionRule,
    Event,
    License,
    Outcome,
    PackageItem,
    RuleMode,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    Transition,
    Vote,
)
from bot.storage.dialects import upsert_insert
from bot.storage.models import (
    AttachmentRow,
    ClusterRow,
    LicenseCounterRow,
    LicenseRow,
    MemberRow,
    PackageItemRow,
    ReviewRuleRow,
    SubmissionEventRow,
    SubmissionRow,
    VoteRow,
    WorkingGroupRow,
)


class SubmissionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- submissions ------------------------------------------------------------------

    def _select(self):  # type: ignore[no-untyped-def]
        return (
            select(
                SubmissionRow,
                ClusterRow.name,
                WorkingGroupRow.code,
                MemberRow.user_id,
                MemberRow.full_name,
                MemberRow.locale,
            )
            .join(ClusterRow, SubmissionRow.cluster_id == ClusterRow.id)
            .join(WorkingGroupRow, ClusterRow.working_group_id == WorkingGroupRow.id)
            .join(MemberRow, SubmissionRow.author_member_id == MemberRow.id)
            # Transitions are conditional bulk UPDATEs; never serve a stale identity-map copy.
            .execution_options(populate_existing=True)
        )

    @staticmethod
    def _submission(row: Any) -> Submission:
        s: SubmissionRow = row[0]
        return Submission(
            id=s.id,
            kind=SubmissionKind(s.kind),
            cluster_id=s.cluster_id,
            cluster_name=row[1],
            cluster_group=row[2],
            program_id=s.program_id,
            author_member_id=s.author_member_id,
            author_user_id=row[3],
            author_name=row[4],
            author_locale=row[5],
            title=s.title,
            summary=s.summary,
            details=dict(s.details or {}),
            budget_million_rials=s.budget_million_rials,
            duration_months=s.duration_months,
            status=SubmissionStatus(s.status),
            stage_index=s.stage_index,
            stage_opened_at=s.stage_opened_at,
            version=s.version,
            created_at=s.created_at,
            decided_at=s.decided_at,
        )

    async def create(
        self,
        kind: SubmissionKind,
        cluster_id: int,
        program_id: int | None,
        author_member_id: int,
        content: Content,
        now: datetime.datetime,
    ) -> int:
        row = SubmissionRow(
            kind=kind.value,
            cluster_id=cluster_id,
            program_id=program_id,
            author_member_id=author_member_id,
            title=content.title,
            summary=content.summary,
            details=content.details,
            budget_million_rials=content.budget_million_rials,
            duration_months=content.duration_months,
            status=SubmissionStatus.IN_REVIEW.value,
            stage_index=0,
            stage_opened_at=now,
            version=1,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def get(self, submission_id: int) -> Submission | None:
        row = (
            await self._session.execute(self._select().where(SubmissionRow.id == submission_id))
        ).first()
        return self._submission(row) if row else None

    async def transition(
        self,
        submission_id: int,
        expected_version: int,
        change: Transition,
        now: datetime.datetime,
        content: Content | None = None,
    ) -> bool:
        """Apply a transition only if nobody else moved the submission first.

        The version check is inside the UPDATE, so a double press or two reviewers at once
        yield exactly one transition on SQLite and PostgreSQL alike.
        """
        values: dict[str, Any] = {
            "status": change.status.value,
            "stage_index": change.stage_index,
            "version": change.version,
        }
        if change.outcome in (Outcome.ADVANCED, Outcome.RESUBMITTED):
            values["stage_opened_at"] = now
        if change.status in (
            SubmissionStatus.APPROVED,
            SubmissionStatus.REJECTED,
            SubmissionStatus.WITHDRAWN,
        ):
            values["decided_at"] = now
        if content is not None:
            values.update(
                title=content.title,
                summary=content.summary,
                details=content.details,
                budget_million_rials=content.budget_million_rials,
                duration_months=content.duration_months,
            )
        result = await self._session.execute(
            update(SubmissionRow)
            .where(SubmissionRow.id == submission_id, SubmissionRow.version == expected_version)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def by_author(self, member_id: int) -> list[Submission]:
        rows = await self._session.execute(
            self._select()
            .where(SubmissionRow.author_member_id == member_id)
            .order_by(SubmissionRow.created_at.desc(), SubmissionRow.id.desc())
        )
        return [self._submission(r) for r in rows.all()]

    async def in_review(self) -> list[Submission]:
        """Everything waiting for a decision, oldest stage first."""
        rows = await self._session.execute(
            self._select()
            .where(SubmissionRow.status == SubmissionStatus.IN_REVIEW.value)
            .order_by(SubmissionRow.stage_opened_at, SubmissionRow.id)
        )
        return [self._submission(r) for r in rows.all()]

    async def open_for_cluster(self, cluster_id: int, kind: SubmissionKind) -> bool:
        """Whether a submission of this kind for the cluster is still in review or returned."""
        found = await self._session.execute(
            select(SubmissionRow.id)
            .where(
                SubmissionRow.cluster_id == cluster_id,
                SubmissionRow.kind == kind.value,
                SubmissionRow.status.in_(
                    [SubmissionStatus.IN_REVIEW.value, SubmissionStatus.RETURNED.value]
                ),
            )
            .limit(1)
        )
        return found.first() is not None

    async def approved_programs(self, cluster_id: int) -> list[Submission]:
        rows = await self._session.execute(
            self._select()
            .where(
                SubmissionRow.cluster_id == cluster_id,
                SubmissionRow.kind == SubmissionKind.DEVELOPMENT_PROGRAM.value,
                SubmissionRow.status == SubmissionStatus.APPROVED.value,
            )
            .order_by(SubmissionRow.id)
        )
        return [self._submission(r) for r in rows.all()]

    # --- attachments and history --------------------------------------------------------

    async def add_attachment(
        self,
        submission_id: int,
        file_id: str,
        file_unique_id: str,
        file_name: str,
        mime_type: str,
        size: int,
        now: datetime.datetime,
    ) -> None:
        self._session.add(
            AttachmentRow(
                submission_id=submission_id,
                file_id=file_id,
                file_unique_id=file_unique_id,
                file_name=file_name,
                mime_type=mime_type,
                size=size,
                added_at=now,
            )
        )

    async def attachments(self, submission_id: int) -> list[Attachment]:
        rows = await self._session.execute(
            select(AttachmentRow)
            .where(AttachmentRow.submission_id == submission_id)
            .order_by(AttachmentRow.id)
        )
        return [
            Attachment(a.id, a.file_id, a.file_unique_id, a.file_name, a.mime_type, a.size)
            for a in rows.scalars()
        ]

    async def add_event(
        self,
        submission_id: int,
        at: datetime.datetime,
        actor_user_id: int,
        actor_name: str,
        action: str,
        stage_index: int,
        comment: str | None = None,
        on_behalf_of: tuple[int, str] | None = None,
    ) -> None:
        """`on_behalf_of`: (user id, name) of the absent person a substitute acted for."""
        self._session.add(
            SubmissionEventRow(
                submission_id=submission_id,
                at=at,
                actor_user_id=actor_user_id,
                actor_name=actor_name,
                action=action,
                stage_index=stage_index,
                comment=comment,
                on_behalf_of_user_id=on_behalf_of[0] if on_behalf_of else None,
                on_behalf_of_name=on_behalf_of[1] if on_behalf_of else None,
            )
        )

    async def events(self, submission_id: int) -> list[Event]:
        rows = await self._session.execute(
            select(SubmissionEventRow)
            .where(SubmissionEventRow.submission_id == submission_id)
            .order_by(SubmissionEventRow.id)
        )
        return [
            Event(e.at, e.actor_name, e.action, e.stage_index, e.comment, e.on_behalf_of_name)
            for e in rows.scalars()
        ]

    async def events_by_author(self, member_id: int) -> dict[int, list[Event]]:
        """The timelines of every submission this member wrote, in one query (the dashboard's
        "my submissions"): submission id -> its events in order."""
        rows = await self._session.execute(
            select(SubmissionEventRow)
            .join(SubmissionRow, SubmissionRow.id == SubmissionEventRow.submission_id)
            .where(SubmissionRow.author_member_id == member_id)
            .order_by(SubmissionEventRow.submission_id, SubmissionEventRow.id)
        )
        timelines: dict[int, list[Event]] = {}
        for e in rows.scalars():
            timelines.setdefault(e.submission_id, []).append(
                Event(e.at, e.actor_name, e.action, e.stage_index, e.comment, e.on_behalf_of_name)
            )
        return timelines

    # --- votes and rules ------------------------------------------------------------------

    async def add_vote(
        self, submission_id: int, version: int, member_id: int, vote: Vote, now: datetime.datetime
    ) -> bool:
        """False if this member already voted in this round."""
        try:
            async with self._session.begin_nested():
                self._session.add(
                    VoteRow(
                        submission_id=submission_id,
                        version=version,
                        member_id=member_id,
                        vote=vote.value,
                        at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def votes(self, submission_id: int, version: int) -> list[tuple[int, Vote]]:
        rows = await self._session.execute(
            select(VoteRow.member_id, VoteRow.vote)
            .where(VoteRow.submission_id == submission_id, VoteRow.version == version)
            .order_by(VoteRow.id)
        )
        return [(r[0], Vote(r[1])) for r in rows.all()]

    async def rule_for(self, working_group: str) -> DecisionRule:
        row = (
            await self._session.execute(
                select(ReviewRuleRow)
                .join(WorkingGroupRow, ReviewRuleRow.working_group_id == WorkingGroupRow.id)
                .where(WorkingGroupRow.code == working_group)
            )
        ).scalar_one_or_none()
        if row is None:
            return DecisionRule()
        return DecisionRule(RuleMode(row.mode), row.quorum, row.deadline_days)

    async def set_rule(self, working_group_id: int, rule: DecisionRule) -> None:
        row = await self._session.get(ReviewRuleRow, working_group_id)
        if row is None:
            row = ReviewRuleRow(working_group_id=working_group_id)
            self._session.add(row)
        row.mode = rule.mode.value
        row.quorum = rule.quorum
        row.deadline_days = rule.deadline_days

    # --- support package items ------------------------------------------------------------

    async def add_item(
        self, submission_id: int, position: int, agency_code: str, action: str
    ) -> None:
        self._session.add(
            PackageItemRow(
                submission_id=submission_id,
                position=position,
                agency_code=agency_code,
                action=action,
            )
        )

    async def replace_items(self, submission_id: int, items: list[tuple[str, str]]) -> None:
        existing = await self._session.execute(
            select(PackageItemRow).where(PackageItemRow.submission_id == submission_id)
        )
        for row in existing.scalars():
            await self._session.delete(row)
        await self._session.flush()
        for position, (agency, action) in enumerate(items, start=1):
            await self.add_item(submission_id, position, agency, action)

    async def items(self, submission_id: int) -> list[PackageItem]:
        rows = await self._session.execute(
            select(PackageItemRow)
            .where(PackageItemRow.submission_id == submission_id)
            .order_by(PackageItemRow.position)
            .execution_options(populate_existing=True)
        )
        return [self._item(i) for i in rows.scalars()]

    async def item(self, item_id: int) -> PackageItem | None:
        row = await self._session.get(PackageItemRow, item_id, populate_existing=True)
        return self._item(row) if row else None

    @staticmethod
    def _item(i: PackageItemRow) -> PackageItem:
        return PackageItem(
            i.id,
            i.submission_id,
            i.position,
            i.agency_code,
            i.action,
            i.acknowledged_at,
            i.acknowledged_by_name,
        )

    async def acknowledge(
        self, item_id: int, user_id: int, name: str, now: datetime.datetime
    ) -> bool:
        """Record an agency's acknowledgement once; False if it was already acknowledged."""
        result = await self._session.execute(
            update(PackageItemRow)
            .where(PackageItemRow.id == item_id, PackageItemRow.acknowledged_at.is_(None))
            .values(acknowledged_at=now, acknowledged_by_user_id=user_id, acknowledged_by_name=name)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    # --- licenses -------------------------------------------------------------------------

    async def next_license_sequence(self, jalali_year: int) -> int:
        # A counter row per year, incremented in the same transaction as the approval: two
        # approvals at once serialise on that row instead of handing out one number twice.
        # The row is created with ON CONFLICT DO NOTHING, so the year's first two approvals
        # cannot both try to create it.
        await self._session.execute(
            upsert_insert(self._session)(LicenseCounterRow)
            .values(year=jalali_year, last=0)
            .on_conflict_do_nothing(index_elements=["year"])
        )
        result = await self._session.execute(
            update(LicenseCounterRow)
            .where(LicenseCounterRow.year == jalali_year)
            .values(last=LicenseCounterRow.last + 1)
            .returning(LicenseCounterRow.last)
        )
        return int(result.scalar_one())

    async def add_license(
        self, number: str, cluster_id: int, submission_id: int, now: datetime.datetime
    ) -> License:
        self._session.add(
            LicenseRow(
                number=number, cluster_id=cluster_id, submission_id=submission_id, issued_at=now
            )
        )
        await self._session.flush()
        return License(number, cluster_id, submission_id, now)

    async def license_of(self, submission_id: int) -> License | None:
        row = (
            await self._session.execute(
                select(LicenseRow).where(LicenseRow.submission_id == submission_id)
            )
        ).scalar_one_or_none()
        return (
            License(row.number, row.cluster_id, row.submission_id, row.issued_at) if row else None
        )
